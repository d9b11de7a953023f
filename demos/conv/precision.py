"""Low precision, measured: what float16, bfloat16 and int8 lose against float64, and why float16 training needs
loss scaling.

* :func:`formats` -- each format's largest value, smallest normal and smallest non-zero value, found by casting
  powers of two (the measured points agree with ``torch.finfo``).
* :func:`product_error` -- relative error of a matrix multiply or a convolution computed in a format, against
  the same inputs in float64; int8 is dynamic symmetric quantisation (:func:`int8_matmul`).
* :func:`train_run` -- a short training of a deep sigmoid network (the vanishing-gradient setting, where
  gradients are small) in float32, in float16 without loss scaling, and in float16 with ``torch.amp.GradScaler``.
  On CUDA float16 is real (``torch.autocast``); on the CPU, whose float16 kernels are too slow for a live lab, it
  is emulated by storing every activation and gradient in float16 (rounding with ``.to(float16)``) while the
  arithmetic runs in float32, as tensor cores accumulate. Either way a gradient below float16's smallest
  subnormal (2^-24) becomes exactly zero.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from demos.common import generator, load_fashion, median_ms, seeded

FLOATS: dict[str, torch.dtype] = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
MODES = ("float32", "float16", "float16-scaled")  # train_run's modes


def formats() -> dict[str, dict[str, float]]:
    """For each float format: ``max`` (largest finite), ``overflow`` (smallest power of two that becomes inf),
    ``min_normal``, ``min_positive`` (smallest power of two that survives the cast, a subnormal) and ``eps`` (the
    gap above 1), measured by casting float64 values; ``finfo_*`` are torch's own figures to compare."""
    out = {}
    powers = torch.tensor([2.0**k for k in range(-160, 140)], dtype=torch.float64)  # (300,)
    for name, dtype in FLOATS.items():
        cast = powers.to(dtype).double()
        finite = torch.isfinite(cast)
        kept = (cast == powers) & finite
        info = torch.finfo(dtype)
        largest = torch.tensor(info.max, dtype=torch.float64)
        nudged = (largest * (1 + info.eps / 4)).to(dtype)  # just above max rounds back to max, as IEEE says
        out[name] = {
            "max": float(largest.to(dtype)),
            "overflow": float(powers[~finite][0]),
            "max_rounds_down": bool(torch.isfinite(nudged)),
            "min_normal": float(info.tiny),
            "min_positive": float(powers[kept][0]),
            "eps": float((torch.tensor(1.0, dtype=dtype) + info.eps).double() - 1.0),
            "finfo_max": float(info.max),
            "finfo_eps": float(info.eps),
        }
    return out


def cast_error(values: Tensor) -> dict[str, list[float]]:
    """Relative error of storing each value (float64, positive) in each float format: 1.0 where it flushes to zero,
    inf where it overflows."""
    out = {}
    for name, dtype in FLOATS.items():
        back = values.to(dtype).double()
        out[name] = ((back - values).abs() / values).tolist()
    return out


def quantize_int8(t: Tensor) -> tuple[Tensor, float]:
    """Symmetric per-tensor int8: ``q = round(t / scale)`` clamped to [-127, 127], ``scale = max|t| / 127``.
    Returns the int8 tensor and the scale."""
    scale = float(t.abs().max()) / 127 or 1.0
    return torch.clamp(torch.round(t / scale), -127, 127).to(torch.int8), scale


def int8_matmul(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b`` with both operands quantised to int8 at run time (dynamic quantisation) and the products summed
    exactly (as int32 hardware does; here in float64, exact below 2^53), then scaled back. Float64 result."""
    qa, sa = quantize_int8(a)
    qb, sb = quantize_int8(b)
    return (qa.double() @ qb.double()) * (sa * sb)


def _relative(got: Tensor, want: Tensor) -> float:
    return float(torch.linalg.vector_norm(got.double() - want) / torch.linalg.vector_norm(want))


def product_error(op: str, fmt: str, size: int, device: torch.device, seed: int = 0) -> float:
    """Relative (Frobenius) error of one product in format ``fmt`` (float32, float16, bfloat16 or int8) against
    float64, on standard-normal inputs: ``op="matmul"`` is (size x size) @ (size x size); ``op="conv"`` is a
    3 x 3 convolution of (1, 16, size, size) by 16 filters (int8: convolution as im2col then int8 matmul)."""
    gen = generator(seed)
    if op == "matmul":
        a = torch.randn(size, size, generator=gen, dtype=torch.float64)
        b = torch.randn(size, size, generator=gen, dtype=torch.float64)
        want = a @ b
        if fmt == "int8":
            return _relative(int8_matmul(a, b), want)
        dt = FLOATS[fmt]
        return _relative((a.to(device, dt) @ b.to(device, dt)).cpu(), want)
    if op == "conv":
        x = torch.randn(1, 16, size, size, generator=gen, dtype=torch.float64)  # (1, 16, S, S)
        w = torch.randn(16, 16, 3, 3, generator=gen, dtype=torch.float64)  # (16, 16, 3, 3)
        want = F.conv2d(x, w, padding=1)
        if fmt == "int8":
            cols = F.unfold(x, 3, padding=1)[0]  # (144, S*S)
            got = int8_matmul(w.reshape(16, -1), cols).view(1, 16, size, size)
            return _relative(got, want)
        dt = FLOATS[fmt]
        return _relative(F.conv2d(x.to(device, dt), w.to(device, dt), padding=1).cpu(), want)
    raise ValueError(f"op must be 'matmul' or 'conv', got {op!r}")


def matmul_ms(fmt: str, size: int, device: torch.device, repeat: int = 5) -> float:
    """Median time of one (size x size) @ (size x size) product in a float format on ``device``."""
    gen = generator(0)
    a = torch.randn(size, size, generator=gen).to(device, FLOATS[fmt])
    b = torch.randn(size, size, generator=gen).to(device, FLOATS[fmt])
    return median_ms(lambda: a @ b, device, repeat=repeat, warmup=1)


# ------------------------------------------------------------------------------------------------ training


class _StoreAs(torch.autograd.Function):
    """Identity that rounds its value to ``dtype`` on the way forward and its gradient on the way back."""

    @staticmethod
    def forward(ctx: Any, t: Tensor, dtype: torch.dtype) -> Tensor:
        ctx.dtype = dtype
        return t.to(dtype).to(t.dtype)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None]:
        return grad.to(ctx.dtype).to(grad.dtype), None


class StoreAs(nn.Module):
    """Rounds activations (forward) and their gradients (backward) to ``dtype``; identity when ``dtype`` is None."""

    def __init__(self, dtype: torch.dtype | None) -> None:
        super().__init__()
        self.dtype = dtype

    def forward(self, t: Tensor) -> Tensor:
        return t if self.dtype is None else _StoreAs.apply(t, self.dtype)


@dataclass(frozen=True)
class TrainConfig:
    depth: int = 8  # hidden layers of 64 sigmoid units: deep enough that the first layers' gradients are tiny
    width: int = 64
    steps: int = 300
    batch_size: int = 128
    lr: float = 3e-3  # Adam; float32 leaves the chance-level plateau after about 100 steps
    images: int = 8192  # first Fashion-MNIST training images
    seed: int = 0

    def check(self) -> None:
        if not (1 <= self.depth <= 16 and 8 <= self.width <= 512 and 1 <= self.steps <= 5000):
            raise ValueError("depth must be 1..16, width 8..512 and steps 1..5000")
        if not (1 <= self.batch_size <= 2048 and 0 < self.lr <= 1 and 256 <= self.images <= 60_000):
            raise ValueError("batch_size must be 1..2048, lr in (0, 1] and images 256..60000")


def make_mlp(config: TrainConfig, store: torch.dtype | None) -> nn.Sequential:
    """784 -> ``depth`` x (Linear, sigmoid) of ``width`` -> 10, with every activation stored as ``store``."""
    layers: list[nn.Module] = [StoreAs(store)]
    width = 784
    for _ in range(config.depth):
        layers += [nn.Linear(width, config.width), StoreAs(store), nn.Sigmoid(), StoreAs(store)]
        width = config.width
    layers += [nn.Linear(width, 10), StoreAs(store)]
    return nn.Sequential(*layers)


def load_train(images: int) -> tuple[Tensor, Tensor]:
    """Fashion-MNIST's first ``images`` training images, flattened to (N, 784) in [0, 1], and labels (N,)."""
    x, y = load_fashion("train")
    return torch.from_numpy(x[:images].astype(np.float32) / 255.0).flatten(1), torch.from_numpy(y[:images])


def train_run(
    mode: str,
    config: TrainConfig,
    device: torch.device,
    data: tuple[Tensor, Tensor] | None = None,
    on_step: Callable[[int, float], None] | None = None,
) -> dict[str, Any]:
    """Train in ``mode``: "float32", "float16" (no loss scaling) or "float16-scaled" (``torch.amp.GradScaler``).
    Returns the loss curve, the share of the first layer's weight gradients that are exactly zero at each step,
    how far the first layer's weights moved, the GradScaler's final scale and seconds."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    config.check()
    x, y = data if data is not None else load_train(config.images)
    half = mode != "float32"
    real = half and device.type == "cuda"  # real float16 kernels; the CPU emulates float16 storage
    with seeded(config.seed):
        model = make_mlp(config, torch.float16 if half and not real else None)
    model = model.to(device)
    first = model[1]
    assert isinstance(first, nn.Linear)
    start = first.weight.detach().clone()
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    scaler = torch.amp.GradScaler(device.type, enabled=mode == "float16-scaled")
    gen = generator(config.seed + 1)
    losses, zero_share = [], []
    t0 = time.perf_counter()
    for step in range(config.steps):
        idx = torch.randint(0, len(x), (config.batch_size,), generator=gen)
        xb, yb = x[idx].to(device), y[idx].to(device)  # (B, 784), (B,)
        with torch.autocast(device.type, dtype=torch.float16, enabled=real):
            logits = model(xb)  # (B, 10)
        loss = F.cross_entropy(logits.float(), yb)
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        if half and not real:  # a float16 kernel would have written the weight gradients in float16
            for p in model.parameters():
                assert p.grad is not None
                p.grad = p.grad.to(torch.float16).float()
        assert first.weight.grad is not None
        zero_share.append(float((first.weight.grad == 0).float().mean()))
        scaler.step(opt)
        scaler.update()
        losses.append(loss.item())
        if on_step is not None:
            on_step(step + 1, losses[-1])
    return {
        "mode": mode,
        "emulated": half and not real,
        "losses": [round(v, 4) for v in losses],
        "first_layer_zero_grad_share": [round(v, 4) for v in zero_share],
        "first_layer_moved": float(torch.linalg.vector_norm(first.weight.detach() - start)),
        "final_scale": float(scaler.get_scale()) if mode == "float16-scaled" else 1.0,
        "seconds": round(time.perf_counter() - t0, 2),
        "config": asdict(config),
    }


def mean_tail(values: list[float], n: int = 20) -> float:
    """Mean of the last ``n`` values (a smoothed end-of-training figure)."""
    tail = values[-n:]
    return sum(tail) / len(tail) if tail else math.nan
