"""Data augmentation as plain torch functions: colour jitter, AlexNet's PCA colour noise, random crops, scales,
flips and rotations. Each takes images ``float (B, 3, H, W)`` in [0, 1] and a ``torch.Generator`` and returns a
new batch of the same shape, dtype and device (inputs are never changed); each image gets its own random draw.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

GREY = torch.tensor([0.2989, 0.587, 0.114])  # luma weights (ITU-R 601, as torchvision rounds them)


def _uniform(n: int, low: float, high: float, g: torch.Generator, device: torch.device) -> torch.Tensor:
    return (low + (high - low) * torch.rand(n, generator=g)).to(device)


def _check(x: torch.Tensor) -> None:
    if x.dim() != 4 or x.shape[1] != 3:
        raise ValueError(f"images must be (B, 3, H, W), got {tuple(x.shape)}")


# ------------------------------------------------------------------------------------------------ colour


def grey(x: torch.Tensor) -> torch.Tensor:
    """Luma ``(B, 1, H, W)`` of RGB images ``(B, 3, H, W)``."""
    return (x * GREY.to(x).view(1, 3, 1, 1)).sum(1, keepdim=True)


def adjust(x: torch.Tensor, brightness: torch.Tensor, contrast: torch.Tensor, saturation: torch.Tensor) -> torch.Tensor:
    """Scale each image's brightness, contrast (about its mean grey) and saturation (about its own grey) by the
    given per-image factors ``(B,)``, in that order, clamping to [0, 1] after each step as torchvision does."""
    b = brightness.view(-1, 1, 1, 1)
    x = (x * b).clamp(0, 1)
    mean = grey(x).mean((1, 2, 3), keepdim=True)  # (B, 1, 1, 1)
    c = contrast.view(-1, 1, 1, 1)
    x = (c * x + (1 - c) * mean).clamp(0, 1)
    s = saturation.view(-1, 1, 1, 1)
    return (s * x + (1 - s) * grey(x)).clamp(0, 1)


def color_jitter(
    x: torch.Tensor, g: torch.Generator, brightness: float = 0.4, contrast: float = 0.4, saturation: float = 0.4
) -> torch.Tensor:
    """Random brightness, contrast and saturation factors, each uniform in [1 - s, 1 + s] per image."""
    _check(x)
    n = len(x)
    return adjust(
        x,
        _uniform(n, 1 - brightness, 1 + brightness, g, x.device),
        _uniform(n, 1 - contrast, 1 + contrast, g, x.device),
        _uniform(n, 1 - saturation, 1 + saturation, g, x.device),
    )


def rgb_pca(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Principal components of the RGB values of every pixel of ``images (N, 3, H, W)``: eigenvalues ``(3,)``
    (descending) and eigenvectors as columns ``(3, 3)``."""
    _check(images)
    pixels = images.permute(0, 2, 3, 1).reshape(-1, 3).double()  # (N*H*W, 3)
    cov = torch.cov(pixels.T)
    values, vectors = torch.linalg.eigh(cov)  # ascending
    return values.flip(0).float(), vectors.flip(1).float()


def pca_colour(
    x: torch.Tensor, g: torch.Generator, values: torch.Tensor, vectors: torch.Tensor, std: float = 0.1
) -> torch.Tensor:
    """AlexNet's colour augmentation: add ``vectors @ (alpha * values)`` to every pixel of an image, with
    ``alpha ~ N(0, std)`` drawn per image and component: the image's colours shift along the directions in
    which the training set's colours vary most, by amounts proportional to how much they vary there."""
    _check(x)
    alpha = (torch.randn(len(x), 3, generator=g) * std).to(x)  # (B, 3)
    shift = (alpha * values.to(x)) @ vectors.to(x).T  # (B, 3)
    return (x + shift.view(-1, 3, 1, 1)).clamp(0, 1)


# ------------------------------------------------------------------------------------------------ geometry


def affine(
    x: torch.Tensor, angle: torch.Tensor, scale: torch.Tensor, shift: torch.Tensor, flip: torch.Tensor
) -> torch.Tensor:
    """Warp each image about its centre: mirror left-right where ``flip`` (B,) is true, turn by ``angle`` (B,)
    radians clockwise on screen, zoom by ``scale`` (B,) (2 = twice as large), move by ``shift`` (B, 2) as a
    fraction of the image size (x, y). Bilinear; outside the image is filled by reflection."""
    _check(x)
    n = len(x)
    cos, sin = torch.cos(angle), torch.sin(angle)
    mirror = torch.where(flip, -1.0, 1.0).to(x)
    # affine_grid maps output coordinates to input ones, in [-1, 1]: the inverse of the wanted warp
    inv = torch.zeros(n, 2, 3, dtype=x.dtype, device=x.device)
    inv[:, 0, 0], inv[:, 0, 1] = mirror * cos / scale, mirror * sin / scale
    inv[:, 1, 0], inv[:, 1, 1] = -sin / scale, cos / scale
    dx, dy = -2 * shift[:, 0], -2 * shift[:, 1]
    inv[:, 0, 2] = inv[:, 0, 0] * dx + inv[:, 0, 1] * dy
    inv[:, 1, 2] = inv[:, 1, 0] * dx + inv[:, 1, 1] * dy
    grid = F.affine_grid(inv, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def _none(n: int, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    zeros = torch.zeros(n, device=x.device, dtype=x.dtype)
    return zeros, torch.ones_like(zeros), torch.zeros(n, 2, device=x.device, dtype=x.dtype), zeros.bool()


def random_crop(x: torch.Tensor, g: torch.Generator, fraction: float = 0.125) -> torch.Tensor:
    """A crop of the image, moved by up to ``fraction`` of its size in x and y (whole pixels), the border filled
    by reflection: the translation a pad-and-crop gives."""
    angle, scale, _, flip = _none(len(x), x)
    side = x.shape[-1]
    pixels = torch.randint(-round(fraction * side), round(fraction * side) + 1, (len(x), 2), generator=g)
    return affine(x, angle, scale, (pixels.float() / side).to(x), flip)


def random_scale(x: torch.Tensor, g: torch.Generator, low: float = 0.8, high: float = 1.25) -> torch.Tensor:
    """Zoom about the centre by a factor whose logarithm is uniform in [log low, log high]."""
    angle, _, shift, flip = _none(len(x), x)
    scale = torch.exp(_uniform(len(x), math.log(low), math.log(high), g, x.device)).to(x)
    return affine(x, angle, scale, shift, flip)


def random_flip(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Mirror left-right with probability 1/2 (exactly: whole columns reversed)."""
    _check(x)
    flip = (torch.rand(len(x), generator=g) < 0.5).to(x.device)
    return torch.where(flip.view(-1, 1, 1, 1), x.flip(-1), x)


def random_rotation(x: torch.Tensor, g: torch.Generator, degrees: float = 15.0) -> torch.Tensor:
    """Turn about the centre by an angle uniform in [-degrees, degrees]."""
    _, scale, shift, flip = _none(len(x), x)
    angle = _uniform(len(x), -math.radians(degrees), math.radians(degrees), g, x.device).to(x)
    return affine(x, angle, scale, shift, flip)


Augment = Callable[[torch.Tensor, torch.Generator], torch.Tensor]
