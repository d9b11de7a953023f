"""A scene and its boxes at every IoU threshold of the figure's slider, as plain JSON: what the NMS panel draws.

The shipped scene (``results/panel_scene.json``, written by ``python -m demos.nms scene --save``) lets the panel
draw at once without importing torch; a new scene or method runs :func:`scene_runs` again.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import torch

from demos.nms.evaluate import Detections, Method, apply_method, mean_ap, precision_recall

IOU_STEPS: tuple[float, ...] = tuple(round(0.05 * i, 2) for i in range(1, 20))  # 0.05 .. 0.95
PANEL_METHODS: tuple[Method, ...] = ("greedy", "batched")


def png_uri(image: np.ndarray) -> str:
    """``(H, W, 3)`` uint8 -> PNG data URI."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


@torch.no_grad()
def scene_runs(seed: int, method: Method, device: torch.device, score_threshold: float = 0.05) -> dict[str, Any]:
    """Render crowded scene ``seed``, detect with the shipped detector, and suppress with ``method`` at each of
    :data:`IOU_STEPS`; every number a figure needs, as JSON-able lists."""
    from demos.nms.detector import CHECKPOINT, CROWDED, load, raw_detections
    from demos.scenes import SHAPES, make_dataset

    if method not in PANEL_METHODS:
        raise ValueError(f"method must be one of {', '.join(PANEL_METHODS)}, got {method!r}")
    model = load(CHECKPOINT, device)
    scene = make_dataset(1, seed, CROWDED)[0]
    raw = raw_detections(model, scene.image[None].to(device))[0]
    boxes, scores, labels = raw.boxes.cpu(), raw.scores.cpu(), raw.labels.cpu()
    seen = scene.visible > 0
    gt_boxes, gt_labels = scene.boxes[seen], scene.labels[seen]
    runs = []
    for t in IOU_STEPS:
        out = apply_method(boxes, scores, labels, method, iou_threshold=t, score_threshold=score_threshold)
        kept = Detections(out.kept.boxes, out.kept.scores, out.kept.labels)
        precision, recall = precision_recall(kept, gt_boxes, gt_labels)
        runs.append(
            {
                "iou": t,
                "kept_boxes": np.round(out.kept.boxes.numpy(), 1).tolist(),
                "kept_scores": np.round(out.kept.scores.numpy(), 3).tolist(),
                "kept_labels": out.kept.labels.tolist(),
                "suppressed_boxes": np.round(
                    boxes[np.setdiff1d(out.candidates.numpy(), out.index.numpy())].numpy(), 1
                ).tolist(),
                "candidates": len(out.candidates),
                "precision": round(precision, 4),
                "recall": round(recall, 4),
                "ap": round(mean_ap([kept], [(gt_boxes, gt_labels)], len(SHAPES))[0], 4),
            }
        )
    image = (scene.image.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)  # (H, W, 3)
    return {
        "seed": seed,
        "method": method,
        "image": png_uri(image),
        "width": int(image.shape[1]),
        "height": int(image.shape[0]),
        "classes": list(SHAPES),
        "raw_boxes": len(scores),
        "gt_boxes": np.round(gt_boxes.numpy(), 1).tolist(),
        "runs": runs,
    }
