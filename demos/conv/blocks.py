"""Efficient convolution blocks, counted from real modules: parameters, multiply-adds, receptive field, time.

Each comparison pairs a big convolution with the cheaper block that replaces it (VGG's stacked 3 x 3, the 1 x 1
bottleneck, Inception's 1 x N then N x 1, MobileNet's depthwise separable). Nothing here is a formula: the
parameters are ``sum(p.numel())`` of the module, the multiply-adds are counted by forward hooks on every
convolution (output values x input channels per group x kernel area), and the receptive field is the gradient
of the centre output with respect to the input (all weights set to 1, see :mod:`demos.conv.receptive`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from demos.common import median_ms, seeded


def _conv(c_in: int, c_out: int, kernel: int | tuple[int, int], groups: int = 1) -> nn.Conv2d:
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    return nn.Conv2d(c_in, c_out, (kh, kw), padding=(kh // 2, kw // 2), groups=groups, bias=False)


def _relu_stack(*convs: nn.Module) -> nn.Sequential:
    layers: list[nn.Module] = []
    for conv in convs:
        layers += [conv, nn.ReLU()]
    return nn.Sequential(*layers[:-1])  # no ReLU after the last: each block ends where the next layer starts


@dataclass(frozen=True)
class Pair:
    """A big convolution and the block that replaces it, both mapping C channels to C channels."""

    id: str
    title: str  # how the lab names the comparison
    big: str  # the big layer, in words
    small: str  # the replacement, in words
    build: Callable[[int], tuple[nn.Module, nn.Module]]  # channels -> (big, replacement)


PAIRS: tuple[Pair, ...] = (
    Pair(
        "7x7-vs-3x3x3",
        "One 7×7 vs three 3×3",
        "7×7 conv",
        "3×3 → 3×3 → 3×3",
        lambda c: (_conv(c, c, 7), _relu_stack(_conv(c, c, 3), _conv(c, c, 3), _conv(c, c, 3))),
    ),
    Pair(
        "5x5-vs-3x3x2",
        "One 5×5 vs two 3×3",
        "5×5 conv",
        "3×3 → 3×3",
        lambda c: (_conv(c, c, 5), _relu_stack(_conv(c, c, 3), _conv(c, c, 3))),
    ),
    Pair(
        "3x3-vs-bottleneck",
        "3×3 vs 1×1 bottleneck",
        "3×3 conv",
        "1×1 (C→C/4) → 3×3 → 1×1 (C/4→C)",
        lambda c: (_conv(c, c, 3), _relu_stack(_conv(c, c // 4, 1), _conv(c // 4, c // 4, 3), _conv(c // 4, c, 1))),
    ),
    Pair(
        "7x7-vs-1x7-7x1",
        "7×7 vs 1×7 then 7×1",
        "7×7 conv",
        "1×7 → 7×1",
        lambda c: (_conv(c, c, 7), _relu_stack(_conv(c, c, (1, 7)), _conv(c, c, (7, 1)))),
    ),
    Pair(
        "3x3-vs-depthwise",
        "3×3 vs depthwise separable",
        "3×3 conv",
        "3×3 depthwise → 1×1 pointwise",
        lambda c: (_conv(c, c, 3), _relu_stack(_conv(c, c, 3, groups=c), _conv(c, c, 1))),
    ),
)


def count_macs(model: nn.Module, x: Tensor) -> int:
    """Multiply-adds of every ``nn.Conv2d`` and ``nn.Linear`` in one forward pass of ``x``, counted by hooks:
    a convolution costs (output values) x (input channels per group) x kh x kw, a linear layer in x out per row."""
    total = [0]

    def conv_hook(mod: nn.Module, args: Any, out: Tensor) -> None:
        assert isinstance(mod, nn.Conv2d)
        kh, kw = mod.kernel_size
        total[0] += out.numel() * (mod.in_channels // mod.groups) * kh * kw

    def linear_hook(mod: nn.Module, args: Any, out: Tensor) -> None:
        assert isinstance(mod, nn.Linear)
        total[0] += out.numel() * mod.in_features

    hooks = [
        m.register_forward_hook(conv_hook if isinstance(m, nn.Conv2d) else linear_hook)
        for m in model.modules()
        if isinstance(m, nn.Conv2d | nn.Linear)
    ]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in hooks:
            h.remove()
    return total[0]


def measured_field(model: nn.Module, channels: int, size: int = 33) -> tuple[int, int]:
    """(height, width) of the receptive field of the centre output of ``model`` (C -> C, size-preserving),
    measured: a copy with every weight 1 and no ReLU gate closed (input all ones), backward from the centre
    unit of channel 0, extent of the non-zero input gradient."""
    import copy

    probe = copy.deepcopy(model).double()
    with torch.no_grad():
        for p in probe.parameters():
            p.fill_(1.0)
    x = torch.ones(1, channels, size, size, dtype=torch.float64, requires_grad=True)  # (1, C, S, S)
    probe(x)[0, 0, size // 2, size // 2].backward()
    assert x.grad is not None
    hit = x.grad[0].abs().sum(0) > 0  # (S, S)
    rows = torch.nonzero(hit.any(1)).flatten()
    cols = torch.nonzero(hit.any(0)).flatten()
    return int(rows[-1] - rows[0]) + 1, int(cols[-1] - cols[0]) + 1


def compare(pair: Pair, channels: int, size: int, device: torch.device, repeat: int = 5) -> dict[str, Any]:
    """Both sides of ``pair`` at ``channels`` channels on a (1, C, size, size) input: parameters, multiply-adds,
    receptive field and median forward time (ms) on ``device``."""
    if channels < 4 or channels % 4:
        raise ValueError(f"channels must be a positive multiple of 4 (the bottleneck divides by 4), got {channels}")
    with seeded(0):
        big, small = pair.build(channels)
    out: dict[str, Any] = {"id": pair.id, "title": pair.title, "channels": channels, "size": size}
    x = torch.randn(1, channels, size, size, generator=torch.Generator().manual_seed(1)).to(device)  # (1, C, S, S)
    for side, model, words in (("big", big, pair.big), ("small", small, pair.small)):
        field = measured_field(model, channels)
        model = model.to(device).eval()

        def forward(m: nn.Module = model) -> Tensor:
            return m(x)

        with torch.no_grad():
            ms = median_ms(forward, device, repeat=repeat, warmup=1)
        out[side] = {
            "block": words,
            "parameters": sum(p.numel() for p in model.parameters()),
            "macs": count_macs(model, x),
            "field": list(field),
            "ms": round(ms, 3),
        }
    out["parameter_ratio"] = round(out["small"]["parameters"] / out["big"]["parameters"], 4)
    out["mac_ratio"] = round(out["small"]["macs"] / out["big"]["macs"], 4)
    out["time_ratio"] = round(out["small"]["ms"] / out["big"]["ms"], 3)
    return out
