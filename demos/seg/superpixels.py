"""Superpixels at several scales (scikit-image's SLIC and Felzenszwalb), how well their edges follow the true
object edges, and superpixels as a clean-up for a coarse segmentation.

Before fully convolutional networks, multi-scale systems (Farabet et al. 2013, in the notes' "Semantic
Segmentation - Multi scale, Super Pixel / Segmentation Trees") labelled superpixels -- small regions of similar
colour -- instead of pixels: a region's edges are image edges, so labels snap to object outlines. Boundary recall
measures how many true edge pixels lie on (within 1 px of) a superpixel edge; a square grid with as many cells is
the baseline that knows nothing about the image.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from demos.seg.metrics import boundary_precision, boundary_recall

METHODS: tuple[str, ...] = ("slic", "felzenszwalb", "grid")
METHOD_TITLES = {"slic": "SLIC", "felzenszwalb": "Felzenszwalb", "grid": "Square grid"}
# Three scales per method, coarse to fine. SLIC and the grid take a number of segments; Felzenszwalb takes its
# `scale` (larger = bigger regions), chosen so that each level gives about as many regions as SLIC's on a scene.
SCENE_LEVELS: dict[str, tuple[float, ...]] = {
    "slic": (16, 48, 144),
    "felzenszwalb": (200.0, 60.0, 15.0),
    "grid": (16, 48, 144),
}
PHOTO_LEVELS: dict[str, tuple[float, ...]] = {
    "slic": (25, 100, 400),
    "felzenszwalb": (800.0, 200.0, 50.0),
    "grid": (25, 100, 400),
}
PHOTOS: tuple[str, ...] = ("astronaut", "coffee", "chelsea")  # colour photos shipped inside scikit-image


def grid_segments(height: int, width: int, n: float) -> np.ndarray:
    """A square grid of about ``n`` cells as a label map ``(H, W)`` int."""
    side = max(1, round(float(np.sqrt(height * width / n))))
    rows = np.arange(height)[:, None] // side
    cols = np.arange(width)[None, :] // side
    return (rows * ((width + side - 1) // side) + cols).astype(np.int64)


def segment(image: np.ndarray, method: str, level: float) -> np.ndarray:
    """Superpixels of an ``(H, W, 3)`` float image in [0, 1] as a label map ``(H, W)`` int64 (labels from 0).
    ``level`` is SLIC's number of segments, Felzenszwalb's scale, or the grid's number of cells."""
    from skimage.segmentation import felzenszwalb, slic

    h, w = image.shape[:2]
    if method == "slic":
        labels = slic(image, n_segments=int(level), compactness=10.0, start_label=0, channel_axis=-1)
    elif method == "felzenszwalb":
        labels = felzenszwalb(image, scale=float(level), sigma=0.5, min_size=max(4, h * w // 2000))
    elif method == "grid":
        labels = grid_segments(h, w, level)
    else:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    return np.asarray(labels, dtype=np.int64)


def to_hwc(image: Any) -> np.ndarray:
    """A (3, H, W) tensor or an (H, W, 3) array -> (H, W, 3) float64 numpy in [0, 1]."""
    arr = image.detach().cpu().numpy() if hasattr(image, "detach") else np.asarray(image)
    if arr.ndim == 3 and arr.shape[0] == 3 and arr.shape[-1] != 3:
        arr = arr.transpose(1, 2, 0)
    arr = arr.astype(np.float64)
    return arr / 255.0 if arr.max() > 1.0 else arr


def photo(name: str, side: int = 256) -> np.ndarray:
    """One of scikit-image's bundled colour photos, centre-cropped square and resized to ``side`` px,
    ``(side, side, 3)`` float in [0, 1]. Nothing is downloaded: these files ship inside the package."""
    from skimage import data
    from skimage.transform import resize

    if name not in PHOTOS:
        raise ValueError(f"photo {name!r} is not one of {', '.join(PHOTOS)}")
    img = getattr(data, name)()  # (H, W, 3) uint8
    h, w = img.shape[:2]
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    out = resize(img[top : top + s, left : left + s], (side, side), anti_aliasing=True)
    return np.asarray(out, dtype=np.float64)


def level_table(
    images: list[np.ndarray], truths: list[np.ndarray], levels: dict[str, tuple[float, ...]], tolerance: int = 1
) -> dict[str, list[dict[str, float]]]:
    """For each method and level: mean number of segments, boundary recall and precision against ``truths``
    (label maps whose edges are the true object edges), and milliseconds per image."""
    out: dict[str, list[dict[str, float]]] = {}
    for method, values in levels.items():
        rows = []
        for level in values:
            n, rec, prec, ms = [], [], [], []
            for image, truth in zip(images, truths, strict=True):
                t0 = time.perf_counter()
                seg = segment(image, method, level)
                ms.append((time.perf_counter() - t0) * 1000)
                n.append(len(np.unique(seg)))
                rec.append(boundary_recall(seg, truth, tolerance))
                prec.append(boundary_precision(seg, truth, tolerance))
            rows.append(
                {
                    "level": level,
                    "segments": round(float(np.mean(n)), 1),
                    "boundary_recall": round(float(np.mean(rec)), 4),
                    "boundary_precision": round(float(np.mean(prec)), 4),
                    "ms_per_image": round(float(np.median(ms)), 2),
                }
            )
        out[method] = rows
    return out


def pool(probs: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """Class probabilities ``(C, H, W)`` averaged within each superpixel of ``segments`` ``(H, W)``: every pixel
    of a region gets the region's mean, so a region takes one label and its edges become the label edges."""
    c = probs.shape[0]
    flat = segments.reshape(-1)
    count = np.bincount(flat).astype(np.float64)  # (R,)
    out = np.empty_like(probs, dtype=np.float64)
    for k in range(c):
        sums = np.bincount(flat, weights=probs[k].reshape(-1).astype(np.float64), minlength=len(count))
        out[k] = (sums / np.maximum(count, 1))[flat].reshape(segments.shape)
    return out


def scene_report(scenes: int, seed: int, device: Any, pool_with: tuple[str, float] = ("slic", 144)) -> dict[str, Any]:
    """On ``scenes`` held-out scenes: the level table of every method (boundaries against the exact object edges),
    SLIC against a square grid with as many cells as SLIC made on each scene, and the skip-less FCN's mean IoU
    before and after averaging its class probabilities within ``pool_with`` superpixels."""
    import torch

    from demos.scenes.masks import masks_of
    from demos.seg.data import NUM_CLASSES, seg_set
    from demos.seg.metrics import confusion, mean_iou
    from demos.seg.train import load

    t0 = time.perf_counter()
    data = seg_set(scenes, seed)
    images = [to_hwc(r.image) for r in data.rendered]
    truths = [masks_of(r).owner.numpy() for r in data.rendered]
    table = level_table(images, truths, SCENE_LEVELS)
    matched: dict[str, list[float]] = {"slic": [], "grid": []}
    level = SCENE_LEVELS["slic"][1]
    for image, truth in zip(images, truths, strict=True):
        seg = segment(image, "slic", level)
        grid = grid_segments(truth.shape[0], truth.shape[1], len(np.unique(seg)))
        matched["slic"].append(boundary_recall(seg, truth))
        matched["grid"].append(boundary_recall(grid, truth))
    with torch.no_grad():
        probs = load("fcn", device)(data.images.to(device)).softmax(1).cpu().numpy()  # (N, C, S, S)
    pooled = np.stack([pool(p, segment(im, *pool_with)) for p, im in zip(probs, images, strict=True)])
    before = mean_iou(confusion(torch.from_numpy(probs.argmax(1)), data.labels, NUM_CLASSES))
    after = mean_iou(confusion(torch.from_numpy(pooled.argmax(1)), data.labels, NUM_CLASSES))
    return {
        "scenes": scenes,
        "scene_seed": seed,
        "levels": table,
        "slic_vs_grid": {
            "slic_level": level,
            "slic_boundary_recall": round(float(np.mean(matched["slic"])), 4),
            "grid_boundary_recall": round(float(np.mean(matched["grid"])), 4),
        },
        "pooling": {
            "superpixels": f"{METHOD_TITLES[pool_with[0]]} at {pool_with[1]:g}",
            "fcn_mean_iou": round(before, 4),
            "pooled_mean_iou": round(after, 4),
        },
        "seconds": round(time.perf_counter() - t0, 1),
    }
