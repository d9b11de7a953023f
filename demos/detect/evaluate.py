"""Running each detector family end to end and scoring it: AP@0.5 over all objects, on small and on large
objects (COCO's rule: objects of the other size are ignored, and so are detections matched to them or, when
unmatched, of the other size), candidates per image and time per image.

Suppression is class-aware NMS at IoU 0.5 from :mod:`demos.nms.ops`; AP is
:func:`demos.nms.evaluate.average_precision`.
"""

from __future__ import annotations

import time
from typing import Any

import torch
from torch import Tensor, nn

from demos.common import time_ms
from demos.detect.anchors import anchors_per_image, size_of
from demos.detect.data import SIZES, TEST_SEED, Truth, scenes, truth
from demos.detect.models import TITLES, AnchorDetector, Candidates, GridDetector, WindowClassifier
from demos.detect.windows import all_windows, classify, proposals
from demos.nms.evaluate import Detections, average_precision
from demos.nms.ops import batched_nms, box_iou
from demos.scenes import SHAPES

METHODS: tuple[str, ...] = ("windows", "proposals", "yolo", "ssd", "ssd-fine", "fpn")
METHOD_TITLES: dict[str, str] = {
    "windows": "Sliding windows",
    "proposals": "Region proposals, then classify (R-CNN recipe)",
    "yolo": TITLES["yolo"],
    "ssd": TITLES["ssd"],
    "ssd-fine": TITLES["ssd-fine"],
    "fpn": TITLES["fpn"],
}
SCORE_THRESHOLD = 0.05
NMS_IOU = 0.5
SMALL_SIDE = 15.0  # an unmatched detection whose box side (square root of its area) is below this counts as small


def suppress(c: Candidates, max_detections: int = 100) -> Detections:
    """Candidates above the score threshold, class-aware NMS at IoU 0.5, best first."""
    keep = (c.scores >= SCORE_THRESHOLD).nonzero().flatten()
    boxes, scores, labels = c.boxes[keep].float().cpu(), c.scores[keep].float().cpu(), c.labels[keep].cpu()
    idx = batched_nms(boxes, scores, labels, NMS_IOU)[:max_detections]
    return Detections(boxes[idx], scores[idx], labels[idx])


def candidates(method: str, model: nn.Module, images: Tensor, proposed: list[Tensor] | None = None) -> list[Candidates]:
    """Raw candidates of ``method`` for images (B, 3, S, S); ``model`` is the window classifier for "windows" and
    "proposals", else the detector of that name. ``proposed``: the images' bottom-up proposals, if already made."""
    if method in ("windows", "proposals"):
        assert isinstance(model, WindowClassifier)
        windows, _ = all_windows(images.shape[-1])
        if method == "windows":
            return [classify(model, im, windows) for im in images]
        boxes = proposed if proposed is not None else [proposals(im) for im in images]
        return [classify(model, im, b) for im, b in zip(images, boxes, strict=True)]
    if method not in ("yolo", "ssd", "ssd-fine", "fpn"):
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    assert isinstance(model, GridDetector | AnchorDetector)
    return model.candidates(images)


def match_index(det: Detections, t: Truth, iou: float = 0.5) -> Tensor:
    """For detections sorted best first: the index of the true box each one matches (same class, IoU >= ``iou``,
    best unmatched box, each matched once), or -1. The hit flags are exactly :func:`demos.nms.evaluate.match`'s."""
    out = torch.full((len(det.scores),), -1, dtype=torch.long)
    if len(det.scores) == 0 or len(t.boxes) == 0:
        return out
    overlaps = box_iou(det.boxes.float(), t.boxes.float())  # (N, K)
    overlaps = torch.where(det.labels[:, None] == t.labels[None, :], overlaps, torch.full_like(overlaps, -1.0))
    taken = torch.zeros(len(t.boxes), dtype=torch.bool)
    for i in range(len(det.scores)):
        row = overlaps[i].masked_fill(taken, -1.0)
        j = int(row.argmax())
        if row[j] >= iou:
            out[i], taken[j] = j, True
    return out


def size_ap(results: list[Detections], truths: list[Truth], size: str | None = None, iou: float = 0.5) -> float:
    """Mean over shapes of AP@``iou``; ``size`` "small" or "large" scores only objects of that size (the others
    and the detections that belong to them are ignored), None scores all objects."""
    if size not in (None, *SIZES):
        raise ValueError(f"size must be one of {SIZES} or None, got {size!r}")
    hits_by: list[list[Tensor]] = [[] for _ in SHAPES]
    scores_by: list[list[Tensor]] = [[] for _ in SHAPES]
    n_gt = [0] * len(SHAPES)
    for det, t in zip(results, truths, strict=True):
        j = match_index(det, t, iou)
        counted = torch.ones(len(t.boxes), dtype=torch.bool) if size is None else (t.small == (size == "small"))
        hit = j >= 0
        keep = torch.ones(len(j), dtype=torch.bool)
        if size is not None:
            small_box = size_of(det.boxes) < SMALL_SIDE
            keep = torch.where(hit, counted[j.clamp(min=0)], small_box == (size == "small"))
        for c in range(len(SHAPES)):
            sel = keep & (det.labels == c)
            hits_by[c].append(hit[sel])
            scores_by[c].append(det.scores[sel].double())
            n_gt[c] += int(((t.labels == c) & counted).sum())
    aps = [average_precision(torch.cat(hits_by[c]), torch.cat(scores_by[c]), n_gt[c]) for c in range(len(SHAPES))]
    valid = [a for a in aps if a == a]
    return sum(valid) / len(valid) if valid else 0.0


def proposal_recall(images: Tensor, truths: list[Truth], iou: float = 0.5) -> tuple[float, float]:
    """Fraction of true boxes covered by some proposal with IoU >= ``iou``, and proposals per image."""
    found, total, count = 0, 0, 0
    for im, t in zip(images, truths, strict=True):
        p = proposals(im)
        count += len(p)
        total += len(t.boxes)
        if len(p) and len(t.boxes):
            found += int((box_iou(t.boxes, p).max(1).values >= iou).sum())
    return found / max(total, 1), count / len(images)


@torch.no_grad()
def anchor_proposals(model: AnchorDetector, images: Tensor, k: int) -> list[Tensor]:
    """Faster R-CNN's way to propose regions, with the anchor detector as the region proposal network: every anchor's
    box ranked by objectness (1 - background probability), NMS at IoU 0.7 as in the RPN, the best ``k`` kept."""
    from demos.detect.anchors import all_anchors, decode
    from demos.nms.ops import nms

    logits, deltas = model(images)
    anchors = all_anchors(model.config.image_size, model.levels, images.device)
    objectness = 1 - logits.softmax(-1)[..., 0]  # (B, P)
    out = []
    for i in range(len(images)):
        boxes = decode(deltas[i], anchors).clamp(0, model.config.image_size)
        keep = nms(boxes.cpu(), objectness[i].cpu(), 0.7)[:k]
        out.append(boxes.cpu()[keep])
    return out


def covered(proposed: list[Tensor], truths: list[Truth], iou: float = 0.5) -> float:
    """Fraction of true boxes that some proposal overlaps by IoU >= ``iou``."""
    found = total = 0
    for p, t in zip(proposed, truths, strict=True):
        total += len(t.boxes)
        if len(p) and len(t.boxes):
            found += int((box_iou(t.boxes, p).max(1).values >= iou).sum())
    return found / max(total, 1)


def family_report(
    n_scenes: int, device: torch.device, seed: int = TEST_SEED, window_scenes: int = 10, timing_repeat: int = 5
) -> dict[str, Any]:
    """Every method on ``n_scenes`` held-out scenes (sliding windows on the first ``window_scenes`` only, with the
    others also scored on those for a like-for-like row): AP@0.5 all / small / large, candidates per image, ms per
    image."""
    from demos.detect.train import load

    t0 = time.perf_counter()
    data = scenes(n_scenes, seed)
    images = torch.stack([s.image for s in data]).to(device)
    truths = [truth(s) for s in data]
    models = {k: load(k, device) for k in ("windows", "yolo", "ssd", "ssd-fine", "fpn")}
    windows, per_size = all_windows(images.shape[-1])
    bottom_up = [proposals(im) for im in images]  # (P_i, 4) each: made once, classified and scored below
    out: dict[str, Any] = {
        "scenes": n_scenes,
        "window_scenes": window_scenes,
        "scene_seed": seed,
        "objects": {
            "small": int(sum(int(t.small.sum()) for t in truths)),
            "large": int(sum(int((~t.small).sum()) for t in truths)),
        },
        "windows_per_image": {str(k): v for k, v in per_size.items()},
        "methods": {},
    }
    for method in METHODS:
        model = models["windows" if method in ("windows", "proposals") else method]
        few = method == "windows"  # 2,389 crops per image: the others (proposals too) run on every scene
        imgs, tr = (images[:window_scenes], truths[:window_scenes]) if few else (images, truths)
        made = bottom_up if method == "proposals" else None
        cands = candidates(method, model, imgs, made)
        dets = [suppress(c) for c in cands]
        row: dict[str, Any] = {
            "title": METHOD_TITLES[method],
            "scenes": len(imgs),
            "candidates_per_image": round(sum(len(c.scores) for c in cands) / len(cands), 1),
            "ap50": round(size_ap(dets, tr), 4),
            "ap50_small": round(size_ap(dets, tr, "small"), 4),
            "ap50_large": round(size_ap(dets, tr, "large"), 4),
            "ap30_small": round(size_ap(dets, tr, "small", 0.3), 4),
            "ap30_large": round(size_ap(dets, tr, "large", 0.3), 4),
        }
        if not few:
            d = dets[:window_scenes]
            row["ap50_on_window_scenes"] = round(size_ap(d, truths[:window_scenes]), 4)
        out["methods"][method] = row
    # Timed in interleaved rounds (each method once per round, best round kept), so a burst of load from other
    # processes slows every method alike instead of landing on one of them.
    runs = {
        name: (
            lambda m=models["windows" if name in ("windows", "proposals") else name], name=name: candidates(
                name, m, images[:1]
            )
        )
        for name in METHODS
    }
    best = {name: min(time_ms(fn, device, repeat=1)) for name, fn in runs.items()}
    for _ in range(timing_repeat - 1):
        for name, fn in runs.items():
            best[name] = min(best[name], *time_ms(fn, device, repeat=1, warmup=0))
    for name in METHODS:
        out["methods"][name]["ms_per_image"] = round(best[name], 2)
    out["anchors_per_image"] = anchors_per_image(images.shape[-1])
    out["grid_cells"] = (images.shape[-1] // 8) ** 2
    recall, per_image = covered(bottom_up, truths), sum(len(p) for p in bottom_up) / len(bottom_up)
    out["proposal_recall"] = round(recall, 4)
    out["proposals_per_image"] = round(per_image, 1)
    k = max(1, round(per_image))
    fine = models["ssd-fine"]
    assert isinstance(fine, AnchorDetector)
    learned = [p for i in range(0, len(images), 64) for p in anchor_proposals(fine, images[i : i + 64], k)]
    out["learned_proposal_recall"] = round(covered(learned, truths), 4)
    out["learned_proposals_per_image"] = k
    out["ms_proposals_bottom_up"] = round(min(time_ms(lambda: proposals(images[0]), device, repeat=timing_repeat)), 2)
    out["ms_proposals_learned"] = round(
        min(time_ms(lambda: anchor_proposals(fine, images[:1], k), device, repeat=timing_repeat)), 2
    )
    out["windows_total"] = len(windows)
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out
