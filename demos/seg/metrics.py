"""Segmentation metrics: the confusion matrix, pixel accuracy, IoU per class and its mean, boundary recall.

Conventions follow scikit-learn (its ``confusion_matrix`` and ``jaccard_score`` are the tests' oracles): rows of
the confusion matrix are the true class, columns the predicted one. A class that neither the truth nor the
prediction contains has no IoU (NaN) and is left out of the mean, as in PASCAL VOC and Cityscapes.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor


def confusion(pred: Tensor, target: Tensor, num_classes: int) -> Tensor:
    """Pixel counts ``(C, C)`` int64, ``[true, predicted]``, over any matching shapes of class indices.
    Raises ``ValueError`` for mismatched shapes or an index outside ``[0, num_classes)``."""
    if pred.shape != target.shape:
        raise ValueError(f"prediction and target differ in shape: {list(pred.shape)} vs {list(target.shape)}")
    p, t = pred.reshape(-1).long().cpu(), target.reshape(-1).long().cpu()
    for name, x in (("prediction", p), ("target", t)):
        if x.numel() and (int(x.min()) < 0 or int(x.max()) >= num_classes):
            raise ValueError(f"{name} holds a class outside [0, {num_classes}): {int(x.min())}..{int(x.max())}")
    return torch.bincount(t * num_classes + p, minlength=num_classes * num_classes).view(num_classes, num_classes)


def pixel_accuracy(conf: Tensor) -> float:
    """Fraction of pixels labelled correctly: trace / total (NaN for an empty matrix)."""
    total = int(conf.sum())
    return float(conf.diagonal().sum()) / total if total else float("nan")


def class_iou(conf: Tensor) -> Tensor:
    """IoU per class ``(C,)`` float64: TP / (TP + FP + FN); NaN for a class absent from truth and prediction."""
    c = conf.double()
    tp = c.diagonal()
    union = c.sum(0) + c.sum(1) - tp  # (C,)
    return torch.where(union > 0, tp / union.clamp(min=1), torch.full_like(tp, float("nan")))


def mean_iou(conf: Tensor) -> float:
    """Mean of :func:`class_iou` over the classes present in the truth or the prediction."""
    iou = class_iou(conf)
    valid = ~iou.isnan()
    return float(iou[valid].mean()) if valid.any() else float("nan")


def class_accuracy(conf: Tensor) -> Tensor:
    """Recall per class ``(C,)`` float64: TP / pixels of that class in the truth (NaN where there are none)."""
    c = conf.double()
    n = c.sum(1)
    return torch.where(n > 0, c.diagonal() / n.clamp(min=1), torch.full_like(n, float("nan")))


def scores(conf: Tensor) -> dict[str, float]:
    """Pixel accuracy and mean IoU, rounded for a JSON record."""
    return {"pixel_accuracy": round(pixel_accuracy(conf), 4), "mean_iou": round(mean_iou(conf), 4)}


# ------------------------------------------------------------------------------------------------ boundaries


def edges(labels: np.ndarray) -> np.ndarray:
    """``(H, W)`` bool: pixels whose right or lower neighbour has another label -- a one-pixel line along every
    edge between regions, drawn on its upper-left side."""
    lab = np.asarray(labels)
    out = np.zeros(lab.shape, dtype=bool)
    out[:, :-1] |= lab[:, 1:] != lab[:, :-1]
    out[:-1, :] |= lab[1:, :] != lab[:-1, :]
    return out


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """``mask`` grown by ``radius`` pixels in the chessboard metric (a (2r+1)^2 square), without scipy."""
    out = np.asarray(mask, dtype=bool).copy()
    if radius <= 0:
        return out
    h, w = out.shape
    padded = np.pad(out, radius)
    grown = np.zeros_like(out)
    for dy in range(2 * radius + 1):
        for dx in range(2 * radius + 1):
            grown |= padded[dy : dy + h, dx : dx + w]
    return grown


def boundary_recall(segments: np.ndarray, truth: np.ndarray, tolerance: int = 1) -> float:
    """Fraction of the true boundary pixels (edges of ``truth``) lying within ``tolerance`` pixels of an edge of
    ``segments`` (both ``(H, W)`` integer label maps). 1.0 when the truth has no boundary at all."""
    if np.shape(segments) != np.shape(truth):
        raise ValueError(f"segments and truth differ in shape: {np.shape(segments)} vs {np.shape(truth)}")
    true_edges = edges(truth)
    n = int(true_edges.sum())
    if n == 0:
        return 1.0
    return float((true_edges & dilate(edges(segments), tolerance)).sum()) / n


def boundary_precision(segments: np.ndarray, truth: np.ndarray, tolerance: int = 1) -> float:
    """Fraction of the segments' edge pixels within ``tolerance`` of a true edge (1.0 if segments have none):
    recall's partner, low when a segmentation draws edges where there are none."""
    seg_edges = edges(segments)
    n = int(seg_edges.sum())
    if n == 0:
        return 1.0
    return float((seg_edges & dilate(edges(truth), tolerance)).sum()) / n
