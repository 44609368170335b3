"""The alternative the heads are compared with: fine-tuning the whole encoder (benchmark only).

A copy of the shared MiniLM encoder gets two linear heads (tone, category) on its mean-pooled
last layer, and everything is trained jointly with AdamW for a time-bounded couple of epochs
on the same ``train`` rows and the same text preparation as the heads. The outcome carries
held-out scores and what keeping it would cost (the full encoder weights, ~90 MB, plus a
second encoder in memory next to the one brand memory shares). Nothing is saved.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from numpy.typing import NDArray

from agents.classifiers.corpus import Example
from agents.classifiers.features import prepare_text
from agents.classifiers.labels import TASK_LABELS, TASKS
from tools.embeddings import Embedder


@dataclass
class FinetuneOutcome:
    """Predictions on the evaluation rows plus the cost of getting them."""

    predicted: dict[str, list[int]] = field(default_factory=dict)
    """Task -> predicted label index per evaluation row."""
    train_seconds: float = 0.0
    epochs_done: float = 0.0
    """Epochs completed before the time budget ran out (fractions count)."""
    weights_bytes: int = 0
    """Size of the weights one would have to keep (float32)."""
    eval_seconds: float = 0.0


@dataclass
class FinetuneConfig:
    epochs: int = 2
    encoder_lr: float = 5e-5
    head_lr: float = 1e-3
    batch_size: int = 16
    max_length: int = 128
    """Tokens per text while fine-tuning (shorter than inference's 256 to fit the budget)."""
    time_budget_seconds: float = 240.0
    seed: int = 20261124


class _Model(torch.nn.Module):
    def __init__(self, encoder: torch.nn.Module, width: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.heads = torch.nn.ModuleDict(
            {task: torch.nn.Linear(width, len(TASK_LABELS[task])) for task in TASKS}
        )

    def forward(self, encoded: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        hidden = self.encoder(**encoded).last_hidden_state
        mask = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return {task: head(pooled) for task, head in self.heads.items()}


def finetune_and_predict(
    embedder: Embedder,
    train_rows: Sequence[Example],
    eval_rows: Sequence[Example],
    config: FinetuneConfig | None = None,
) -> FinetuneOutcome:
    """Fine-tune a copy of the encoder on ``train_rows``; predict ``eval_rows``."""
    settings = config or FinetuneConfig()
    torch.manual_seed(settings.seed)
    model = _Model(copy.deepcopy(embedder.model), embedder.dimension)
    outcome = FinetuneOutcome()
    outcome.weights_bytes = sum(p.numel() * 4 for p in model.parameters())
    started = time.perf_counter()
    outcome.epochs_done = _train(model, embedder, list(train_rows), settings, started)
    outcome.train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    outcome.predicted = _predict(model, embedder, list(eval_rows), settings)
    outcome.eval_seconds = time.perf_counter() - started
    return outcome


def _encode(embedder: Embedder, rows: list[Example], max_length: int) -> dict[str, torch.Tensor]:
    return dict(
        embedder.tokenizer(
            [prepare_text(row.text) for row in rows],
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
        )
    )


def _targets(rows: list[Example]) -> dict[str, torch.Tensor]:
    return {
        task: torch.tensor([TASK_LABELS[task].index(getattr(row, task)) for row in rows])
        for task in TASKS
    }


def _train(
    model: _Model, embedder: Embedder, rows: list[Example], config: FinetuneConfig, started: float
) -> float:
    optimizer = torch.optim.AdamW(
        [
            {"params": model.encoder.parameters(), "lr": config.encoder_lr},
            {"params": model.heads.parameters(), "lr": config.head_lr},
        ],
        weight_decay=0.01,
    )
    generator = torch.Generator().manual_seed(config.seed)
    model.train()
    steps_per_epoch = (len(rows) + config.batch_size - 1) // config.batch_size
    for epoch in range(config.epochs):
        order = torch.randperm(len(rows), generator=generator).tolist()
        for step, start in enumerate(range(0, len(rows), config.batch_size)):
            if time.perf_counter() - started > config.time_budget_seconds:
                return epoch + step / steps_per_epoch
            batch = [rows[i] for i in order[start : start + config.batch_size]]
            logits = model(_encode(embedder, batch, config.max_length))
            targets = _targets(batch)
            loss = sum(
                torch.nn.functional.cross_entropy(logits[task], targets[task]) for task in TASKS
            )
            optimizer.zero_grad()
            loss.backward()  # type: ignore[union-attr]
            optimizer.step()
    return float(config.epochs)


def _predict(
    model: _Model, embedder: Embedder, rows: list[Example], config: FinetuneConfig
) -> dict[str, list[int]]:
    model.eval()
    predicted: dict[str, list[int]] = {task: [] for task in TASKS}
    with torch.inference_mode():
        for start in range(0, len(rows), 32):
            logits = model(_encode(embedder, rows[start : start + 32], config.max_length))
            for task in TASKS:
                predicted[task].extend(logits[task].argmax(1).tolist())
    return predicted


def label_indices(rows: Sequence[Example], task: str) -> NDArray[np.int64]:
    """True label indices of ``rows`` for ``task``."""
    return np.array([TASK_LABELS[task].index(getattr(row, task)) for row in rows], dtype=np.int64)
