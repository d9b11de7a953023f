"""What the detector-families panel draws, as plain JSON: one scene, every method's boxes after NMS, and what each
method looked at (the windows it slid, its proposals, its grid, its anchors).

``python -m demos.detect panel --save`` writes ``results/panel_scene.json``; the card page draws it without torch.
"""

from __future__ import annotations

import time
from typing import Any

import torch
from torch import nn

from demos.detect.anchors import LEVELS, UPPER_LEVELS, level_anchors
from demos.detect.data import TEST_SEED, scenes, truth
from demos.detect.evaluate import METHOD_TITLES, METHODS, candidates, suppress
from demos.detect.train import load
from demos.detect.windows import WINDOW_SIZES, proposals, window_boxes
from demos.scenes import SHAPES, Rendered
from demos.seg.images import png_uri

ENLARGE = 6  # the 64 px scene is drawn 384 px wide, boxes scaled to match
MIN_SCORE = 0.3  # boxes drawn on the picture (AP counts every box above 0.05)


def load_all(device: torch.device) -> dict[str, nn.Module]:
    return {k: load(k, device) for k in ("windows", "yolo", "ssd", "ssd-fine", "fpn")}


def _boxes(t: torch.Tensor) -> list[list[float]]:
    return [[round(float(v) * ENLARGE, 1) for v in b] for b in t.tolist()]


@torch.no_grad()
def scene_view(rendered: Rendered, models: dict[str, nn.Module], device: torch.device) -> dict[str, Any]:
    """Every method on one scene: kept boxes (score >= MIN_SCORE) with labels and scores, candidates before NMS,
    milliseconds; plus the windows, proposals, grid and anchors each method used, in picture pixels."""
    image = rendered.image[None].to(device)
    t = truth(rendered)
    out: dict[str, Any] = {
        "image": png_uri(rendered.image.permute(1, 2, 0).numpy(), ENLARGE),
        "size": int(rendered.image.shape[-1]) * ENLARGE,
        "shapes": list(SHAPES),
        "truth": {"boxes": _boxes(t.boxes), "labels": t.labels.tolist(), "small": t.small.tolist()},
        "methods": {},
    }
    for method in METHODS:
        model = models["windows" if method in ("windows", "proposals") else method]
        t0 = time.perf_counter()
        cand = candidates(method, model, image)[0]
        det = suppress(cand)
        ms = (time.perf_counter() - t0) * 1000
        shown = det.scores >= MIN_SCORE
        out["methods"][method] = {
            "title": METHOD_TITLES[method],
            "boxes": _boxes(det.boxes[shown]),
            "labels": det.labels[shown].tolist(),
            "scores": [round(float(s), 3) for s in det.scores[shown]],
            "candidates": len(cand.scores),
            "ms": round(ms, 1),
        }
    s = int(rendered.image.shape[-1])
    middle = [window_boxes(s, w)[len(window_boxes(s, w)) // 2] for w in WINDOW_SIZES]
    out["overlays"] = {
        "windows": _boxes(torch.stack(middle)),  # one window of each size, at the centre
        "proposals": _boxes(proposals(rendered.image)),
        "grid": 8 * ENLARGE,  # YOLO-style cells, in picture pixels
        "anchors": {
            "ssd": _boxes(_centre_anchors(UPPER_LEVELS, s)),
            "ssd-fine": _boxes(_centre_anchors(LEVELS, s)),
            "fpn": _boxes(_centre_anchors(LEVELS, s)),
        },
    }
    return out


def _centre_anchors(levels: tuple[Any, ...], size: int) -> torch.Tensor:
    """The anchors of the cell nearest the image centre on each level."""
    out = []
    for lv in levels:
        a = level_anchors(lv, size).view(-1, len(lv.sizes), 4)
        g = size // lv.stride
        out.append(a[(g // 2) * g + g // 2])
    return torch.cat(out)


def shipped(device: torch.device, index: int = 0) -> dict[str, Any]:
    data = scenes(index + 1, TEST_SEED)
    return {"scene_seed": TEST_SEED, "index": index, **scene_view(data[index], load_all(device), device)}
