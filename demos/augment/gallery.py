"""Each augmentation drawn a few times on photos that ship with scikit-image: what the panel's gallery shows."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from demos.augment.task import SETTINGS, Labelled, augmenter, labelled
from demos.common import generator
from demos.video.flow import photo
from demos.video.pictures import jpeg_uri

PHOTOS: tuple[str, ...] = ("chelsea", "astronaut", "coffee")
DRAWS = 6


def as_tensor(image: np.ndarray) -> torch.Tensor:
    """``uint8 (H, W, 3)`` -> ``float (1, 3, H, W)`` in [0, 1]."""
    return torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255


def as_uint8(images: torch.Tensor) -> np.ndarray:
    """``float (B, 3, H, W)`` -> ``uint8 (B, H, W, 3)``."""
    return (images.clamp(0, 1).permute(0, 2, 3, 1).numpy() * 255).round().astype(np.uint8)


@torch.no_grad()
def draws(name: str, setting: str, seed: int, side: int = 96, n: int = DRAWS) -> list[str]:
    """``n`` augmented copies of photo ``name`` under ``setting``, as PNG data URIs (seeded)."""
    x = as_tensor(photo(name, side))
    augment = augmenter(setting, Labelled(x, torch.zeros(1, dtype=torch.long)))
    out = augment(x.expand(n, -1, -1, -1).contiguous(), generator(seed))
    return [jpeg_uri(im) for im in as_uint8(out)]


def gallery(seed: int = 0, side: int = 96, names: tuple[str, ...] = PHOTOS[:1]) -> dict[str, Any]:
    """The original and :data:`DRAWS` draws of every augmentation for each photo of ``names``."""
    photos = {
        name: {
            "original": jpeg_uri(photo(name, side)),
            "draws": {s: draws(name, s, seed, side) for s in SETTINGS if s != "none"},
        }
        for name in names
    }
    return {
        "seed": seed,
        "side": side,
        "settings": {k: v for k, v in SETTINGS.items() if k != "none"},
        "photos": photos,
        "task": task_examples(),
    }


def task_examples(per_class: int = 2) -> dict[str, Any]:
    """A few of seed 0's labelled scenes (the task's training images), as PNGs with their shape names."""
    from demos.scenes import SHAPES
    from demos.video.pictures import png_uri

    train = labelled(0)
    picked = [int(i) for c in range(len(SHAPES)) for i in (train.labels == c).nonzero()[:per_class, 0]]
    images = as_uint8(train.images[picked])
    return {
        "images": [png_uri(im) for im in images],
        "labels": [SHAPES[int(train.labels[i])] for i in picked],
        "side": int(images.shape[1]),
    }
