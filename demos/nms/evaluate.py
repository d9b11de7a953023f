"""NMS methods applied to raw detections, the greedy loop step by step, and average precision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
from torch import Tensor

from demos.nms.names import DEFAULT_IOU, METHOD_NAMES, METHODS, SCORE_THRESHOLD, SOFT_SIGMA, SWEEP_THRESHOLDS, Method
from demos.nms.ops import batched_nms, box_iou, nms, soft_nms


@dataclass(frozen=True)
class Detections:
    boxes: Tensor  # (N, 4) float (x1, y1, x2, y2)
    scores: Tensor  # (N,) float, sorted in decreasing order
    labels: Tensor  # (N,) int64


@dataclass(frozen=True)
class Suppressed:
    kept: Detections  # what survives, best first (for Soft-NMS: with decayed scores)
    index: Tensor  # (K,) int64 position of each kept box in the raw input
    candidates: Tensor  # (M,) int64 positions of the raw boxes at or above the score threshold


def apply_method(
    boxes: Tensor,
    scores: Tensor,
    labels: Tensor,
    method: Method,
    iou_threshold: float = 0.5,
    score_threshold: float = 0.05,
    sigma: float = 0.5,
) -> Suppressed:
    """Drop raw boxes below ``score_threshold``, then suppress with ``method``.
    Greedy and Soft-NMS ignore classes; ``batched`` only suppresses within a class. For Soft-NMS the
    threshold is Nt of the linear decay (the Gaussian decay uses ``sigma``); boxes whose decayed score falls
    below ``score_threshold`` are dropped."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if not 0.0 <= score_threshold <= 1.0:
        raise ValueError(f"score_threshold must be in [0, 1], got {score_threshold}")
    keep = (scores >= score_threshold).nonzero().flatten()  # (M,)
    boxes, scores, labels = boxes[keep], scores[keep], labels[keep]
    if method == "none":
        order = scores.argsort(descending=True, stable=True)
        idx, new_scores = order, scores[order]
    elif method == "greedy":
        idx = nms(boxes, scores, iou_threshold)
        new_scores = scores[idx]
    elif method == "batched":
        idx = batched_nms(boxes, scores, labels, iou_threshold)
        new_scores = scores[idx]
    else:
        kind: Literal["linear", "gaussian"] = "linear" if method == "soft-linear" else "gaussian"
        idx, new_scores = soft_nms(
            boxes, scores, iou_threshold=iou_threshold, sigma=sigma, method=kind, score_threshold=score_threshold
        )
    return Suppressed(Detections(boxes[idx], new_scores, labels[idx]), index=keep[idx], candidates=keep)


@dataclass(frozen=True)
class GreedyStep:
    picked: int  # index (into the candidates given) of the box kept at this step
    compared: np.ndarray  # (R,) int64 indices still in play when it was picked (excluding itself)
    ious: np.ndarray  # (R,) float64 IoU of the picked box with each of ``compared``
    suppressed: np.ndarray  # (R,) bool: which of ``compared`` this step removes (IoU > threshold)


def greedy_trace(boxes: Tensor, scores: Tensor, iou_threshold: float) -> list[GreedyStep]:
    """The greedy loop written out: at each step the best remaining box is kept and every remaining box
    overlapping it by more than ``iou_threshold`` is dropped. Same keep set as :func:`nms`."""
    if boxes.numel() == 0:
        return []
    order = scores.argsort(descending=True, stable=True).cpu().numpy()  # (N,)
    iou = box_iou(boxes.double(), boxes.double()).cpu().numpy()  # (N, N), float64 like torchvision's compare
    alive = order
    steps = []
    while alive.size:
        best, rest = alive[0], alive[1:]
        row = iou[best, rest]  # (R,)
        drop = row > iou_threshold  # (R,)
        steps.append(
            GreedyStep(
                picked=int(best),
                compared=rest,
                ious=row,
                suppressed=drop,
            )
        )
        alive = rest[~drop]
    return steps


def match(det: Detections, gt_boxes: Tensor, gt_labels: Tensor, iou: float = 0.5) -> Tensor:
    """True-positive flags (N,) for detections sorted best first: a detection is a hit when it overlaps an
    unmatched ground-truth box of its class by IoU >= ``iou`` (the best such box); each box is matched once."""
    hits = torch.zeros(len(det.scores), dtype=torch.bool)
    if len(det.scores) == 0 or len(gt_boxes) == 0:
        return hits
    overlaps = box_iou(det.boxes.float().cpu(), gt_boxes.float().cpu())  # (N, K)
    same = det.labels.cpu()[:, None] == gt_labels.cpu()[None, :]  # (N, K)
    overlaps = torch.where(same, overlaps, torch.full_like(overlaps, -1.0))
    taken = torch.zeros(len(gt_boxes), dtype=torch.bool)
    for i in range(len(det.scores)):
        row = overlaps[i].masked_fill(taken, -1.0)
        j = int(row.argmax())
        if row[j] >= iou:
            hits[i] = True
            taken[j] = True
    return hits


def average_precision(hits: Tensor, scores: Tensor, n_gt: int) -> float:
    """All-point interpolated AP (PASCAL VOC 2010+) from pooled hit flags and scores of one class."""
    if n_gt == 0:
        return float("nan")
    if len(scores) == 0:
        return 0.0
    order = scores.argsort(descending=True, stable=True)
    tp = hits[order].double().cumsum(0)
    fp = (~hits[order]).double().cumsum(0)
    recall = tp / n_gt
    precision = tp / (tp + fp)
    mrec = torch.cat([torch.tensor([0.0], dtype=torch.float64), recall, torch.tensor([1.0], dtype=torch.float64)])
    mpre = torch.cat([torch.tensor([0.0], dtype=torch.float64), precision, torch.tensor([0.0], dtype=torch.float64)])
    mpre = mpre.flip(0).cummax(0).values.flip(0)  # precision envelope, non-increasing in recall
    steps = (mrec[1:] != mrec[:-1]).nonzero().flatten()
    return float(((mrec[steps + 1] - mrec[steps]) * mpre[steps + 1]).sum())


def mean_ap(
    results: list[Detections], gts: list[tuple[Tensor, Tensor]], num_classes: int, iou: float = 0.5
) -> tuple[float, list[float]]:
    """Mean over classes of AP@``iou`` for detections pooled over images; gts are (boxes, labels) per image.
    Returns (mAP, AP per class) with NaN for a class absent from the ground truth."""
    per_class_hits: list[list[Tensor]] = [[] for _ in range(num_classes)]
    per_class_scores: list[list[Tensor]] = [[] for _ in range(num_classes)]
    n_gt = [0] * num_classes
    for det, (gb, gl) in zip(results, gts, strict=True):
        hits = match(det, gb, gl, iou)
        labels = det.labels.cpu()
        for c in range(num_classes):
            mask = labels == c
            per_class_hits[c].append(hits[mask])
            per_class_scores[c].append(det.scores.cpu()[mask])
            n_gt[c] += int((gl.cpu() == c).sum())
    aps = [
        average_precision(torch.cat(per_class_hits[c]), torch.cat(per_class_scores[c]).double(), n_gt[c])
        for c in range(num_classes)
    ]
    valid = [a for a in aps if a == a]
    return (sum(valid) / len(valid) if valid else 0.0), aps


def precision_recall(det: Detections, gt_boxes: Tensor, gt_labels: Tensor, iou: float = 0.5) -> tuple[float, float]:
    """Precision and recall of one image's final detections against its ground truth."""
    hits = match(det, gt_boxes, gt_labels, iou)
    tp = int(hits.sum())
    precision = tp / len(hits) if len(hits) else 1.0
    recall = tp / len(gt_boxes) if len(gt_boxes) else 1.0
    return precision, recall


def ap_report(
    scenes: int,
    seed: int,
    device: torch.device,
    thresholds: tuple[float, ...] = SWEEP_THRESHOLDS,
    sweep_methods: tuple[Method, ...] = ("greedy", "batched", "soft-linear"),
) -> dict[str, Any]:
    """AP@0.5 of the shipped detector under each method (at its default IoU threshold) on ``scenes`` held-out
    crowded scenes, and AP as the NMS IoU threshold moves for ``sweep_methods``."""
    import time

    from demos.common import describe
    from demos.nms.detector import CHECKPOINT, CROWDED, load, raw_detections
    from demos.scenes import SHAPES, make_dataset

    model = load(CHECKPOINT, device)
    data = make_dataset(scenes, seed, CROWDED)
    gts = [(s.boxes[s.visible > 0], s.labels[s.visible > 0]) for s in data]
    raws = []
    for start in range(0, len(data), 64):
        images = torch.stack([s.image for s in data[start : start + 64]]).to(device)
        raws += [(r.boxes.cpu(), r.scores.cpu(), r.labels.cpu()) for r in raw_detections(model, images)]

    def score(method: Method, thr: float) -> float:
        kept = [
            apply_method(b, s, lab, method, iou_threshold=thr, score_threshold=SCORE_THRESHOLD, sigma=SOFT_SIGMA).kept
            for b, s, lab in raws
        ]
        return round(mean_ap(kept, gts, len(SHAPES))[0], 4)

    t0 = time.perf_counter()
    per_method = {m: {"ap50": score(m, DEFAULT_IOU[m]), "iou_threshold": DEFAULT_IOU[m]} for m in METHOD_NAMES}
    sweep = {m: {str(t): score(m, t) for t in thresholds} for m in sweep_methods}
    objects = [len(g[0]) for g in gts]
    return {
        "scenes": scenes,
        "scene_seed": seed,
        "objects_per_scene": round(sum(objects) / len(objects), 2),
        "raw_boxes_per_scene": int(raws[0][0].shape[0]),
        "score_threshold": SCORE_THRESHOLD,
        "soft_nms_sigma": SOFT_SIGMA,
        "ap50": per_method,
        "ap50_vs_iou_threshold": sweep,
        "eval_seconds": round(time.perf_counter() - t0, 1),
        "device": str(device),
        "hardware": describe(device),
    }
