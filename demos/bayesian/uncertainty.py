"""Uncertainty scores, calibration and out-of-distribution ranking, from sampled class probabilities.

``probs`` is ``(S, B, C)``: S stochastic passes (weight draws, dropout masks or ensemble members) for B inputs.
With ``p = probs.mean(0)`` the predictive distribution:

- predictive entropy ``H[p]`` is the total uncertainty;
- expected entropy ``E_s H[probs_s]`` is the aleatoric part (each pass on its own is unsure);
- mutual information ``H[p] - E_s H[probs_s]`` is the epistemic part (the passes disagree).

``0 <= MI <= H[p] <= log C`` always holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

_EPS = 1e-12


def _check_probs(probs: Tensor) -> None:
    if probs.dim() != 3:
        raise ValueError(f"probs must have shape (S, B, C), got {tuple(probs.shape)}")


def entropy(p: Tensor) -> Tensor:
    """Entropy in nats over the last axis: ``(..., C) -> (...)``."""
    return -(p * torch.log(p.clamp_min(_EPS))).sum(-1)


def predictive_entropy(probs: Tensor) -> Tensor:
    """``H[mean_s probs_s]``, ``(S, B, C) -> (B,)``."""
    _check_probs(probs)
    return entropy(probs.mean(0))


def expected_entropy(probs: Tensor) -> Tensor:
    """``mean_s H[probs_s]`` (aleatoric), ``(S, B, C) -> (B,)``."""
    _check_probs(probs)
    return entropy(probs).mean(0)


def mutual_information(probs: Tensor) -> Tensor:
    """``H[mean] - mean H`` (epistemic), ``(S, B, C) -> (B,)``; clamped at 0 against rounding."""
    return (predictive_entropy(probs) - expected_entropy(probs)).clamp_min(0.0)


@dataclass(frozen=True)
class Reliability:
    """A reliability diagram: per confidence bin, the mean confidence, the accuracy and the count."""

    edges: list[float]  # n_bins + 1 bin edges over [0, 1]
    confidence: list[float | None]  # mean top-class probability in each bin (None for an empty bin)
    accuracy: list[float | None]  # share of correct predictions in each bin (None for an empty bin)
    count: list[int]  # predictions in each bin
    ece: float  # expected calibration error: sum over bins of (count / N) * |accuracy - confidence|


def reliability(mean_probs: Tensor, labels: Tensor, n_bins: int = 15) -> Reliability:
    """Bin predictions by confidence (top-class probability) into ``n_bins`` equal-width bins, ``(lo, hi]``
    (the first bin also takes 0). ``mean_probs (B, C)``, ``labels (B,)`` integer classes."""
    if mean_probs.dim() != 2 or labels.shape != mean_probs.shape[:1]:
        raise ValueError(
            f"need mean_probs (B, C) and labels (B,), got {tuple(mean_probs.shape)}, {tuple(labels.shape)}"
        )
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1, got {n_bins}")
    conf, pred = mean_probs.max(-1)
    correct = (pred == labels).double()
    edges = torch.linspace(0, 1, n_bins + 1, dtype=torch.float64)
    bins = (torch.bucketize(conf.double(), edges, right=False) - 1).clamp(0, n_bins - 1)  # (B,)
    n = max(len(labels), 1)
    confidence: list[float | None] = []
    accuracy: list[float | None] = []
    count: list[int] = []
    ece = 0.0
    for k in range(n_bins):
        mask = bins == k
        m = int(mask.sum())
        count.append(m)
        if m == 0:
            confidence.append(None)
            accuracy.append(None)
            continue
        c, a = float(conf[mask].double().mean()), float(correct[mask].mean())
        confidence.append(c)
        accuracy.append(a)
        ece += m / n * abs(a - c)
    return Reliability(edges.tolist(), confidence, accuracy, count, ece)


def expected_calibration_error(mean_probs: Tensor, labels: Tensor, n_bins: int = 15) -> float:
    return reliability(mean_probs, labels, n_bins).ece


def nll(mean_probs: Tensor, labels: Tensor) -> float:
    """Mean negative log-likelihood of the true class under the predictive distribution (nats)."""
    return float(-torch.log(mean_probs[torch.arange(len(labels)), labels].clamp_min(_EPS)).mean())


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties sharing the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    sorted_v = values[order]
    ranks = np.empty(len(values), dtype=np.float64)
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and sorted_v[end + 1] == sorted_v[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def auroc(in_scores: np.ndarray | Tensor, out_scores: np.ndarray | Tensor) -> float:
    """Area under the ROC curve for telling OOD (positive) from in-distribution inputs by a score where higher
    means 'more likely OOD': the probability that a random OOD input scores above a random in-distribution one,
    ties counting half (the Mann-Whitney U statistic). 0.5 is chance, 1.0 perfect."""
    a = np.asarray(in_scores, dtype=np.float64).ravel()
    b = np.asarray(out_scores, dtype=np.float64).ravel()
    if len(a) == 0 or len(b) == 0:
        raise ValueError(f"need scores for both sets, got {len(a)} in-distribution and {len(b)} OOD")
    ranks = _average_ranks(np.concatenate([a, b]))
    u = ranks[len(a) :].sum() - len(b) * (len(b) + 1) / 2
    return float(u / (len(a) * len(b)))


def roc_curve(in_scores: np.ndarray | Tensor, out_scores: np.ndarray | Tensor) -> tuple[np.ndarray, np.ndarray]:
    """(false-positive rate, true-positive rate) at every distinct threshold, from (0, 0) to (1, 1)."""
    a = np.asarray(in_scores, dtype=np.float64).ravel()
    b = np.asarray(out_scores, dtype=np.float64).ravel()
    thresholds = np.unique(np.concatenate([a, b]))[::-1]
    a_sorted, b_sorted = np.sort(a), np.sort(b)
    fpr = (len(a) - np.searchsorted(a_sorted, thresholds, side="left")) / len(a)  # share of in-dist >= t
    tpr = (len(b) - np.searchsorted(b_sorted, thresholds, side="left")) / len(b)
    return np.concatenate([[0.0], fpr]), np.concatenate([[0.0], tpr])
