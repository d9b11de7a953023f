"""Throughput of matrix multiplication and convolution over problem sizes on one device, in GFLOP/s.

Matmul: (n x n) @ (n x n), 2 n^3 floating-point operations. Convolution: a 3 x 3 layer of 64 to 64 channels on
a batch of 8 images of side s, 2 * 8 * 64 * 64 * 9 * s^2 operations. On CUDA each size is timed twice: the
kernel alone (inputs already on the GPU) and with the copies to and from the host, which is what a small
problem pays when it visits the GPU. The GPU lab plots the CPU curve measured here next to a GPU curve recorded
by ``python -m demos.gpu_check`` on a machine with CUDA (saved as ``results/throughput_gpu.json``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from demos.common import generator, time_ms

MATMUL_SIZES = (32, 64, 128, 256, 512, 1024, 2048)
CONV_SIZES = (8, 16, 32, 64, 128)
CONV_BATCH, CONV_CHANNELS = 8, 64


def flops(op: str, size: int) -> float:
    """Floating-point operations of one ``op`` ("matmul" or "conv") at ``size`` (matrix side or image side)."""
    if op == "matmul":
        return 2.0 * size**3
    if op == "conv":
        return 2.0 * CONV_BATCH * CONV_CHANNELS * CONV_CHANNELS * 9 * size * size
    raise ValueError(f"op must be 'matmul' or 'conv', got {op!r}")


def _inputs(op: str, size: int) -> tuple[Tensor, Tensor]:
    gen = generator(0)
    if op == "matmul":
        return torch.randn(size, size, generator=gen), torch.randn(size, size, generator=gen)
    x = torch.randn(CONV_BATCH, CONV_CHANNELS, size, size, generator=gen)  # (8, 64, S, S)
    return x, torch.randn(CONV_CHANNELS, CONV_CHANNELS, 3, 3, generator=gen)  # (64, 64, 3, 3)


def _compute(op: str, a: Tensor, b: Tensor) -> Tensor:
    return a @ b if op == "matmul" else F.conv2d(a, b, padding=1)


def point(op: str, size: int, device: torch.device, repeat: int = 5) -> dict[str, Any]:
    """Time one size ``repeat`` times: the fastest run (``ms``, ``gflops``: what the hardware can do when nothing
    else competes for it) and the median; with the inputs already on ``device``, and on CUDA also with the
    copies from and back to the host included."""
    a_host, b_host = _inputs(op, size)
    a, b = a_host.to(device), b_host.to(device)
    work = flops(op, size)
    with torch.no_grad():
        times = sorted(time_ms(lambda: _compute(op, a, b), device, repeat=repeat, warmup=2))
        out: dict[str, Any] = {
            "size": size,
            "ms": round(times[0], 4),
            "median_ms": round(times[len(times) // 2], 4),
            "gflops": round(work / times[0] / 1e6, 3),
        }
        if device.type == "cuda":
            copies = min(
                time_ms(lambda: _compute(op, a_host.to(device), b_host.to(device)).cpu(), device, repeat, warmup=1)
            )
            out.update(ms_with_copies=round(copies, 4), gflops_with_copies=round(work / copies / 1e6, 3))
    return out


def curves(
    device: torch.device,
    matmul_sizes: Sequence[int] = MATMUL_SIZES,
    conv_sizes: Sequence[int] = CONV_SIZES,
    repeat: int = 5,
    log: Callable[[str], None] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Both curves on ``device``: ``{"matmul": [point, ...], "conv": [point, ...]}``."""
    out: dict[str, list[dict[str, Any]]] = {"matmul": [], "conv": []}
    for op, sizes in (("matmul", matmul_sizes), ("conv", conv_sizes)):
        for size in sizes:
            out[op].append(point(op, size, device, repeat))
            if log:
                log(f"{op} {size}: {out[op][-1]}")
    return out


def pays_off(cpu: Sequence[dict[str, Any]], gpu: Sequence[dict[str, Any]], key: str = "ms") -> int | None:
    """The smallest size from which the GPU (time ``key``) is faster than the CPU at that size and every larger
    size measured on both; None if it never is."""
    gpu_ms = {p["size"]: p.get(key) for p in gpu}
    shared = sorted((p["size"], p["ms"], gpu_ms[p["size"]]) for p in cpu if gpu_ms.get(p["size"]) is not None)
    found = None
    for size, cpu_ms, g_ms in reversed(shared):
        if g_ms < cpu_ms:
            found = size
        else:
            break
    return found
