"""Exact pixel masks of rendered scenes: which object every pixel shows, per class and per instance.

:func:`render` already decides, pixel by pixel, which object is painted on top; this module repeats that
decision with the very same mask test, so a mask here and a painted pixel there always agree (the tests check
it against ``render``'s boxes and visible counts). Nothing in :mod:`demos.scenes.generate` changes.

Semantic classes are ``SEMANTIC_CLASSES``: 0 is the background, ``1 + SHAPES.index(shape)`` an object class.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from demos.scenes.generate import SHAPES, Rendered, Scene, _mask

BACKGROUND = 0
SEMANTIC_CLASSES: tuple[str, ...] = ("background", *SHAPES)  # class index -> name


@dataclass(frozen=True)
class SceneMasks:
    owner: Tensor  # (S, S) int64: index of the object painted at each pixel, -1 where the background shows
    semantic: Tensor  # (S, S) int64: class of each pixel, 0 = background, 1 + SHAPES index for an object
    instances: Tensor  # (K, S, S) bool: each object's visible pixels (disjoint; empty if fully hidden)
    shapes: Tensor  # (K, S, S) bool: each object's whole shape, hidden parts included
    labels: Tensor  # (K,) int64: SHAPES index of each object, as Rendered.labels


def pixel_grid(image_size: int) -> tuple[Tensor, Tensor]:
    """Pixel-centre coordinates as fractions of the side, (S, S) each, exactly as :func:`render` makes them."""
    coords = (torch.arange(image_size, dtype=torch.float32) + 0.5) / image_size  # (S,)
    ys, xs = torch.meshgrid(coords, coords, indexing="ij")  # (S, S) each
    return xs, ys


def scene_masks(scene: Scene, image_size: int = 64) -> SceneMasks:
    """Every mask of ``scene`` at ``image_size`` pixels. Later objects cover earlier ones, as in :func:`render`."""
    if image_size < 1:
        raise ValueError(f"image_size must be a positive number of pixels, got {image_size}")
    xs, ys = pixel_grid(image_size)
    k = len(scene.objects)
    shapes = torch.zeros(k, image_size, image_size, dtype=torch.bool)  # (K, S, S)
    owner = torch.full((image_size, image_size), -1, dtype=torch.long)  # (S, S)
    for i, obj in enumerate(scene.objects):
        shapes[i] = _mask(obj, xs, ys)
        owner[shapes[i]] = i
    instances = owner[None] == torch.arange(k).view(k, 1, 1)  # (K, S, S)
    labels = torch.tensor([SHAPES.index(o.shape) for o in scene.objects], dtype=torch.long)  # (K,)
    semantic = torch.zeros(image_size, image_size, dtype=torch.long)  # (S, S)
    shown = owner >= 0
    semantic[shown] = labels[owner[shown]] + 1
    return SceneMasks(owner=owner, semantic=semantic, instances=instances, shapes=shapes, labels=labels)


def masks_of(rendered: Rendered) -> SceneMasks:
    """The masks of a scene as :func:`render` painted it (its size read from the image)."""
    return scene_masks(rendered.scene, int(rendered.image.shape[-1]))


def mask_boxes(instances: Tensor) -> Tensor:
    """Tight (x1, y1, x2, y2) pixel boxes of (K, S, S) boolean masks -> (K, 4) float32; an empty mask gives
    zeros, as :func:`render` does for a fully hidden object."""
    k = instances.shape[0]
    boxes = torch.zeros(k, 4)
    if k == 0:
        return boxes
    rows, cols = instances.any(2), instances.any(1)  # (K, S) each
    present = rows.any(1)  # (K,)
    idx = torch.arange(instances.shape[1])
    big = instances.shape[1] + 1
    x1 = torch.where(cols, idx, big).min(1).values
    x2 = torch.where(cols, idx, -1).max(1).values + 1
    y1 = torch.where(rows, idx, big).min(1).values
    y2 = torch.where(rows, idx, -1).max(1).values + 1
    boxes[present] = torch.stack([x1, y1, x2, y2], dim=1)[present].float()
    return boxes
