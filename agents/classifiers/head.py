"""A linear softmax head on frozen encoder features, with temperature and threshold.

Training is full-batch L-BFGS on the cross-entropy plus an L2 penalty, so the same features
and seed give the same weights. Confidence is the softmax of ``logits / temperature``; the
temperature is fitted on a calibration split (not the training rows, on which a head is
over-confident). Below ``threshold`` the prediction is reported as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from numpy.typing import NDArray

FloatArray = NDArray[np.float32]


@dataclass
class LinearHead:
    """One task's head: ``labels[i]`` is output unit ``i``."""

    labels: tuple[str, ...]
    layers: tuple[int, ...]
    """Encoder layers whose mean-pooled states are concatenated as the input features."""
    weight: FloatArray
    """Shape ``(n_labels, n_features)``."""
    bias: FloatArray
    """Shape ``(n_labels,)``."""
    temperature: float = 1.0
    threshold: float = 0.0
    """Calibrated confidence below which the label is unknown (None)."""

    def logits(self, features: FloatArray) -> FloatArray:
        return features @ self.weight.T + self.bias

    def probabilities(self, features: FloatArray) -> FloatArray:
        """Calibrated class probabilities, shape ``(n, n_labels)``."""
        return softmax(self.logits(features) / self.temperature)


def softmax(logits: FloatArray) -> FloatArray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)


def fit_linear(
    features: FloatArray, targets: NDArray[np.int64], n_labels: int, *, l2: float, seed: int
) -> tuple[FloatArray, FloatArray]:
    """Weights and bias minimising mean cross-entropy + ``l2 * ||W||^2`` (deterministic)."""
    torch.manual_seed(seed)
    x = torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32))
    y = torch.from_numpy(np.asarray(targets, dtype=np.int64))
    weight = torch.zeros((n_labels, x.shape[1]), requires_grad=True)
    bias = torch.zeros(n_labels, requires_grad=True)
    optimizer = torch.optim.LBFGS(
        [weight, bias], lr=1.0, max_iter=500, tolerance_grad=1e-6, line_search_fn="strong_wolfe"
    )

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(x @ weight.T + bias, y) + l2 * weight.pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    return weight.detach().numpy().copy(), bias.detach().numpy().copy()


def fit_temperature(logits: FloatArray, targets: NDArray[np.int64]) -> float:
    """The temperature (grid over 0.05..20, log-spaced) minimising calibration-set NLL."""
    best_temperature, best_nll = 1.0, float("inf")
    rows = np.arange(len(targets))
    for temperature in np.exp(np.linspace(np.log(0.05), np.log(20.0), 400)):
        probabilities = softmax(logits / temperature)
        nll = float(-np.log(np.clip(probabilities[rows, targets], 1e-12, None)).mean())
        if nll < best_nll:
            best_temperature, best_nll = float(temperature), nll
    return best_temperature


def pick_threshold(
    confidence: NDArray[np.float32], correct: NDArray[np.bool_], *, target_precision: float
) -> float:
    """The lowest confidence cut whose accepted predictions reach ``target_precision``.

    Scans the calibration set's own confidences in ascending order; returns 0.0 when every
    prediction already meets the target, and the highest confidence seen when none does.
    """
    order = np.argsort(confidence, kind="stable")
    sorted_confidence, sorted_correct = confidence[order], correct[order]
    for start in range(len(order)):
        if sorted_correct[start:].mean() >= target_precision:
            return 0.0 if start == 0 else float(sorted_confidence[start])
    return float(sorted_confidence[-1]) if len(order) else 0.0
