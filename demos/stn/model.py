"""A spatial transformer in front of a small CNN (Jaderberg et al. 2015), on MNIST digits that were rotated,
scaled and shifted.

A :class:`SpatialTransformer` looks at the input with a small localisation network, predicts the six numbers of
an affine transform, and resamples the input through it (``affine_grid`` + ``grid_sample``: differentiable,
so the localisation net learns from the classification loss alone, with no pose labels). The
:class:`Classifier` behind it is the same network the baseline uses without one.

Warps and the transformer follow ``torch.nn.functional.affine_grid``: ``theta`` (N, 2, 3) maps each *output*
pixel's normalised coordinates (x, y in [-1, 1]) to where it samples the input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

CANVAS = 40  # digits (28 px) are centred on a 40 px canvas, so a warp has room to move them


@dataclass(frozen=True)
class WarpConfig:
    max_degrees: float = 60.0  # rotation drawn uniformly from [-max, max]
    scale: tuple[float, float] = (0.9, 1.4)  # sampling scale: > 1 shows the digit smaller
    max_shift: float = 0.2  # shift of the sampling grid, in half-canvas units (0.2 = 4 px)


def to_canvas(digits: np.ndarray | Tensor) -> Tensor:
    """uint8 (N, 28, 28) digits -> float (N, 1, 40, 40) in [0, 1], centred."""
    x = torch.as_tensor(np.asarray(digits), dtype=torch.float32) / 255.0  # (N, 28, 28)
    pad = (CANVAS - x.shape[-1]) // 2
    return F.pad(x, (pad, pad, pad, pad))[:, None]  # (N, 1, 40, 40)


def warp_params(n: int, config: WarpConfig, g: torch.Generator) -> tuple[Tensor, Tensor, Tensor]:
    """Random rotation (radians), scale and shift ``(N,), (N,), (N, 2)`` drawn from ``g``."""
    angle = (torch.rand(n, generator=g) * 2 - 1) * math.radians(config.max_degrees)
    lo, hi = config.scale
    scale = lo + torch.rand(n, generator=g) * (hi - lo)
    shift = (torch.rand(n, 2, generator=g) * 2 - 1) * config.max_shift
    return angle, scale, shift


def theta_of(angle: Tensor, scale: Tensor, shift: Tensor) -> Tensor:
    """Affine ``theta`` (N, 2, 3): sample the input at ``scale * R(angle) @ p + shift`` for output point p."""
    c, s = angle.cos() * scale, angle.sin() * scale
    return torch.stack([torch.stack([c, -s, shift[:, 0]], 1), torch.stack([s, c, shift[:, 1]], 1)], 1)


def warp(images: Tensor, theta: Tensor) -> Tensor:
    """Resample images (N, 1, H, W) through ``theta`` (N, 2, 3); zeros outside the input."""
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)  # (N, H, W, 2)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def rotation_of(theta: Tensor) -> Tensor:
    """The rotation angle (radians) of the linear part of each ``theta`` (N, 2, 3) -> (N,)."""
    a = theta[:, :, :2]
    return torch.atan2(a[:, 1, 0] - a[:, 0, 1], a[:, 0, 0] + a[:, 1, 1])


def scale_of(theta: Tensor) -> Tensor:
    """The scale of each ``theta``'s linear part, sqrt(|det|) -> (N,): below 1 the output shows the input larger."""
    a = theta[:, :, :2]
    return (a[:, 0, 0] * a[:, 1, 1] - a[:, 0, 1] * a[:, 1, 0]).abs().sqrt()


def compose(outer: Tensor, inner: Tensor) -> Tensor:
    """The single ``theta`` that samples like ``warp(warp(x, outer), inner)``: inner's points are mapped by inner,
    then by outer. (N, 2, 3) each -> (N, 2, 3)."""
    a_o, b_o = outer[:, :, :2], outer[:, :, 2:]
    a_i, b_i = inner[:, :, :2], inner[:, :, 2:]
    return torch.cat([a_o @ a_i, a_o @ b_i + b_o], dim=2)


class Classifier(nn.Module):
    """A 5x5 and a 3x3 convolution with max-pooling, then two linear layers: (N, 1, 40, 40) -> (N, 10) logits.
    Max-pooling gives it a little tolerance to shifts; rotations and scales it must learn from examples."""

    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),  # 20
            nn.Conv2d(width, 2 * width, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),  # 10
            nn.Flatten(),
            nn.Linear(2 * width * 10 * 10, 48),
            nn.ReLU(inplace=True),
            nn.Linear(48, 10),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x - 0.13)


class SpatialTransformer(nn.Module):
    """Localisation net on a half-size view -> ``theta`` (N, 2, 3), starting at the identity; the output is the
    input resampled through it, same size."""

    def __init__(self) -> None:
        super().__init__()
        self.loc = nn.Sequential(
            nn.AvgPool2d(2),  # 20
            nn.Conv2d(1, 8, 5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),  # 10
            nn.Conv2d(8, 16, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),  # 5
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 32),
            nn.ReLU(inplace=True),
            nn.Linear(32, 6),
        )
        last = self.loc[-1]
        assert isinstance(last, nn.Linear)
        nn.init.zeros_(last.weight)  # the first transforms are the identity: no warp until learning asks for one
        with torch.no_grad():
            last.bias.copy_(torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]))

    def theta(self, x: Tensor) -> Tensor:
        return self.loc(x - 0.13).view(-1, 2, 3)  # (N, 2, 3)

    def forward(self, x: Tensor) -> Tensor:
        return warp(x, self.theta(x))  # (N, 1, H, W)


class Net(nn.Module):
    """The classifier, with (``stn=True``) or without a spatial transformer in front."""

    def __init__(self, stn: bool) -> None:
        super().__init__()
        self.stn = SpatialTransformer() if stn else None
        self.classifier = Classifier()

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.stn(x) if self.stn is not None else x)

    @torch.no_grad()
    def unwarped(self, x: Tensor) -> Tensor:
        """What the classifier sees: the transformer's output (the input itself without one)."""
        return self.stn(x) if self.stn is not None else x
