"""``brandloom classify train``: fit both heads on frozen encoder features, calibrate, save.

Reads only ``corpus/train.jsonl`` (its ``train`` rows fit the heads; its ``calib`` rows,
built from templates the ``train`` rows never use, choose the encoder layers and the L2
strength, fit the temperature and pick the thresholds). The held-out file is never read here.
Deterministic: same corpus, encoder and seed give the same artefact.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from agents.classifiers.artefact import TriageArtefact, save_artefact
from agents.classifiers.corpus import CORPUS_DIR, SEED, TRAIN_FILE, Example, read_corpus
from agents.classifiers.features import layer_features, select_layers
from agents.classifiers.head import (
    LinearHead,
    fit_linear,
    fit_temperature,
    pick_threshold,
    softmax,
)
from agents.classifiers.labels import TASK_LABELS, TASKS
from agents.classifiers.metrics import expected_calibration_error, macro_f1
from tools.embeddings import Embedder, get_embedder
from tools.errors import InputError

CANDIDATE_LAYERS: tuple[tuple[int, ...], ...] = ((6,), (3,), (0, 3), (1, 3), (0, 3, 6), (2, 4, 6))
"""Layer sets tried per task (0 = token embeddings, 6 = the sentence-embedding layer)."""
L2_GRID: tuple[float, ...] = (1e-4, 1e-3)
TARGET_PRECISION = 0.9
"""Thresholds are the lowest confidence at which calibration-set precision reaches this."""
MIN_THRESHOLD = 0.5
"""Floor of every threshold: below an even chance the top label is a guess, so it is unknown."""

Progress = Callable[[str], None]


@dataclass
class TrainResult:
    """What ``train_triage`` wrote and measured (all scores on the calibration split)."""

    artefact: TriageArtefact
    paths: list[Path]
    report: dict[str, Any] = field(default_factory=dict)


def train_triage(
    output_dir: Path,
    *,
    corpus_path: Path = CORPUS_DIR / TRAIN_FILE,
    per_pair: int | None = None,
    seed: int = SEED,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> TrainResult:
    """Train, calibrate and save both heads to ``output_dir``.

    ``per_pair`` keeps only the first N rows of each (split, tone, category) group: a quick
    slice for tests and smoke runs.
    """
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    rows = _slice(read_corpus(corpus_path), per_pair)
    is_train = np.array([row.split == "train" for row in rows])
    if is_train.all() or not is_train.any():
        raise InputError(f"{corpus_path} needs both 'train' and 'calib' rows")
    encoder = embedder or get_embedder()
    say(f"encoding {len(rows)} texts ...")
    features = layer_features(encoder, [row.text for row in rows])
    encode_seconds = time.perf_counter() - started
    heads: dict[str, LinearHead] = {}
    report: dict[str, Any] = {"seed": seed, "rows": {"train": int(is_train.sum())}}
    report["rows"]["calib"] = int((~is_train).sum())
    report["corpus_sha256"] = hashlib.sha256(corpus_path.read_bytes()).hexdigest()
    for task in TASKS:
        targets = _targets(rows, task)
        heads[task], report[task] = _fit_task(task, features, targets, is_train, seed)
        say(f"{task}: {report[task]}")
    report["encode_seconds"] = round(encode_seconds, 2)
    report["train_seconds"] = round(time.perf_counter() - started, 2)
    artefact = TriageArtefact(heads, encoder.model_id, encoder.model_version, report)
    return TrainResult(artefact, save_artefact(artefact, output_dir), report)


def _slice(rows: list[Example], per_pair: int | None) -> list[Example]:
    if per_pair is None:
        return rows
    seen: dict[tuple[str, str, str], int] = {}
    kept = []
    for row in rows:
        key = (row.split, row.tone, row.category)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= per_pair:
            kept.append(row)
    return kept


def _targets(rows: list[Example], task: str) -> NDArray[np.int64]:
    labels = TASK_LABELS[task]
    return np.array([labels.index(getattr(row, task)) for row in rows], dtype=np.int64)


def _fit_task(
    task: str,
    features: NDArray[np.float32],
    targets: NDArray[np.int64],
    is_train: NDArray[np.bool_],
    seed: int,
) -> tuple[LinearHead, dict[str, Any]]:
    """Choose layers and L2 by calibration macro-F1, then fit temperature and threshold."""
    labels = TASK_LABELS[task]
    best: tuple[float, float, LinearHead] | None = None
    for layers, l2 in product(CANDIDATE_LAYERS, L2_GRID):
        x = select_layers(features, layers)
        weight, bias = fit_linear(x[is_train], targets[is_train], len(labels), l2=l2, seed=seed)
        head = LinearHead(labels, layers, weight, bias)
        score = macro_f1(targets[~is_train], head.logits(x[~is_train]).argmax(1), len(labels))
        if best is None or score > best[0]:
            best = (score, l2, head)
    assert best is not None
    score, l2, head = best
    calib_logits = head.logits(select_layers(features, head.layers)[~is_train])
    calib_targets = targets[~is_train]
    ece_before = _ece(head, calib_logits, calib_targets)
    head.temperature = fit_temperature(calib_logits, calib_targets)
    probabilities = head.probabilities(select_layers(features, head.layers)[~is_train])
    correct = probabilities.argmax(1) == calib_targets
    picked = pick_threshold(probabilities.max(1), correct, target_precision=TARGET_PRECISION)
    head.threshold = max(picked, MIN_THRESHOLD)
    coverage = float((probabilities.max(1) >= head.threshold).mean())
    return head, {
        "layers": list(head.layers),
        "l2": l2,
        "calib_macro_f1": round(score, 4),
        "calib_ece_before": round(ece_before, 4),
        "calib_ece_after": round(_ece(head, calib_logits, calib_targets), 4),
        "temperature": round(head.temperature, 4),
        "threshold": round(head.threshold, 4),
        "calib_coverage": round(coverage, 4),
    }


def _ece(head: LinearHead, logits: NDArray[np.float32], targets: NDArray[np.int64]) -> float:
    probabilities = softmax(logits / head.temperature)
    correct = probabilities.argmax(1) == targets
    return expected_calibration_error(probabilities.max(1).astype(np.float64), correct)
