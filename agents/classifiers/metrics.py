"""Evaluation helpers: macro-F1, confusion matrices and expected calibration error."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

Indices = Sequence[int] | NDArray[np.integer[Any]]
"""Label indices, one per row."""


def confusion_matrix(truth: Indices, predicted: Indices, n_labels: int) -> NDArray[np.int64]:
    """Counts with rows = true label, columns = predicted label."""
    matrix = np.zeros((n_labels, n_labels), dtype=np.int64)
    for true_index, predicted_index in zip(truth, predicted, strict=True):
        matrix[int(true_index), int(predicted_index)] += 1
    return matrix


def macro_f1(truth: Indices, predicted: Indices, n_labels: int) -> float:
    """Unweighted mean of per-label F1 (a label absent from both sides counts as 0)."""
    matrix = confusion_matrix(truth, predicted, n_labels).astype(np.float64)
    true_positive = np.diag(matrix)
    precision_denominator = matrix.sum(axis=0)
    recall_denominator = matrix.sum(axis=1)
    denominator = precision_denominator + recall_denominator
    f1 = np.divide(
        2 * true_positive, denominator, out=np.zeros_like(true_positive), where=denominator > 0
    )
    return float(f1.mean())


def expected_calibration_error(
    confidence: NDArray[np.float64], correct: NDArray[np.bool_], n_bins: int = 10
) -> float:
    """ECE: mean |accuracy - confidence| over equal-width confidence bins, weighted by size."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    total = 0.0
    for index in range(n_bins):
        members = bins == index
        if members.any():
            gap = abs(float(correct[members].mean()) - float(confidence[members].mean()))
            total += gap * int(members.sum())
    return total / max(len(confidence), 1)


def format_confusion(matrix: NDArray[np.int64], labels: Sequence[str]) -> str:
    """A markdown table: rows are true labels, columns predicted labels."""
    short = [label[:12] for label in labels]
    lines = ["| true \\ predicted | " + " | ".join(short) + " |"]
    lines.append("|---" * (len(labels) + 1) + "|")
    for label, row in zip(labels, matrix, strict=True):
        lines.append(f"| {label} | " + " | ".join(str(int(count)) for count in row) + " |")
    return "\n".join(lines)
