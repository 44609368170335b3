"""``Triage``: tone and category of texts from two small heads on the shared MiniLM encoder.

Used by intake (fill in a brief's missing tone/categories), the verifier (tone mismatch) and
tagging (tone and category on every asset). A label is ``None`` when its calibrated
confidence is below the task's threshold: callers treat it as unknown rather than guessing.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

from agents.classifiers.artefact import ARTEFACT_DIR, TRAIN_HINT, TriageArtefact, load_artefact
from agents.classifiers.features import MAX_CHARS, layer_features, prepare_text, select_layers
from tools.embeddings import Embedder, get_embedder
from tools.errors import ConfigError, InputError
from tools.events import TraceEvent
from tools.settings import Settings

TRIAGE_MODEL_ID = "local:all-minilm-l6-v2+triage-head"
"""``model_id`` recorded on classifier trace events."""
MAX_CONTROL_RATIO = 0.05
"""Share of control characters (other than tab and line breaks) above which input is binary."""


class LabelPrediction(BaseModel):
    """One task's decision for one text."""

    label: str | None
    """Predicted label, or None when ``confidence`` is below the task threshold (unknown)."""
    confidence: float
    """Calibrated probability of the top label, in [0, 1] (reported even when unknown)."""
    latency_ms: float
    """Wall-clock time of the ``classify`` call divided by the number of texts."""
    candidate: str = ""
    """The top label before thresholding (for traces and debugging; do not act on it)."""


class TriageResult(BaseModel):
    """Tone and category of one text."""

    tone: LabelPrediction
    category: LabelPrediction
    truncated: bool = False
    """True when only the beginning of the text was read (see ``features`` for the limits)."""

    def events(self, thread_id: str, node: str, asset_id: str = "") -> list[TraceEvent]:
        """One ``classifier`` trace event per decision (tone, then category)."""
        return [
            TraceEvent(
                kind="classifier",
                thread_id=thread_id,
                node=node,
                agent=f"{task}-classifier",
                asset_id=asset_id,
                model_id=TRIAGE_MODEL_ID,
                label=prediction.label,
                confidence=prediction.confidence,
                latency_ms=prediction.latency_ms,
                summary=f"{task}: {prediction.label or 'unknown'} ({prediction.confidence:.2f})",
            )
            for task, prediction in (("tone", self.tone), ("category", self.category))
        ]


class Triage:
    """Batched tone + category classification; thread-safe, no side effects."""

    def __init__(self, artefact: TriageArtefact, embedder: Embedder) -> None:
        self.artefact = artefact
        self.embedder = embedder
        self._lock = threading.Lock()

    def classify(self, texts: list[str], *, batch_size: int = 32) -> list[TriageResult]:
        """Classify every text with one encoder pass per batch.

        Raises ``InputError`` for a bare string, a non-``str`` item (e.g. bytes), an empty or
        whitespace-only text, or a text that looks like binary data. Long texts are truncated,
        not rejected (``TriageResult.truncated``).
        """
        items = check_texts(texts)
        if not items:
            return []
        started = time.perf_counter()
        with self._lock:
            features = layer_features(self.embedder, items, batch_size=batch_size)
        predictions = {
            task: head.probabilities(select_layers(features, head.layers))
            for task, head in self.artefact.heads.items()
        }
        latency_ms = (time.perf_counter() - started) * 1000.0 / len(items)
        return [
            TriageResult(
                tone=self._decide("tone", predictions["tone"][row], latency_ms),
                category=self._decide("category", predictions["category"][row], latency_ms),
                truncated=_is_truncated(self.embedder, text),
            )
            for row, text in enumerate(items)
        ]

    def _decide(self, task: str, probabilities: np.ndarray, latency_ms: float) -> LabelPrediction:
        head = self.artefact.heads[task]
        best = int(np.argmax(probabilities))
        confidence = float(probabilities[best])
        label = head.labels[best] if confidence >= head.threshold else None
        return LabelPrediction(
            label=label, confidence=confidence, latency_ms=latency_ms, candidate=head.labels[best]
        )


def check_texts(texts: Sequence[str]) -> list[str]:
    """Validate a batch; returns it as a list or raises ``InputError`` naming the bad item."""
    if isinstance(texts, str | bytes):
        raise InputError("classify() takes a list of texts, not a single string")
    items = list(texts)
    for position, text in enumerate(items):
        if not isinstance(text, str):
            raise InputError(
                f"text #{position} is {type(text).__name__}, not str: decode it (UTF-8) first"
            )
        if not _visible(text):
            raise InputError(f"text #{position} is empty: there is nothing to classify")
        if _looks_binary(text[:MAX_CHARS]):
            raise InputError(f"text #{position} looks like binary data, not text")
    return items


def _visible(text: str) -> bool:
    """Whether ``text`` has a character a reader would see: zero-width and other format or
    control characters, and spaces, classify as nothing (they would score like any text)."""
    return any(
        not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc", "Co", "Cs", "Zs")
        for ch in text
    )


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    controls = sum(
        1 for char in text if char not in "\t\n\r" and unicodedata.category(char) == "Cc"
    )
    return controls > MAX_CONTROL_RATIO * len(text)


def _is_truncated(embedder: Embedder, text: str) -> bool:
    if len(text) > MAX_CHARS:
        return True
    # Each token covers at least one character, so short texts cannot exceed the limit.
    if len(text) <= embedder.max_length - 2:
        return False
    token_ids = embedder.tokenizer(prepare_text(text), truncation=False, verbose=False)["input_ids"]
    return len(token_ids) > embedder.max_length


def load_triage(settings: Settings | None = None, embedder: Embedder | None = None) -> Triage:
    """The trained triage from ``settings.triage_dir`` (default: the artefact in the repo).

    Raises ``ConfigError`` telling to run ``brandloom classify train`` when the artefact is
    missing, unreadable or was trained on another encoder version.
    """
    directory = (settings.triage_dir if settings else None) or ARTEFACT_DIR
    artefact = load_artefact(directory)
    encoder = embedder or get_embedder()
    if (artefact.encoder_id, artefact.encoder_version) != (encoder.model_id, encoder.model_version):
        raise ConfigError(
            f"triage model in {directory} was trained on {artefact.encoder_id} "
            f"{artefact.encoder_version}, but {encoder.model_id} {encoder.model_version} is "
            f"installed: {TRAIN_HINT}"
        )
    return Triage(artefact, encoder)
