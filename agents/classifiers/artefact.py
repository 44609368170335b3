"""The trained triage artefact: two small files, kept in the repository.

``triage_head.npz`` holds the weights (float32 arrays, loaded with ``allow_pickle=False``) and
``triage_head.json`` the rest: labels, layers, temperatures, thresholds, the encoder it was
trained on and the training report. Together they are a few tens of KB.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agents.classifiers.head import LinearHead
from agents.classifiers.labels import TASKS
from tools.errors import ConfigError

ARTEFACT_DIR = Path(__file__).resolve().parent / "data" / "model"
"""Where the shipped artefact lives (``Settings.triage_dir`` overrides it)."""
WEIGHTS_FILE = "triage_head.npz"
META_FILE = "triage_head.json"
FORMAT_VERSION = 1
TRAIN_HINT = "run `brandloom classify train` (or `python -m graph.cli.classify train`)"


@dataclass
class TriageArtefact:
    """Both heads plus what they were trained on."""

    heads: dict[str, LinearHead]
    encoder_id: str
    encoder_version: str
    report: dict[str, Any] = field(default_factory=dict)
    """Training report (seed, corpus digest, calibration-split metrics, timings)."""


def save_artefact(artefact: TriageArtefact, directory: Path) -> list[Path]:
    """Write both files (weights first, metadata last); returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = {}
    heads_meta: dict[str, dict[str, Any]] = {}
    for task, head in artefact.heads.items():
        arrays[f"{task}_weight"] = head.weight.astype(np.float32)
        arrays[f"{task}_bias"] = head.bias.astype(np.float32)
        heads_meta[task] = {
            "labels": list(head.labels),
            "layers": list(head.layers),
            "temperature": head.temperature,
            "threshold": head.threshold,
        }
    weights_path, meta_path = directory / WEIGHTS_FILE, directory / META_FILE
    np.savez_compressed(weights_path, **arrays)
    meta = {
        "format_version": FORMAT_VERSION,
        "encoder_id": artefact.encoder_id,
        "encoder_version": artefact.encoder_version,
        "heads": heads_meta,
        "report": artefact.report,
    }
    meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return [weights_path, meta_path]


def load_artefact(directory: Path) -> TriageArtefact:
    """Read an artefact; ``ConfigError`` saying how to rebuild it when missing or unreadable."""
    weights_path, meta_path = directory / WEIGHTS_FILE, directory / META_FILE
    if not weights_path.is_file() or not meta_path.is_file():
        raise ConfigError(f"no trained triage model in {directory}: {TRAIN_HINT}")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        with np.load(weights_path, allow_pickle=False) as arrays:
            heads: dict[str, LinearHead] = {
                task: _head(task, meta["heads"][task], arrays) for task in TASKS
            }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"unreadable triage model in {directory} ({exc}): {TRAIN_HINT}") from exc
    if meta.get("format_version") != FORMAT_VERSION:
        raise ConfigError(f"triage model in {directory} has an old format: {TRAIN_HINT}")
    return TriageArtefact(
        heads=heads,
        encoder_id=str(meta["encoder_id"]),
        encoder_version=str(meta["encoder_version"]),
        report=dict(meta.get("report", {})),
    )


def _head(task: str, meta: dict[str, Any], arrays: Any) -> LinearHead:
    weight = np.asarray(arrays[f"{task}_weight"], dtype=np.float32)
    bias = np.asarray(arrays[f"{task}_bias"], dtype=np.float32)
    labels = tuple(str(label) for label in meta["labels"])
    if weight.shape[0] != len(labels) or bias.shape != (len(labels),):
        raise ValueError(f"{task} head shape {weight.shape} does not match {len(labels)} labels")
    return LinearHead(
        labels=labels,
        layers=tuple(int(layer) for layer in meta["layers"]),
        weight=weight,
        bias=bias,
        temperature=float(meta["temperature"]),
        threshold=float(meta["threshold"]),
    )
