"""What the spatial-transformer panel draws, as plain JSON: held-out digits turned to each angle of the figure's
slider, what the transformer makes of them, and both models' accuracy at that angle.

``python -m demos.stn panel --save`` writes ``results/panel.json``; the card page draws it without torch.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from demos.seg.images import png_uri
from demos.stn.model import theta_of, warp
from demos.stn.train import KINDS, TITLES, Digits, Net, accuracy_by_angle, held_out, load, split

DEGREES: list[int] = list(range(-90, 91, 15))
SHOWN = 8  # digits in the strip
ENLARGE = 2


def strip(images: torch.Tensor) -> np.ndarray:
    """(N, 1, H, W) in [0, 1] -> one (H, N*W, 3) uint8 row, white digits on black, a grey line between digits."""
    arr = (images[:, 0].clamp(0, 1).cpu().numpy() * 255).astype(np.uint8)  # (N, H, W)
    arr[:, :, -1] = 90
    row = np.concatenate(list(arr), axis=1)  # (H, N*W)
    return np.repeat(row[:, :, None], 3, axis=2)


@torch.no_grad()
def rotated_view(models: dict[str, Net], digits: Digits, degrees: int) -> dict[str, Any]:
    """The first :data:`SHOWN` digits turned by ``degrees``: input strip, the transformer's output strip, and each
    model's guess per digit."""
    x, y = digits.images[:SHOWN], digits.labels[:SHOWN]
    a = torch.full((len(y),), math.radians(degrees))
    images = warp(x, theta_of(a, torch.ones(len(y)), torch.zeros(len(y), 2)))
    device = next(models["stn"].parameters()).device
    images = images.to(device)
    return {
        "degrees": degrees,
        "inputs": png_uri(strip(images), ENLARGE),
        "unwarped": png_uri(strip(models["stn"].unwarped(images)), ENLARGE),
        "guesses": {k: m(images).argmax(1).cpu().tolist() for k, m in models.items()},
    }


@torch.no_grad()
def warped_view(models: dict[str, Net], seed: int) -> dict[str, Any]:
    """:data:`SHOWN` held-out digits with the held-out random warps (rotation, scale, shift), starting at ``seed``
    (an index into the held-out set), and what the transformer makes of them."""
    data = held_out()
    i = seed % (len(data.labels) - SHOWN)
    images, labels = data.images[i : i + SHOWN], data.labels[i : i + SHOWN]
    device = next(models["stn"].parameters()).device
    images = images.to(device)
    return {
        "index": i,
        "inputs": png_uri(strip(images), ENLARGE),
        "unwarped": png_uri(strip(models["stn"].unwarped(images)), ENLARGE),
        "labels": labels.tolist(),
        "guesses": {k: m(images).argmax(1).cpu().tolist() for k, m in models.items()},
    }


def shipped(device: torch.device) -> dict[str, Any]:
    models = {k: load(k, device) for k in KINDS}
    digits = split()[1]
    return {
        "titles": TITLES,
        "degrees": DEGREES,
        "labels": digits.labels[:SHOWN].tolist(),
        "views": [rotated_view(models, digits, d) for d in DEGREES],
        "accuracy_by_angle": accuracy_by_angle(models, digits, DEGREES),
        "warped": warped_view(models, 0),
    }
