"""Box operations for non-max suppression, in plain vectorised PyTorch.

Conventions follow ``torchvision.ops``: boxes are ``Tensor[N, 4]`` in (x1, y1, x2, y2) with x1 <= x2 and
y1 <= y2, scores are ``Tensor[N]``, and kept indices come back as int64, sorted by decreasing score, on the
input's device. Unlike torchvision, inputs are validated in Python and problems raise ``ValueError``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
from torch import Tensor


def _check_boxes(boxes: Tensor, name: str = "boxes") -> None:
    if not isinstance(boxes, Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, not {type(boxes).__name__}")
    if boxes.dim() != 2 or boxes.shape[1] != 4:
        raise ValueError(f"{name} must have shape [N, 4] as (x1, y1, x2, y2), got {list(boxes.shape)}")
    if not boxes.is_floating_point():
        raise ValueError(f"{name} must be a floating-point tensor, got {boxes.dtype}")
    if boxes.numel() and not torch.isfinite(boxes).all():
        raise ValueError(f"{name} contains NaN or infinite coordinates")
    if boxes.numel() and ((boxes[:, 2] < boxes[:, 0]).any() or (boxes[:, 3] < boxes[:, 1]).any()):
        raise ValueError(f"{name} has a box with x2 < x1 or y2 < y1; boxes must be (x1, y1, x2, y2)")


def _check_scores(boxes: Tensor, scores: Tensor) -> None:
    if not isinstance(scores, Tensor) or scores.dim() != 1:
        raise ValueError(f"scores must be a 1-D tensor, got shape {list(getattr(scores, 'shape', []))}")
    if scores.shape[0] != boxes.shape[0]:
        raise ValueError(f"boxes and scores differ in length: {boxes.shape[0]} boxes, {scores.shape[0]} scores")
    if scores.numel() and not torch.isfinite(scores).all():
        raise ValueError("scores contain NaN or infinite values")


def _check_threshold(value: float, name: str) -> None:
    if not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, got {value}")


def _upcast(t: Tensor) -> Tensor:
    """Half-precision coordinates -> float32 before any area or IoU (as torchvision does): 16-bit floats overflow
    at a box of 256 x 256 pixels (1,000 x 1,000 is inf in float16), and nothing would then be suppressed."""
    return t.float() if t.is_floating_point() and t.dtype not in (torch.float32, torch.float64) else t


def box_area(boxes: Tensor) -> Tensor:
    """Areas of ``boxes`` (Tensor[N, 4]) -> Tensor[N], in float32 for half-precision input."""
    boxes = _upcast(boxes)
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Pairwise intersection over union.

    Args:
        boxes1 (Tensor[N, 4]), boxes2 (Tensor[M, 4]): boxes in (x1, y1, x2, y2).
    Returns:
        Tensor[N, M]: IoU of every pair on the inputs' device, in their dtype (float32 for half-precision
        input). Two zero-area boxes have IoU 0.
    """
    _check_boxes(boxes1, "boxes1")
    _check_boxes(boxes2, "boxes2")
    return _iou(_upcast(boxes1), _upcast(boxes2))


def _iou(a: Tensor, b: Tensor) -> Tensor:
    lt = torch.maximum(a[:, None, :2], b[None, :, :2])  # (N, M, 2)
    rb = torch.minimum(a[:, None, 2:], b[None, :, 2:])  # (N, M, 2)
    wh = (rb - lt).clamp(min=0)  # (N, M, 2)
    inter = wh[..., 0] * wh[..., 1]  # (N, M)
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter  # (N, M)
    return torch.where(union > 0, inter / union.clamp(min=torch.finfo(a.dtype).tiny), torch.zeros_like(inter))


BLOCK = 2048  # rows of the IoU matrix computed at once, to bound memory at (BLOCK, N) floats


@torch.no_grad()
def nms(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """Greedy non-max suppression: keep the best box, drop boxes overlapping it by IoU > ``iou_threshold``,
    repeat with the next best survivor.

    Args:
        boxes (Tensor[N, 4]): (x1, y1, x2, y2). scores (Tensor[N]). iou_threshold (float in [0, 1]).
    Returns:
        Tensor[K] int64: indices of the kept boxes, by decreasing score, on the input's device.

    On the CPU survivors are resolved a block at a time with numpy (see ``_greedy_cpu``), comparing kept boxes
    with surviving candidates only, as torchvision's kernel does. On a GPU the whole "who suppresses whom" matrix is
    computed in row blocks and the greedy pass then reads its rows.
    """
    _check_boxes(boxes)
    _check_scores(boxes, scores)
    _check_threshold(iou_threshold, "iou_threshold")
    n = boxes.shape[0]
    if n == 0:
        return torch.empty(0, dtype=torch.int64, device=boxes.device)
    order = torch.argsort(scores, descending=True, stable=True)  # (N,)
    ordered = _upcast(boxes[order])  # (N, 4)
    if boxes.device.type == "cpu":
        keep = _greedy_cpu(ordered.numpy(), float(iou_threshold))
    else:
        keep = _greedy_matrix(ordered, float(iou_threshold))
    return order[torch.as_tensor(keep, dtype=torch.int64, device=boxes.device)]


CPU_BLOCK = 64  # survivors resolved together on the CPU


def _pair_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every pair of rows of a (A, 4) and b (B, 4) -> (A, B), float arithmetic in the boxes' dtype with
    torchvision's operation order, so results are bit-identical to its kernel; 0/0 gives NaN (never > t)."""
    w = np.maximum(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0)
    h = np.maximum(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0)
    inter = w * h  # (A, B)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])  # (A,)
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])  # (B,)
    with np.errstate(invalid="ignore", divide="ignore"):
        return inter / (area_a[:, None] + area_b[None, :] - inter)


def _greedy_cpu(boxes: np.ndarray, threshold: float) -> list[int]:
    """Greedy pass over score-sorted boxes (N, 4), a block of survivors at a time: the block's own overlaps
    are resolved in order on a small (B, B) matrix, then its kept boxes remove their overlaps among all later
    candidates in one (K, R) comparison. Thresholds are compared in float64, as torchvision does."""
    candidates = np.arange(boxes.shape[0])  # survivors, best first
    keep: list[int] = []
    while candidates.size:
        block, rest = candidates[:CPU_BLOCK], candidates[CPU_BLOCK:]
        inside = _pair_iou(boxes[block], boxes[block]).astype(np.float64) > threshold  # (B, B)
        suppressed = np.zeros(block.size, dtype=bool)
        kept_local = []
        for j in range(block.size):
            if not suppressed[j]:
                kept_local.append(j)
                suppressed |= inside[j]
        kept = block[kept_local]
        keep.extend(int(k) for k in kept)
        if rest.size:
            hit = _pair_iou(boxes[kept], boxes[rest]).astype(np.float64) > threshold  # (K, R)
            rest = rest[~hit.any(axis=0)]
        candidates = rest
    return keep


def _greedy_matrix(ordered: Tensor, threshold: float) -> list[int]:
    n = ordered.shape[0]
    rows = []
    for start in range(0, n, BLOCK):
        block = _iou(ordered[start : start + BLOCK], ordered).double() > threshold  # (B, N)
        rows.append(block.cpu())
    suppresses = torch.cat(rows).numpy()  # (N, N) bool; row i: boxes that i would suppress
    removed = np.zeros(n, dtype=bool)  # (N,)
    keep = []
    i = 0
    while i < n:
        keep.append(i)
        removed |= suppresses[i]
        removed[: i + 1] = True  # everything up to i is decided
        rest = np.flatnonzero(~removed[i + 1 :])
        if rest.size == 0:
            break
        i = i + 1 + int(rest[0])
    return keep


@torch.no_grad()
def batched_nms(boxes: Tensor, scores: Tensor, idxs: Tensor, iou_threshold: float) -> Tensor:
    """Class-aware NMS: boxes only suppress boxes with the same ``idxs`` (Tensor[N], int). Same return as nms.

    Boxes of different classes are moved apart by an offset larger than any coordinate, so one nms call
    handles every class (the trick torchvision uses)."""
    _check_boxes(boxes)
    _check_scores(boxes, scores)
    if not isinstance(idxs, Tensor) or idxs.shape != scores.shape or idxs.is_floating_point():
        raise ValueError("idxs must be an integer tensor with one class index per box")
    if boxes.shape[0] == 0:
        return torch.empty(0, dtype=torch.int64, device=boxes.device)
    boxes = _upcast(boxes)  # the offsets below would overflow float16
    offsets = idxs.to(boxes) * (boxes.max() - boxes.min() + 1)  # (N,)
    return nms(boxes + offsets[:, None], scores, iou_threshold)


@torch.no_grad()
def soft_nms(
    boxes: Tensor,
    scores: Tensor,
    iou_threshold: float = 0.3,
    sigma: float = 0.5,
    method: Literal["gaussian", "linear"] = "gaussian",
    score_threshold: float = 0.001,
) -> tuple[Tensor, Tensor]:
    """Soft-NMS (Bodla et al. 2017): instead of deleting overlapping boxes, decay their scores.

    Each step picks the highest current score; the others' scores are multiplied by exp(-IoU^2 / sigma)
    ("gaussian") or by (1 - IoU) where IoU > ``iou_threshold`` ("linear"). Boxes whose score falls below
    ``score_threshold`` are dropped.

    Returns:
        (keep Tensor[K] int64, new_scores Tensor[K]): indices in the order they were picked (decreasing decayed
        score) and their decayed scores, on the input's device.
    """
    _check_boxes(boxes)
    _check_scores(boxes, scores)
    _check_threshold(iou_threshold, "iou_threshold")
    if method not in ("gaussian", "linear"):
        raise ValueError(f"method must be 'gaussian' or 'linear', not {method!r}")
    if sigma <= 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    if score_threshold < 0:
        raise ValueError(f"score_threshold must be non-negative, got {score_threshold}")
    device = boxes.device
    if boxes.shape[0] == 0:
        return torch.empty(0, dtype=torch.int64, device=device), torch.empty(0, dtype=scores.dtype, device=device)
    iou = _iou(_upcast(boxes), _upcast(boxes))  # (N, N)
    current = scores.clone()  # (N,)
    alive = current >= score_threshold  # (N,)
    keep, kept_scores = [], []
    while bool(alive.any()):
        masked = torch.where(alive, current, torch.full_like(current, -1.0))
        i = int(torch.argmax(masked))
        keep.append(i)
        kept_scores.append(current[i].clone())
        alive[i] = False
        overlap = iou[i]  # (N,)
        if method == "gaussian":
            decay = torch.exp(-(overlap**2) / sigma)
        else:
            decay = torch.where(overlap > iou_threshold, 1.0 - overlap, torch.ones_like(overlap))
        current = torch.where(alive, current * decay, current)
        alive &= current >= score_threshold
    return torch.tensor(keep, dtype=torch.int64, device=device), torch.stack(kept_scores)
