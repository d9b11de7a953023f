"""Held-out measurements of the semantic-segmentation models: pixel accuracy, mean IoU, IoU per class and the
time to label one image, next to the model that calls everything background."""

from __future__ import annotations

import time
from typing import Any

import torch
from torch import nn

from demos.common import sync, time_ms
from demos.scenes.masks import SEMANTIC_CLASSES
from demos.seg.data import NUM_CLASSES, TEST_SEED, SegSet, seg_set
from demos.seg.metrics import class_iou, confusion, mean_iou, pixel_accuracy
from demos.seg.models import KINDS, TITLES, RecurrentRefiner, predict
from demos.seg.train import load


def _round(x: float) -> float | None:
    return None if x != x else round(x, 4)


def model_scores(model: nn.Module, data: SegSet) -> dict[str, Any]:
    """Pixel accuracy, mean IoU and IoU per class of ``model`` on ``data``."""
    conf = confusion(predict(model, data.images), data.labels, NUM_CLASSES)
    return {
        "pixel_accuracy": round(pixel_accuracy(conf), 4),
        "mean_iou": round(mean_iou(conf), 4),
        "class_iou": {name: _round(v) for name, v in zip(SEMANTIC_CLASSES, class_iou(conf).tolist(), strict=True)},
    }


def background_scores(data: SegSet) -> dict[str, Any]:
    """The scores of a 'model' that labels every pixel background: what pixel accuracy gives away for free."""
    conf = confusion(torch.zeros_like(data.labels), data.labels, NUM_CLASSES)
    return {"pixel_accuracy": round(pixel_accuracy(conf), 4), "mean_iou": round(mean_iou(conf), 4)}


@torch.no_grad()
def ms_per_image(model: nn.Module, image: torch.Tensor, device: torch.device, repeat: int, warmup: int = 1) -> float:
    """Fastest of ``repeat`` wall times in ms to label one (1, 3, S, S) image: on a shared machine the minimum is
    the run least disturbed by other work, so it is the fairest estimate of the model's own cost."""
    model.eval()
    return round(min(time_ms(lambda: model(image), device, repeat=repeat, warmup=warmup)), 2)


@torch.no_grad()
def refine_passes(model: RecurrentRefiner, data: SegSet, steps: int) -> list[float]:
    """Mean IoU after each pass of the recurrent refiner (run for ``steps`` passes)."""
    out = []
    passes = [model.passes(data.images[i : i + 64], steps) for i in range(0, len(data.images), 64)]
    for t in range(steps):
        pred = torch.cat([p[t].argmax(1) for p in passes])
        out.append(round(mean_iou(confusion(pred, data.labels, NUM_CLASSES)), 4))
    return out


def semantic_report(
    scenes: int,
    device: torch.device,
    seed: int = TEST_SEED,
    kinds: tuple[str, ...] = KINDS,
    patch_scenes: int = 8,
) -> dict[str, Any]:
    """Every model of ``kinds`` on ``scenes`` held-out scenes from ``seed``: scores, ms per image, and the
    refiner's mean IoU after 1..4 passes (it was trained with 3). The patch classifier runs one network per
    pixel, so it is scored on the first ``patch_scenes`` scenes only, next to the FCN on the same scenes."""
    t0 = time.perf_counter()
    data = seg_set(scenes, seed)
    data = SegSet(data.images.to(device), data.labels.to(device), data.rendered)
    few = SegSet(data.images[:patch_scenes], data.labels[:patch_scenes], data.rendered[:patch_scenes])
    image = data.images[:1]
    out: dict[str, Any] = {
        "scenes": scenes,
        "scene_seed": seed,
        "background_fraction": round(float((data.labels == 0).float().mean()), 4),
        "all_background": background_scores(data),
        "models": {},
    }
    for kind in kinds:
        model = load(kind, device)
        if kind == "patch":  # each scene labelled once, and timed while it is: the same estimator as the others'
            preds, times = [], []
            for i in range(len(few.images)):
                t1 = time.perf_counter()
                preds.append(predict(model, few.images[i : i + 1]))
                sync(device)
                times.append((time.perf_counter() - t1) * 1000)
            conf = confusion(torch.cat(preds), few.labels, NUM_CLASSES)
            row = {"title": TITLES[kind], "pixel_accuracy": round(pixel_accuracy(conf), 4)}
            row["mean_iou"] = round(mean_iou(conf), 4)
            row["scenes"] = len(few.images)
            row["ms_per_image"] = round(min(times), 2)
        else:
            row = {"title": TITLES[kind], **model_scores(model, data), "scenes": scenes}
            row["ms_per_image"] = ms_per_image(model, image, device, repeat=7)
        row["parameters"] = sum(p.numel() for p in model.parameters())
        out["models"][kind] = row
        if kind == "fcn" and "patch" in kinds:
            out["fcn_on_patch_scenes"] = model_scores(model, few)
        if isinstance(model, RecurrentRefiner):
            out["refine_mean_iou_by_pass"] = refine_passes(model, data, 4)
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out
