"""The scenes the semantic-segmentation models learn from: images with the exact class of every pixel.

Train and test scenes come from different seeds of :func:`demos.scenes.make_dataset`, so no test scene is
ever seen in training. Labels come from :mod:`demos.scenes.masks`: 0 is the background, 1..4 the shapes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from demos.scenes import Rendered, SceneConfig, make_dataset
from demos.scenes.masks import SEMANTIC_CLASSES, masks_of

NUM_CLASSES = len(SEMANTIC_CLASSES)  # background + 4 shapes
# 64 px scenes of 2 to 5 shapes that may touch a little: mostly background, as real street scenes are mostly road.
SEG_SCENES = SceneConfig(image_size=64, min_objects=2, max_objects=5, max_overlap=0.1)
TRAIN_SEED = 11  # training scenes
TEST_SEED = 50_011  # held-out scenes for every claim


@dataclass(frozen=True)
class SegSet:
    images: Tensor  # (N, 3, S, S) float32 in [0, 1]
    labels: Tensor  # (N, S, S) int64 class per pixel
    rendered: list[Rendered]


def seg_set(n: int, seed: int, config: SceneConfig = SEG_SCENES) -> SegSet:
    """``n`` scenes from ``seed`` with their exact per-pixel classes (the same every time)."""
    if n < 1:
        raise ValueError(f"need at least one scene, got n={n}")
    rendered = make_dataset(n, seed, config)
    images = torch.stack([r.image for r in rendered])  # (N, 3, S, S)
    labels = torch.stack([masks_of(r).semantic for r in rendered])  # (N, S, S)
    return SegSet(images=images, labels=labels, rendered=rendered)
