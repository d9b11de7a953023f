"""Receptive fields measured, not computed: the gradient of one output unit with respect to the input.

An input pixel is in a unit's receptive field exactly when changing it can change the unit. With every weight
set to 1 (and pooling windows treated as averages, so each window passes gradient to all of its inputs) no two
paths can cancel, so the pixels with a non-zero gradient are the field. Its extent, first to last such pixel,
is what :func:`demos.conv.arithmetic.receptive_field` computes from the layer sizes; a dilated stack's field can
have holes inside that extent, which the gradient shows and the formula does not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from demos.conv.arithmetic import receptive_field


def _layer(layer: Mapping[str, int]) -> tuple[int, int, int]:
    return int(layer.get("kernel", 1)), int(layer.get("stride", 1)), int(layer.get("dilation", 1))


def gradient_profile(layers: Sequence[Mapping[str, int]], margin: int = 2) -> Tensor:
    """d(output unit 0 of the last layer) / d(input), along one axis, for a 1-D stack of unpadded all-ones
    convolutions with the given kernel, stride and dilation (float64, so counts of paths stay exact).

    Returns ``Tensor[L]`` over an input of length ``L = field + margin * jump`` -- long enough for every layer to
    have an output -- where entry ``p`` counts the paths from input pixel ``p`` to the unit (0 outside its field).
    """
    field = receptive_field(layers)  # validates the layers
    jump = 1
    for layer in layers:
        jump *= _layer(layer)[1]
    x = torch.zeros(1, 1, field + margin * jump, dtype=torch.float64, requires_grad=True)  # (1, 1, L)
    h = x
    for layer in layers:
        k, s, d = _layer(layer)
        h = F.conv1d(h, torch.ones(1, 1, k, dtype=torch.float64), stride=s, dilation=d)  # (1, 1, L_i)
    h[0, 0, 0].backward()
    assert x.grad is not None
    return x.grad[0, 0]  # (L,)


def empirical_receptive_field(layers: Sequence[Mapping[str, int]]) -> dict[str, Any]:
    """The receptive field of one unit of the last layer, read off :func:`gradient_profile`: its extent (first to
    last input pixel with a non-zero gradient), how many pixels inside that extent actually reach the unit
    (fewer than the extent when dilation leaves holes) and the profile itself (a list, for plotting)."""
    grad = gradient_profile(layers)  # (L,)
    hit = torch.nonzero(grad).flatten()
    extent = int(hit[-1] - hit[0]) + 1
    return {
        "extent": extent,
        "pixels_reached": int(hit.numel()),
        "profile": [int(v) for v in grad[: extent + int(hit[0])].tolist()],
        "formula": receptive_field(layers),
    }


def causal_jacobian(kernel: int, dilations: Sequence[int], length: int, causal: bool, seed: int = 0) -> Tensor:
    """How much each input step moves each output step of a 1-D stack of convolutions with tanh between them:
    ``J[t, p] = |d y[t] / d x[p]|`` (Tensor[T, T], float64), with random weights from a private generator.

    ``causal=True`` pads each layer on the left only, by ``dilation * (kernel - 1)``, so y[t] reads only x[<= t]
    (WaveNet's causal convolution); ``causal=False`` pads both sides equally, so the output also sees the future.
    """
    if kernel < 1 or length < 1 or not dilations or min(dilations) < 1:
        raise ValueError("kernel, length and every dilation must be positive, with at least one layer")
    gen = torch.Generator().manual_seed(seed)
    weights = [torch.randn(1, 1, kernel, generator=gen, dtype=torch.float64) for _ in dilations]

    def stack(x: Tensor) -> Tensor:  # (T,) -> (T,)
        h = x.view(1, 1, -1)  # (1, 1, T)
        for w, d in zip(weights, dilations, strict=True):
            total = d * (kernel - 1)
            left = total if causal else total // 2
            h = torch.tanh(F.conv1d(F.pad(h, (left, total - left)), w, dilation=d))  # (1, 1, T)
        return h.view(-1)

    x = torch.randn(length, generator=gen, dtype=torch.float64)  # (T,)
    jac = torch.autograd.functional.jacobian(stack, x)  # (T, T): row t = d y[t] / d x
    assert isinstance(jac, Tensor)
    return jac.abs()


def layer_table(model: nn.Module, input_shape: Sequence[int]) -> list[dict[str, Any]]:
    """What torch reports, layer by layer, for one input of ``input_shape`` (without the batch axis): each leaf
    module's name, type, output shape and number of parameters, from forward hooks on a real forward pass."""
    rows: list[dict[str, Any]] = []
    hooks = []
    for name, module in model.named_modules():
        if next(module.children(), None) is not None:
            continue

        def hook(mod: nn.Module, args: Any, out: Tensor, name: str = name) -> None:
            rows.append(
                {
                    "layer": name,
                    "type": type(mod).__name__,
                    "output_shape": list(out.shape[1:]),
                    "values": int(out[0].numel()),
                    "parameters": sum(p.numel() for p in mod.parameters()),
                }
            )

        hooks.append(module.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model(torch.zeros(1, *input_shape))
    finally:
        for h in hooks:
            h.remove()
    return rows
