"""Convolution arithmetic as plain functions: output sizes and receptive fields.

The formulas are those of Dumoulin & Visin, "A guide to convolution arithmetic for deep learning" (2016), in the
conventions of ``torch.nn.Conv2d`` / ``ConvTranspose2d`` (one spatial dimension; apply per axis). Every argument
is checked: a bad value raises ``ValueError`` naming it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

_LAYER_KEYS = {"kernel", "stride", "dilation", "padding"}


def _int(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")
    return value


def output_size(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Length of a convolution's (or pooling's) output along one axis of length ``n``:
    ``floor((n + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1``."""
    n, kernel = _int("n", n, 1), _int("kernel", kernel, 1)
    stride, padding, dilation = _int("stride", stride, 1), _int("padding", padding, 0), _int("dilation", dilation, 1)
    span = dilation * (kernel - 1) + 1  # input pixels one output reads, end to end
    if n + 2 * padding < span:
        raise ValueError(
            f"the kernel spans {span} pixels (kernel {kernel}, dilation {dilation}) but the padded input has only "
            f"{n + 2 * padding}; use a smaller kernel or dilation, or more padding"
        )
    return (n + 2 * padding - span) // stride + 1


def transposed_output_size(
    n: int, kernel: int, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> int:
    """Length of a transposed convolution's output along one axis of length ``n``:
    ``(n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1``. As in PyTorch,
    ``output_padding`` must be smaller than ``stride`` or ``dilation``."""
    n, kernel = _int("n", n, 1), _int("kernel", kernel, 1)
    stride, padding, dilation = _int("stride", stride, 1), _int("padding", padding, 0), _int("dilation", dilation, 1)
    output_padding = _int("output_padding", output_padding, 0)
    if output_padding >= max(stride, dilation):
        raise ValueError(
            f"output_padding ({output_padding}) must be smaller than stride ({stride}) or dilation ({dilation})"
        )
    size = (n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if size < 1:
        raise ValueError(f"padding {padding} removes the whole output (it would have {size} pixels); use less")
    return size


def receptive_field(layers: Sequence[Mapping[str, int]]) -> int:
    """Receptive field, in input pixels along one axis, of one unit of the last of ``layers``.

    Each layer is a mapping with ``kernel``, ``stride`` and ``dilation`` (missing keys default to 1; ``padding`` is
    allowed and ignored, since it moves the field but does not change its size). Walking from the input, each layer
    widens the field by ``dilation * (kernel - 1)`` steps of the current jump, then multiplies the jump by its
    stride: ``r += d * (k - 1) * jump; jump *= s``.
    """
    if isinstance(layers, Mapping | str | bytes) or not isinstance(layers, Sequence):
        raise ValueError("layers must be a sequence of dicts with keys kernel, stride, dilation")
    field, jump = 1, 1
    for i, layer in enumerate(layers):
        if not isinstance(layer, Mapping):
            raise ValueError(f"layer {i} must be a dict with keys kernel, stride, dilation, got {layer!r}")
        unknown = set(layer) - _LAYER_KEYS
        if unknown:
            raise ValueError(f"layer {i} has unknown keys {sorted(unknown)}; use kernel, stride, dilation")
        kernel = _int(f"layer {i} kernel", layer.get("kernel", 1), 1)
        stride = _int(f"layer {i} stride", layer.get("stride", 1), 1)
        dilation = _int(f"layer {i} dilation", layer.get("dilation", 1), 1)
        _int(f"layer {i} padding", layer.get("padding", 0), 0)
        field += dilation * (kernel - 1) * jump
        jump *= stride
    return field


def conv_reads(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> list[list[int]]:
    """Which inputs each output of a convolution reads, along one axis: entry ``i`` lists the input indices of
    output ``i``'s window, left to right. Indices below 0 or at least ``n`` fall on the zero padding."""
    size = output_size(n, kernel, stride, padding, dilation)
    return [[i * stride - padding + u * dilation for u in range(kernel)] for i in range(size)]


def transposed_reads(
    n: int, kernel: int, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> tuple[list[int], list[list[int]]]:
    """A transposed convolution drawn as the direct convolution it equals (Dumoulin & Visin, section 4): the
    input is stretched by ``stride - 1`` zeros between values and padded by ``q = dilation * (kernel - 1) -
    padding`` zeros on the left (``q + output_padding`` on the right); a stride-1 convolution with the same
    (flipped) kernel and dilation slides over it.

    Returns ``cells`` -- for every cell of the stretched input, the input index it holds, or -1 for an inserted
    or padding zero -- and ``reads``: for output ``i``, the stretched cells its window covers. When ``padding``
    exceeds ``dilation * (kernel - 1)`` the stretched input is cropped instead of padded, as PyTorch does."""
    size = transposed_output_size(n, kernel, stride, padding, output_padding, dilation)
    q = dilation * (kernel - 1) - padding
    length = size + dilation * (kernel - 1)  # = (n - 1) * stride + 1 + 2q + output_padding
    cells = []
    for t in range(length):
        offset = t - q
        inside = offset >= 0 and offset % stride == 0 and offset // stride < n
        cells.append(offset // stride if inside else -1)
    reads = [[i + u * dilation for u in range(kernel)] for i in range(size)]
    return cells, reads


def field_table(layers: Sequence[Mapping[str, int]]) -> list[dict[str, int]]:
    """Layer by layer: the receptive field of one unit after that layer and the jump (input pixels between two
    neighbouring units), as :func:`receptive_field` walks the stack. Same validation."""
    return [
        {"layer": i + 1, "field": receptive_field(layers[: i + 1]), "jump": _jump(layers[: i + 1])}
        for i in range(len(layers))
    ]


def _jump(layers: Sequence[Mapping[str, int]]) -> int:
    jump = 1
    for layer in layers:
        jump *= int(layer.get("stride", 1))
    return jump


def im2col_shape(
    channels: int, height: int, width: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> tuple[int, int]:
    """(rows, columns) of the im2col matrix of one (channels, height, width) image and a square ``kernel``: one
    row per filter weight (channels * kernel^2), one column per output pixel."""
    channels = _int("channels", channels, 1)
    h_out = output_size(height, kernel, stride, padding, dilation)
    w_out = output_size(width, kernel, stride, padding, dilation)
    return channels * kernel * kernel, h_out * w_out
