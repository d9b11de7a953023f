"""The detection scenes: 64 px images of 3 to 8 shapes, small (8-15 px boxes) and large (16-29 px), which may
overlap a little. Every object's size word ("small" or "large") is known exactly, so AP is split by size."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from demos.scenes import Rendered, SceneConfig, make_dataset

DETECT_SCENES = SceneConfig(image_size=64, min_objects=3, max_objects=8, max_overlap=0.2)
TRAIN_SEED = 7  # training scenes
TEST_SEED = 70_007  # held-out scenes for every claim
SIZES: tuple[str, ...] = ("small", "large")


@dataclass(frozen=True)
class Truth:
    boxes: Tensor  # (K, 4) float32 (x1, y1, x2, y2) of the visible pixels
    labels: Tensor  # (K,) int64 index into SHAPES
    small: Tensor  # (K,) bool: the object was drawn at the "small" size


def truth(rendered: Rendered) -> Truth:
    """Ground truth of one scene: its visible objects only (a fully hidden one cannot be detected)."""
    seen = rendered.visible > 0
    small = torch.tensor([o.size == "small" for o in rendered.scene.objects], dtype=torch.bool)
    return Truth(rendered.boxes[seen], rendered.labels[seen], small[seen])


def scenes(n: int, seed: int) -> list[Rendered]:
    if n < 1:
        raise ValueError(f"need at least one scene, got n={n}")
    return make_dataset(n, seed, DETECT_SCENES)
