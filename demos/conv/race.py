"""Race three ways of computing one convolution over kernel and image sizes: the lab's im2col, its FFT and the
library kernel (``F.conv2d``: oneDNN on the CPU, cuDNN on CUDA).

The layer is a first layer (an RGB image, 3 channels in, 8 filters out, stride 1, no padding, batch 1), the
setting in which large filters occur (AlexNet's 11 x 11, 3-D and audio front ends). im2col's matrix grows as
3 * K^2 * H_out * W_out floats, so a cell whose matrix would exceed ``IM2COL_LIMIT_MB`` is not run and is
recorded with the size it would have needed: that is the memory overhead the notes warn about.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from demos.common import time_ms
from demos.conv.arithmetic import output_size
from demos.conv.ops import conv2d_fft, conv2d_im2col

KERNELS = (3, 5, 7, 9, 11, 15, 21, 31)
IMAGES = (32, 64, 128, 256)
IN_CHANNELS, OUT_CHANNELS = 3, 8
IM2COL_LIMIT_MB = 256.0
METHODS = ("im2col", "fft", "library")


def im2col_mb(image: int, kernel: int, channels: int = IN_CHANNELS, dtype_bytes: int = 4) -> float:
    """Megabytes of the im2col matrix for one (channels, image, image) input and a kernel x kernel filter."""
    side = output_size(image, kernel)
    return channels * kernel * kernel * side * side * dtype_bytes / 2**20


def time_cell(image: int, kernel: int, device: torch.device, repeat: int = 3, seed: int = 0) -> dict[str, Any]:
    """Milliseconds of each method for one (image, kernel) cell, the fastest of ``repeat`` runs (on a shared
    CPU the slower runs measure the other work), and which method won."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(1, IN_CHANNELS, image, image, generator=gen).to(device)  # (1, 3, S, S)
    w = torch.randn(OUT_CHANNELS, IN_CHANNELS, kernel, kernel, generator=gen).to(device)  # (8, 3, K, K)
    runs: dict[str, Callable[[], object]] = {
        "fft": lambda: conv2d_fft(x, w),
        "library": lambda: F.conv2d(x, w),
    }
    mb = im2col_mb(image, kernel)
    if mb <= IM2COL_LIMIT_MB:
        runs["im2col"] = lambda: conv2d_im2col(x, w)
    cell: dict[str, Any] = {"image": image, "kernel": kernel, "im2col_mb": round(mb, 2)}
    with torch.no_grad():
        for name, fn in runs.items():
            cell[f"{name}_ms"] = round(min(time_ms(fn, device, repeat=repeat, warmup=1)), 3)
    if "im2col_ms" not in cell:
        cell["im2col_ms"] = None
    timed = {m: cell[f"{m}_ms"] for m in METHODS if cell[f"{m}_ms"] is not None}
    cell["fastest"] = min(timed, key=timed.__getitem__)
    return cell


def race(
    images: Sequence[int] = IMAGES,
    kernels: Sequence[int] = KERNELS,
    device: torch.device | None = None,
    repeat: int = 3,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Every (image, kernel) cell with kernel <= image; plus, per image size, the smallest kernel from which the
    FFT beats im2col at every larger kernel timed (None if it never does)."""
    device = device or torch.device("cpu")
    cells = []
    for image in images:
        for kernel in kernels:
            if kernel > image:
                continue
            cells.append(time_cell(image, kernel, device, repeat))
            if log:
                log(f"image {image}, kernel {kernel}: {cells[-1]}")
    return {"cells": cells, "crossover": crossovers(cells), "in_channels": IN_CHANNELS, "out_channels": OUT_CHANNELS}


def crossovers(cells: Sequence[dict[str, Any]], against: str = "im2col") -> dict[str, int | None]:
    """Per image size: the smallest timed kernel K such that the FFT is faster than ``against`` at K and at every
    larger kernel where both ran; None when the FFT is not faster at the largest such kernel."""
    out: dict[str, int | None] = {}
    for image in sorted({c["image"] for c in cells}):
        row = sorted(
            (c for c in cells if c["image"] == image and c.get(f"{against}_ms") is not None), key=lambda c: c["kernel"]
        )
        found = None
        for c in reversed(row):
            if c["fft_ms"] < c[f"{against}_ms"]:
                found = c["kernel"]
            else:
                break
        out[str(image)] = found
    return out
