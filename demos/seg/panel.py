"""What the three segmentation panels draw, as plain JSON (pictures as data URIs, numbers as floats).

``python -m demos.seg panel --save`` writes the shipped views to ``results/panel_*.json`` so that a card page
draws them at once without torch; a learner's new scene runs the same functions on the server.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from demos.scenes import Rendered
from demos.scenes.masks import SEMANTIC_CLASSES, masks_of
from demos.seg.data import NUM_CLASSES, TEST_SEED, seg_set
from demos.seg.images import CLASS_COLOURS, jpeg_uri, mark, paint_classes, paint_instances, png_uri
from demos.seg.metrics import confusion, edges, mean_iou, pixel_accuracy
from demos.seg.models import KINDS, TITLES

ENLARGE = 3  # 64 px scenes are drawn as 192 px pictures with square pixels
SHIPPED_SCENES = 6  # held-out scenes a panel can flip through without computing
MIN_SCORE = 0.5  # instances drawn on the instance panel


def load_semantic(device: torch.device) -> dict[str, nn.Module]:
    from demos.seg.train import load

    return {k: load(k, device) for k in KINDS}


@torch.no_grad()
def semantic_scene(rendered: Rendered, models: dict[str, nn.Module], device: torch.device) -> dict[str, Any]:
    """One scene labelled by every model: pictures of the input, the truth and each prediction, each model's
    pixel accuracy and mean IoU on this scene, and the milliseconds each took."""
    labels = masks_of(rendered).semantic  # (S, S)
    image = rendered.image[None].to(device)  # (1, 3, S, S)
    out: dict[str, Any] = {
        "image": png_uri(rendered.image.permute(1, 2, 0).numpy(), ENLARGE),
        "truth": png_uri(paint_classes(labels.numpy()), ENLARGE),
        "background_fraction": round(float((labels == 0).float().mean()), 4),
        "methods": {},
    }
    for kind, model in models.items():
        model.eval()
        t0 = time.perf_counter()
        pred = model(image).argmax(1)[0].cpu()  # (S, S)
        ms = (time.perf_counter() - t0) * 1000
        conf = confusion(pred, labels, NUM_CLASSES)
        out["methods"][kind] = {
            "title": TITLES[kind],
            "picture": png_uri(paint_classes(pred.numpy()), ENLARGE),
            "pixel_accuracy": round(pixel_accuracy(conf), 4),
            "mean_iou": round(mean_iou(conf), 4),
            "ms": round(ms, 1),
        }
    return out


def semantic_shipped(device: torch.device) -> dict[str, Any]:
    models = load_semantic(device)
    data = seg_set(SHIPPED_SCENES, TEST_SEED)
    return {
        "classes": list(SEMANTIC_CLASSES),
        "colours": list(CLASS_COLOURS),
        "scene_seed": TEST_SEED,
        "scenes": [semantic_scene(r, models, device) for r in data.rendered],
    }


# ------------------------------------------------------------------------------------------------ instances


def load_instance(device: torch.device) -> tuple[nn.Module, nn.Module]:
    from demos.nms.detector import CHECKPOINT, load
    from demos.seg.instance import load_mask_head

    return load(CHECKPOINT, device), load_mask_head(device)


def instance_scene(rendered: Rendered, detector: nn.Module, head: nn.Module, device: torch.device) -> dict[str, Any]:
    """One crowded scene four ways: the exact semantic map, its connected regions (what semantics can say about
    instances), the cascade's instances and the exact instances; with how many objects touch one of their class."""
    from demos.seg.instance import MaskHead, connected_components, detect_and_segment, touching_same_class

    assert isinstance(head, MaskHead)
    m = masks_of(rendered)
    seen = rendered.visible > 0
    truth, labels = m.instances[seen], m.labels[seen]
    found, _ = detect_and_segment(detector, head, rendered.image[None].to(device))
    sure = found[0].scores >= MIN_SCORE  # drawn: the confident ones (mask AP counts every detection)
    cascade = [type(found[0])(found[0].masks[sure], found[0].scores[sure], found[0].labels[sure], found[0].boxes[sure])]
    regions = connected_components(m.semantic)
    x = ENLARGE
    return {
        "image": png_uri(rendered.image.permute(1, 2, 0).numpy(), x),
        "semantic": png_uri(paint_classes(m.semantic.numpy()), x),
        "regions": png_uri(paint_instances(regions.masks.numpy()), x),
        "cascade": png_uri(paint_instances(cascade[0].masks.numpy()), x),
        "truth": png_uri(paint_instances(truth.numpy()), x),
        "boxes": [[round(float(v) * x, 1) for v in b] for b in cascade[0].boxes.tolist()],
        "objects": len(labels),
        "regions_found": len(regions.scores),
        "instances_found": len(cascade[0].scores),
        "touching": int(touching_same_class(truth, labels).sum()),
        "size": int(rendered.image.shape[-1]),
    }


def instance_shipped(device: torch.device) -> dict[str, Any]:
    """The held-out crowded scene (of the first 40) with the most objects touching one of their own class."""
    from demos.nms.detector import CROWDED
    from demos.scenes import make_dataset
    from demos.seg.instance import TEST_SEED as INSTANCE_SEED
    from demos.seg.instance import touching_same_class

    data = make_dataset(40, INSTANCE_SEED, CROWDED)
    counts = []
    for r in data:
        mm = masks_of(r)
        seen = r.visible > 0
        counts.append(int(touching_same_class(mm.instances[seen], mm.labels[seen]).sum()))
    best = int(np.argmax(counts))
    detector, head = load_instance(device)
    return {"scene_seed": INSTANCE_SEED, "index": best, **instance_scene(data[best], detector, head, device)}


# ------------------------------------------------------------------------------------------------ superpixels


def superpixel_views(image: np.ndarray, truth: np.ndarray | None, photo: bool) -> dict[str, Any]:
    """Superpixel edges (yellow) over ``image`` at every level of SLIC and Felzenszwalb; with a ``truth`` label map
    (a scene), the true edges they miss in red and each level's boundary recall."""
    from demos.seg.metrics import boundary_precision, boundary_recall, dilate
    from demos.seg.superpixels import PHOTO_LEVELS, SCENE_LEVELS, segment

    levels = PHOTO_LEVELS if photo else SCENE_LEVELS
    factor = 1 if photo else ENLARGE
    out: dict[str, Any] = {}
    for method in ("slic", "felzenszwalb"):
        steps = []
        for level in levels[method]:
            t0 = time.perf_counter()
            seg = segment(image, method, level)
            ms = (time.perf_counter() - t0) * 1000
            big = np.repeat(np.repeat(seg, factor, 0), factor, 1)
            picture = mark(np.repeat(np.repeat(image, factor, 0), factor, 1), edges(big), "#FACC15")
            step: dict[str, Any] = {"level": level, "segments": len(np.unique(seg)), "ms": round(ms, 1)}
            if truth is not None:
                missed = edges(truth) & ~dilate(edges(seg), 1)
                picture = mark(picture, np.repeat(np.repeat(missed, factor, 0), factor, 1), "#DC2626")
                step["boundary_recall"] = round(boundary_recall(seg, truth), 4)
                step["boundary_precision"] = round(boundary_precision(seg, truth), 4)
            step["picture"] = jpeg_uri(picture) if photo else png_uri(picture)
            steps.append(step)
        out[method] = steps
    return out


def superpixel_scene(rendered: Rendered) -> dict[str, Any]:
    from demos.seg.superpixels import to_hwc

    truth = masks_of(rendered).owner.numpy()
    return superpixel_views(to_hwc(rendered.image), truth, photo=False)


def superpixel_photo(name: str) -> dict[str, Any]:
    from demos.seg.superpixels import photo

    return superpixel_views(photo(name), None, photo=True)


def superpixel_shipped() -> dict[str, Any]:
    data = seg_set(1, TEST_SEED)
    return {
        "photo_name": "astronaut",
        "photo": superpixel_photo("astronaut"),
        "scene_seed": TEST_SEED,
        "scene": superpixel_scene(data.rendered[0]),
    }


def write_all(folder: Path, device: torch.device) -> dict[str, Path]:
    """Compute and write every shipped panel view; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, data in (
        ("panel_semantic.json", semantic_shipped(device)),
        ("panel_instance.json", instance_shipped(device)),
        ("panel_superpixels.json", superpixel_shipped()),
    ):
        path = folder / name
        path.write_text(json.dumps(data) + "\n")
        out[name] = path
    return out
