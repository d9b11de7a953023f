"""What the NMS panel and page draw, as plain data: a source of raw boxes (the shapes detector on a rendered
scene, or a Haar cascade on a photo), those boxes suppressed at every IoU threshold of the figures, and the
greedy loop step by step.

The shipped scene (``results/panel_scene.json``, written by ``python -m demos.nms scene --save``) lets the card
panel draw at once without importing torch; a new scene or method runs :func:`scene_runs` again.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from demos.nms.detector import ShapesDetector
from demos.nms.evaluate import Detections, GreedyStep, apply_method, greedy_trace, mean_ap, precision_recall
from demos.nms.names import IOU_STEPS, SCORE_THRESHOLD, SOFT_SIGMA, Method

PANEL_METHODS: tuple[Method, ...] = ("greedy", "batched")


@dataclass(frozen=True)
class Source:
    """Raw boxes before any suppression, with the picture they came from and, for a rendered scene, its truth."""

    image: np.ndarray  # (H, W, 3) uint8 RGB
    boxes: np.ndarray  # (N, 4) float32 (x1, y1, x2, y2) pixels
    scores: np.ndarray  # (N,) float32 in [0, 1]
    labels: np.ndarray  # (N,) int64 index into ``classes``
    classes: tuple[str, ...]
    gt_boxes: np.ndarray | None  # (K, 4) float32 visible objects of a rendered scene; None for a photo
    gt_labels: np.ndarray | None  # (K,) int64
    note: str | None = None  # e.g. how many faces OpenCV's own grouping reports

    @property
    def has_truth(self) -> bool:
        return self.gt_boxes is not None


def png_uri(image: np.ndarray) -> str:
    """``(H, W, 3)`` uint8 -> PNG data URI (far smaller in the browser than a plotly pixel array)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


@torch.no_grad()
def shapes_source(model: ShapesDetector, seed: int, device: torch.device) -> Source:
    """Crowded scene ``seed`` rendered, and every one of the detector's 1,024 grid-cell boxes on it."""
    from demos.nms.detector import CROWDED, raw_detections
    from demos.scenes import SHAPES, make_dataset

    scene = make_dataset(1, seed, CROWDED)[0]
    raw = raw_detections(model, scene.image[None].to(device))[0]
    seen = scene.visible > 0
    return Source(
        image=(scene.image.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8),  # (H, W, 3)
        boxes=raw.boxes.cpu().numpy(),
        scores=raw.scores.cpu().numpy(),
        labels=raw.labels.cpu().numpy(),
        classes=tuple(SHAPES),
        gt_boxes=scene.boxes[seen].numpy(),
        gt_labels=scene.labels[seen].numpy(),
    )


def photo_source(image: np.ndarray, cascade: str) -> Source:
    """Every raw window a Haar ``cascade`` accepts on ``image`` (H, W, 3) uint8 RGB; ValueError if it is unusable."""
    from demos.nms.haar import detect_windows

    found = detect_windows(image, cascade)
    return Source(
        image=found.image,
        boxes=found.boxes.numpy(),
        scores=found.scores.numpy(),
        labels=np.zeros(len(found.scores), dtype=np.int64),
        classes=(cascade,),
        gt_boxes=None,
        gt_labels=None,
        note=f"OpenCV's own window grouping (minNeighbors=3) reports {found.grouped}.",
    )


def _rounded(a: np.ndarray | torch.Tensor, digits: int) -> list[Any]:
    return np.round(np.asarray(a, dtype=np.float64), digits).tolist()


def suppress_all(
    src: Source, method: Method, score_threshold: float = SCORE_THRESHOLD, sigma: float = SOFT_SIGMA
) -> list[dict[str, Any]]:
    """``method`` applied to the source's raw boxes at each of :data:`IOU_STEPS`, as JSON-able dicts: kept boxes,
    scores and labels (best first), the suppressed boxes, how many competed, and for a rendered scene precision,
    recall and AP@0.5 against its truth (None for a photo)."""
    boxes, scores, labels = torch.from_numpy(src.boxes), torch.from_numpy(src.scores), torch.from_numpy(src.labels)
    truth = None
    if src.gt_boxes is not None and src.gt_labels is not None:
        truth = (torch.from_numpy(src.gt_boxes), torch.from_numpy(src.gt_labels))
    runs = []
    for t in IOU_STEPS:
        out = apply_method(boxes, scores, labels, method, iou_threshold=t, score_threshold=score_threshold, sigma=sigma)
        kept = Detections(out.kept.boxes, out.kept.scores, out.kept.labels)
        gone = np.setdiff1d(out.candidates.numpy(), out.index.numpy())  # (M - K,) suppressed positions
        run: dict[str, Any] = {
            "iou": t,
            "kept_boxes": _rounded(out.kept.boxes, 1),
            "kept_scores": _rounded(out.kept.scores, 3),
            "kept_labels": out.kept.labels.tolist(),
            "suppressed_boxes": _rounded(src.boxes[gone], 1),
            "candidates": len(out.candidates),
            "precision": None,
            "recall": None,
            "ap": None,
        }
        if truth is not None:
            precision, recall = precision_recall(kept, *truth)
            run.update(
                precision=round(precision, 4),
                recall=round(recall, 4),
                ap=round(mean_ap([kept], [truth], len(src.classes))[0], 4),
            )
        runs.append(run)
    return runs


def step_through(src: Source, score_threshold: float, iou: float) -> tuple[np.ndarray, list[GreedyStep]]:
    """The greedy loop at ``iou`` over the raw boxes scoring at least ``score_threshold``: (positions of those
    candidates in the source (M,), one step per kept box; a step's indices point into the candidates)."""
    candidates = np.nonzero(src.scores >= score_threshold)[0]  # (M,)
    steps = greedy_trace(torch.from_numpy(src.boxes[candidates]), torch.from_numpy(src.scores[candidates]), iou)
    return candidates, steps


def scene_runs(
    seed: int, method: Method, device: torch.device, score_threshold: float = SCORE_THRESHOLD
) -> dict[str, Any]:
    """Render crowded scene ``seed``, detect with the shipped detector, and suppress with ``method`` at each of
    :data:`IOU_STEPS`; every number the card panel's figure needs, as JSON."""
    from demos.nms.detector import CHECKPOINT, load

    if method not in PANEL_METHODS:
        raise ValueError(f"method must be one of {', '.join(PANEL_METHODS)}, got {method!r}")
    src = shapes_source(load(CHECKPOINT, device), seed, device)
    assert src.gt_boxes is not None
    return {
        "seed": seed,
        "method": method,
        "image": png_uri(src.image),
        "width": int(src.image.shape[1]),
        "height": int(src.image.shape[0]),
        "classes": list(src.classes),
        "raw_boxes": len(src.scores),
        "gt_boxes": _rounded(src.gt_boxes, 1),
        "runs": suppress_all(src, method, score_threshold),
    }
