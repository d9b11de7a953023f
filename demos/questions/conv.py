"""Computed questions on convolutions: output sizes, receptive fields, parameter and multiply-add counts, im2col.

Sizes come from :mod:`demos.conv.arithmetic` (the formulas the convolution lab uses) or from running the layer;
parameter counts from real ``torch.nn`` modules, built on the meta device (no memory, no random draws).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from demos.conv.arithmetic import output_size, receptive_field, transposed_output_size
from demos.questions.core import Instance, LayersFigure, NumberAnswer, Template

if TYPE_CHECKING:
    import torch


@contextmanager
def _meta() -> Iterator[None]:
    """Build modules on the meta device under the shared lock, so no global random state is touched."""
    from demos.common import seeded

    with seeded(0):
        yield


def parameters(build: Callable[[], torch.nn.Module]) -> int:
    """Number of parameters of the module ``build()`` makes, counted by torch (``numel`` of each parameter)."""
    import torch

    with _meta(), torch.device("meta"):
        module = build()
    return sum(p.numel() for p in module.parameters())


@contextmanager
def _no_grad() -> Iterator[None]:
    import torch

    with torch.no_grad():
        yield


def output_shape(build: Callable[[], torch.nn.Module], shape: tuple[int, ...]) -> tuple[int, ...]:
    """Shape of ``build()(x)`` for an input of ``shape`` (batch first), computed by running it on the meta
    device."""
    import torch

    with _meta(), torch.device("meta"), _no_grad():
        return tuple(build()(torch.empty(shape)).shape)


Layer = tuple[str, int, int, int]  # (kind "conv" or "pool", kernel, stride, dilation)


def _fields(layers: list[Layer]) -> list[dict[str, int]]:
    return [{"kernel": k, "stride": s, "dilation": d} for _, k, s, d in layers]


def _describe(layers: list[Layer]) -> str:
    return ", then ".join(f"{k}×{k} {kind} stride {s}" for kind, k, s, _ in layers)


def _stack_figure(layers: list[Layer]) -> LayersFigure:
    rows = []
    for kind, k, s, d in layers:
        detail = ", ".join(x for x in (f"stride {s}" if s > 1 else "", f"dilation {d}" if d > 1 else "") if x)
        rows.append((f"{k}×{k} {kind}", detail or "stride 1"))
    return LayersFigure(tuple(rows), caption="The stack, input on the left; each box is one layer.")


# ------------------------------------------------------------------------------------------------ sizes


def _conv_output(rng: random.Random) -> Instance:
    h, w = rng.randrange(20, 129), rng.randrange(20, 129)
    k = rng.choice([1, 3, 5, 7])
    s, p = rng.choice([1, 2, 2, 3]), rng.randrange(0, k // 2 + 1)
    out = output_size(h, k, s, p)
    return Instance(
        prompt=f"A {h} × {w} feature map goes through a {k} × {k} convolution with stride {s} and padding {p}. "
        "How many rows does the output have?",
        answer=NumberAnswer(out),
        explanation=f"floor(({h} + 2·{p} − {k}) / {s}) + 1 = {out}.",
        params=dict(h=h, w=w, k=k, s=s, p=p),
        computed_by="demos.conv.arithmetic:output_size",
        figure=LayersFigure(
            ((f"{h}×{w} input", ""), (f"{k}×{k} conv", f"stride {s}, padding {p}"), ("output", "? rows"))
        ),
    )


def _stride_1d(rng: random.Random) -> Instance:
    k = rng.choice([2, 3, 4, 5])
    s = rng.choice([2, 3, 4])
    n = k + s * rng.randrange(2, 12) + rng.randrange(0, s)
    out = output_size(n, k, s)
    return Instance(
        prompt=f"A signal of {n} values is convolved with a {k}-wide filter, no padding, stride {s}. How many "
        "outputs are there?",
        answer=NumberAnswer(out),
        explanation=f"The filter fits at positions 0, {s}, {2 * s}, …, up to {n - k}: floor(({n} − {k}) / {s}) + 1 = "
        f"{out}.",
        params=dict(n=n, k=k, s=s),
        computed_by="demos.conv.arithmetic:output_size",
    )


def _dilated_output(rng: random.Random) -> Instance:
    n, k, d = rng.randrange(16, 65), rng.choice([3, 5]), rng.choice([2, 3, 4])
    p = rng.choice([0, d])
    out = output_size(n, k, 1, p, d)
    span = d * (k - 1) + 1
    return Instance(
        prompt=f"A {k} × {k} convolution with dilation {d}, stride 1 and padding {p} runs on a {n} × {n} map. How "
        "many rows does the output have?",
        answer=NumberAnswer(out),
        explanation=f"The dilated kernel spans {d}·({k} − 1) + 1 = {span} pixels, so {n} + 2·{p} − {span} + 1 = {out}.",
        params=dict(n=n, k=k, d=d, p=p),
        computed_by="demos.conv.arithmetic:output_size",
    )


def _transposed_output(rng: random.Random) -> Instance:
    n, k, s = rng.randrange(4, 33), rng.choice([2, 3, 4]), rng.choice([2, 2, 3])
    p = rng.randrange(0, (k + 1) // 2)
    out = transposed_output_size(n, k, s, p)
    return Instance(
        prompt=f"A transposed convolution with a {k} × {k} kernel, stride {s} and padding {p} upsamples a {n} × {n} "
        "map. How many rows does the output have?",
        answer=NumberAnswer(out),
        explanation=f"({n} − 1)·{s} − 2·{p} + {k} = {out}: the inverse of the convolution arithmetic.",
        params=dict(n=n, k=k, s=s, p=p),
        computed_by="demos.conv.arithmetic:transposed_output_size",
    )


def _same_padding(rng: random.Random) -> Instance:
    k, n = rng.choice([3, 5, 7, 9, 11]), rng.randrange(16, 129)
    padding = next(p for p in range(k) if output_size(n, k, 1, p) == n)
    return Instance(
        prompt=f"How much zero padding on each side keeps a {n} × {n} input at {n} × {n} through a {k} × {k} "
        "convolution with stride 1?",
        answer=NumberAnswer(padding),
        explanation=f"The output has {n} + 2p − {k} + 1 rows, which equals {n} when p = ({k} − 1) / 2 = {padding}.",
        params=dict(n=n, k=k),
        computed_by="demos.conv.arithmetic:output_size",
    )


def _pool_output(rng: random.Random) -> Instance:
    n, c = rng.randrange(9, 113), rng.choice([16, 32, 64, 128])
    k, s = rng.choice([(2, 2), (3, 2), (3, 3)])
    out = output_size(n, k, s)
    return Instance(
        prompt=f"A {n} × {n} × {c} feature map goes through {k} × {k} max pooling with stride {s}, no padding. How "
        "many rows does the output have?",
        answer=NumberAnswer(out),
        explanation=f"Pooling follows the convolution arithmetic: floor(({n} − {k}) / {s}) + 1 = {out}; the {c} "
        "channels stay.",
        params=dict(n=n, c=c, k=k, s=s),
        computed_by="demos.conv.arithmetic:output_size",
    )


def _rf_3x3(rng: random.Random) -> Instance:
    n = rng.randrange(2, 9)
    layers: list[Layer] = [("conv", 3, 1, 1)] * n
    rf = receptive_field(_fields(layers))
    return Instance(
        prompt=f"{n} convolutions of 3 × 3 with stride 1 are stacked. How wide is the receptive field of one output "
        "unit, in input pixels?",
        answer=NumberAnswer(rf),
        explanation=f"Each 3 × 3 layer widens the field by 2: 1 + 2·{n} = {rf}.",
        params=dict(layers=layers),
        computed_by="demos.conv.arithmetic:receptive_field",
        figure=_stack_figure(layers),
    )


def _rf_strided(rng: random.Random) -> Instance:
    layers: list[Layer] = [
        ("pool", 2, 2, 1) if rng.random() < 0.35 else ("conv", rng.choice([3, 3, 5]), rng.choice([1, 1, 2]), 1)
        for _ in range(rng.randrange(3, 6))
    ]
    rf = receptive_field(_fields(layers))
    return Instance(
        prompt="How wide is the receptive field, in input pixels, of one unit at the end of this stack (no "
        f"padding needed, no dilation): {_describe(layers)}?",
        answer=NumberAnswer(rf),
        explanation="Walking from the input, each layer adds (kernel − 1) × jump and multiplies the jump by its "
        f"stride: r = {rf}.",
        params=dict(layers=layers),
        computed_by="demos.conv.arithmetic:receptive_field",
        figure=_stack_figure(layers),
    )


def _rf_dilated(rng: random.Random) -> Instance:
    n = rng.randrange(2, 6)
    base = rng.choice([2, 2, 3])
    dilations = [base**i for i in range(n)]
    layers: list[Layer] = [("conv", 3, 1, d) for d in dilations]
    rf = receptive_field(_fields(layers))
    return Instance(
        prompt=f"3 × 3 convolutions with stride 1 and dilations {', '.join(map(str, dilations))} are stacked. How "
        "wide is the receptive field of one output unit?",
        answer=NumberAnswer(rf),
        explanation=f"Each layer adds 2·dilation: 1 + 2·({' + '.join(map(str, dilations))}) = {rf}; it grows "
        "exponentially while the weights grow linearly.",
        params=dict(layers=layers),
        computed_by="demos.conv.arithmetic:receptive_field",
        figure=_stack_figure(layers),
    )


def _layers_for_field(rng: random.Random) -> Instance:
    target = rng.randrange(8, 60)
    n = next(i for i in range(1, 100) if receptive_field([{"kernel": 3}] * i) >= target)
    return Instance(
        prompt=f"How many 3 × 3 convolutions with stride 1 must be stacked for one output unit to see at least "
        f"{target} input pixels across?",
        answer=NumberAnswer(n),
        explanation=f"n layers see 1 + 2n pixels; the smallest n with 1 + 2n ≥ {target} is {n}.",
        params=dict(target=target),
        computed_by="demos.conv.arithmetic:receptive_field",
    )


def _causal_field(rng: random.Random) -> Instance:
    n = rng.randrange(3, 8)
    layers = [{"kernel": 2, "dilation": 2**i} for i in range(n)]
    rf = receptive_field(layers)
    return Instance(
        prompt=f"A WaveNet-style stack has {n} causal 1-D convolutions with kernel 2 and dilations 1, 2, 4, …, "
        f"{2 ** (n - 1)}. How many past and present samples does one output see?",
        answer=NumberAnswer(rf),
        explanation=f"Each layer adds its dilation: 1 + (1 + 2 + … + {2 ** (n - 1)}) = 2^{n} = {rf}.",
        params=dict(n=n),
        computed_by="demos.conv.arithmetic:receptive_field",
    )


# ------------------------------------------------------------------------------------------------ parameters


def _conv_params(rng: random.Random) -> Instance:
    import torch

    c_in, c_out, k = rng.choice([3, 16, 32, 64, 128]), rng.choice([16, 32, 64, 128, 256]), rng.choice([1, 3, 5, 7])
    bias = rng.random() < 0.7
    n = parameters(lambda: torch.nn.Conv2d(c_in, c_out, k, bias=bias))
    return Instance(
        prompt=f"How many parameters does a {k} × {k} convolution from {c_in} to {c_out} channels have, "
        f"{'with' if bias else 'without'} bias?",
        answer=NumberAnswer(n),
        explanation=f"{c_out} filters of {k}·{k}·{c_in} weights{f', plus {c_out} biases' if bias else ''} = {n:,}; "
        "the image size does not matter, since the filters are shared.",
        params=dict(c_in=c_in, c_out=c_out, k=k, bias=bias),
        computed_by="torch.nn.Conv2d",
    )


def _conv_macs(rng: random.Random) -> Instance:
    import torch

    size, c_in, c_out, k = rng.choice([14, 28, 56]), rng.choice([16, 32, 64]), rng.choice([16, 32, 64]), 3
    weights = parameters(lambda: torch.nn.Conv2d(c_in, c_out, k, padding=1, bias=False))
    side = output_size(size, k, 1, 1)
    macs = weights * side * side
    return Instance(
        prompt=f"A 3 × 3 convolution with padding 1 maps a {size} × {size} × {c_in} input to {c_out} channels. How "
        "many multiply-adds does it perform (no bias)?",
        answer=NumberAnswer(macs),
        explanation=f"Each of the {side}·{side} output positions applies all {weights:,} weights once: {macs:,}.",
        params=dict(size=size, c_in=c_in, c_out=c_out, k=k),
        computed_by="torch.nn.Conv2d (weights) and demos.conv.arithmetic:output_size",
    )


def _linear_params(rng: random.Random) -> Instance:
    import torch

    n_in, n_out = rng.choice([128, 256, 512, 784, 1024, 2048]), rng.choice([10, 64, 100, 256, 1000])
    n = parameters(lambda: torch.nn.Linear(n_in, n_out))
    return Instance(
        prompt=f"How many parameters does a fully connected layer from {n_in} inputs to {n_out} outputs have, "
        "with bias?",
        answer=NumberAnswer(n),
        explanation=f"{n_in}·{n_out} weights (every input to every output) + {n_out} biases = {n:,}.",
        params=dict(n_in=n_in, n_out=n_out),
        computed_by="torch.nn.Linear",
    )


def _flatten_size(rng: random.Random) -> Instance:
    import torch

    size, c, k = rng.choice([28, 32, 64]), rng.choice([8, 16, 32]), rng.choice([3, 5])
    p = rng.choice([0, k // 2])

    def build() -> torch.nn.Module:
        return torch.nn.Sequential(torch.nn.Conv2d(3, c, k, padding=p), torch.nn.MaxPool2d(2), torch.nn.Flatten())

    (_, length) = output_shape(build, (1, 3, size, size))
    return Instance(
        prompt=f"A {size} × {size} RGB image goes through a {k} × {k} convolution to {c} channels (padding {p}, "
        "stride 1), 2 × 2 max pooling, then flattening. How long is the flattened vector?",
        answer=NumberAnswer(length),
        explanation=f"The map is {c} × h × h with h = floor(({size} + 2·{p} − {k} + 1) / 2); {c}·h·h = {length:,}.",
        params=dict(size=size, c=c, k=k, p=p),
        computed_by="torch.nn.Flatten (run on the meta device)",
        figure=LayersFigure(
            (
                (f"{size}×{size}×3", "image"),
                (f"{k}×{k} conv", f"{c} ch, pad {p}"),
                ("2×2 pool", ""),
                ("flatten", "? values"),
            )
        ),
    )


def _fc_after_flatten(rng: random.Random) -> Instance:
    import torch

    c, h, out = rng.choice([256, 512]), rng.choice([4, 6, 7]), rng.choice([1024, 2048, 4096])
    n = parameters(lambda: torch.nn.Linear(c * h * h, out))
    return Instance(
        prompt=f"The last feature map of a CNN is {c} × {h} × {h}. It is flattened and fed to a fully connected "
        f"layer with {out} outputs. How many parameters does that layer have?",
        answer=NumberAnswer(n),
        explanation=f"{c}·{h}·{h} = {c * h * h:,} inputs × {out} outputs + {out} biases = {n:,}; in VGG this one "
        "layer holds most of the network's weights.",
        params=dict(c=c, h=h, out=out),
        computed_by="torch.nn.Linear",
    )


def _bottleneck(rng: random.Random) -> Instance:
    import torch

    c = rng.choice([64, 128, 256, 512])
    r = rng.choice([2, 4])
    m = c // r

    def block() -> torch.nn.Module:
        return torch.nn.Sequential(
            torch.nn.Conv2d(c, m, 1, bias=False),
            torch.nn.Conv2d(m, m, 3, padding=1, bias=False),
            torch.nn.Conv2d(m, c, 1, bias=False),
        )

    n = parameters(block)
    return Instance(
        prompt=f"A bottleneck block maps {c} channels to {m} with a 1 × 1 convolution, applies a 3 × 3 convolution "
        f"at {m} channels, then a 1 × 1 convolution back to {c}. How many weights does it have (no biases)?",
        answer=NumberAnswer(n),
        explanation=f"{c}·{m} + 9·{m}·{m} + {m}·{c} = {n:,}, against 9·{c}² = {9 * c * c:,} for one 3 × 3 layer "
        f"at {c} channels.",
        params=dict(c=c, m=m),
        computed_by="torch.nn.Conv2d",
        figure=LayersFigure(
            ((f"{c} ch", "input"), ("1×1 conv", f"to {m}"), ("3×3 conv", f"{m} ch"), ("1×1 conv", f"to {c}"))
        ),
    )


def _stack_vs_7x7(rng: random.Random) -> Instance:
    import torch

    c = rng.choice([32, 64, 128, 256])
    big = parameters(lambda: torch.nn.Conv2d(c, c, 7, bias=False))
    stack = parameters(lambda: torch.nn.Sequential(*(torch.nn.Conv2d(c, c, 3, bias=False) for _ in range(3))))
    return Instance(
        prompt=f"With {c} channels in and out and no biases, how many more weights does one 7 × 7 convolution "
        "have than three stacked 3 × 3 convolutions (which see the same 7 × 7 region)?",
        answer=NumberAnswer(big - stack),
        explanation=f"49·{c}² = {big:,} against 3·9·{c}² = {stack:,}: {big - stack:,} more (22·{c}²).",
        params=dict(c=c),
        computed_by="torch.nn.Conv2d",
    )


def _factorised(rng: random.Random) -> Instance:
    import torch

    c, k = rng.choice([32, 64, 128, 192]), rng.choice([3, 5, 7])
    n = parameters(
        lambda: torch.nn.Sequential(
            torch.nn.Conv2d(c, c, (1, k), bias=False), torch.nn.Conv2d(c, c, (k, 1), bias=False)
        )
    )
    return Instance(
        prompt=f"A {k} × {k} convolution on {c} channels (in and out, no bias) is replaced by a 1 × {k} "
        f"convolution followed by a {k} × 1 one. How many weights does the pair have?",
        answer=NumberAnswer(n),
        explanation=f"2·{k}·{c}² = {n:,}, against {k}²·{c}² = {k * k * c * c:,} for the full filter.",
        params=dict(c=c, k=k),
        computed_by="torch.nn.Conv2d",
    )


def _depthwise_separable(rng: random.Random) -> Instance:
    import torch

    c_in, c_out, k = rng.choice([32, 64, 128]), rng.choice([64, 128, 256]), 3
    n = parameters(
        lambda: torch.nn.Sequential(
            torch.nn.Conv2d(c_in, c_in, k, groups=c_in, bias=False), torch.nn.Conv2d(c_in, c_out, 1, bias=False)
        )
    )
    return Instance(
        prompt=f"A depthwise separable convolution maps {c_in} to {c_out} channels: a 3 × 3 depthwise convolution "
        "(one filter per channel) then a 1 × 1 pointwise one. How many weights (no biases)?",
        answer=NumberAnswer(n),
        explanation=f"9·{c_in} + {c_in}·{c_out} = {n:,}, against 9·{c_in}·{c_out} = {9 * c_in * c_out:,} for a plain "
        "3 × 3 convolution.",
        params=dict(c_in=c_in, c_out=c_out, k=k),
        computed_by="torch.nn.Conv2d(groups=in_channels)",
    )


def _conv3d_frames(rng: random.Random) -> Instance:
    import torch

    frames, t, s = rng.randrange(8, 33), rng.choice([2, 3, 5]), rng.choice([1, 1, 2])
    _, _, out, _, _ = output_shape(lambda: torch.nn.Conv3d(3, 8, (t, 3, 3), stride=(s, 1, 1)), (1, 3, frames, 16, 16))
    return Instance(
        prompt=f"A 3D convolution with a temporal extent of {t} frames, temporal stride {s} and no padding runs on "
        f"a clip of {frames} frames. How many frames does its output have?",
        answer=NumberAnswer(out),
        explanation=f"The time axis follows the same arithmetic: floor(({frames} − {t}) / {s}) + 1 = {out}.",
        params=dict(frames=frames, t=t, s=s),
        computed_by="torch.nn.Conv3d (run on the meta device)",
    )


def _conv3d_params(rng: random.Random) -> Instance:
    import torch

    c_in, c_out = rng.choice([3, 64, 128]), rng.choice([64, 128, 256])
    n = parameters(lambda: torch.nn.Conv3d(c_in, c_out, 3))
    return Instance(
        prompt=f"How many parameters does a C3D-style 3 × 3 × 3 convolution from {c_in} to {c_out} channels have, "
        "with bias?",
        answer=NumberAnswer(n),
        explanation=f"{c_out} filters of 3·3·3·{c_in} weights + {c_out} biases = {n:,}: three times a 3 × 3 2D "
        "layer's weights.",
        params=dict(c_in=c_in, c_out=c_out),
        computed_by="torch.nn.Conv3d",
    )


def _temporal_extent(rng: random.Random) -> Instance:
    import torch

    t, k = rng.randrange(2, 11), rng.choice([5, 7, 11])
    n = parameters(lambda: torch.nn.Conv3d(3, 1, (t, k, k), bias=False))
    return Instance(
        prompt=f"A first-layer filter on RGB video is {k} × {k} in space and spans T = {t} frames. How many weights "
        "does one such filter have?",
        answer=NumberAnswer(n),
        explanation=f"{k}·{k} pixels × 3 colour channels × {t} frames = {n:,}.",
        params=dict(t=t, k=k),
        computed_by="torch.nn.Conv3d",
    )


def _recurrent_params(kind: str) -> Callable[[random.Random], Instance]:
    gates = {"RNN": 1, "GRU": 3, "LSTM": 4}[kind]

    def make(rng: random.Random) -> Instance:
        import torch

        x, h = rng.choice([32, 64, 100, 128, 300]), rng.choice([64, 128, 256, 512])
        n = parameters(lambda: getattr(torch.nn, kind)(x, h))
        return Instance(
            prompt=f"How many parameters does a one-layer torch.nn.{kind} with input size {x} and hidden size {h} "
            "have?",
            answer=NumberAnswer(n),
            explanation=f"{gates} block(s) of {h}·{x} input weights + {h}·{h} recurrent weights + two bias vectors "
            f"of {h} (PyTorch keeps two): {gates}·({h}·({x} + {h}) + 2·{h}) = {n:,}.",
            params=dict(x=x, h=h),
            computed_by=f"torch.nn.{kind}",
        )

    return make


def _im2col_columns(rng: random.Random) -> Instance:
    import torch

    c, size, k = rng.choice([3, 16, 64]), rng.choice([16, 28, 32]), rng.choice([3, 5])
    s, p = rng.choice([1, 2]), rng.choice([0, k // 2])
    with _no_grad():
        rows, cols = torch.nn.functional.unfold(torch.zeros(1, c, size, size), k, padding=p, stride=s).shape[1:]
    return Instance(
        prompt=f"im2col lays out a {size} × {size} × {c} input for a {k} × {k} convolution with stride {s} and "
        f"padding {p}: one column per output position. How many columns does the matrix have?",
        answer=NumberAnswer(cols),
        explanation=f"One column per output position: {cols // output_size(size, k, s, p)}² = {cols:,}, each "
        f"holding {k}·{k}·{c} = {rows:,} values.",
        params=dict(c=c, size=size, k=k, s=s, p=p),
        computed_by="torch.nn.functional.unfold",
    )


def _im2col_size(rng: random.Random) -> Instance:
    import torch

    c, size, k = rng.choice([3, 16, 32]), rng.choice([8, 16, 32]), rng.choice([3, 5])
    with _no_grad():
        matrix = torch.nn.functional.unfold(torch.zeros(1, c, size, size), k, padding=k // 2)
    n = matrix.numel()
    return Instance(
        prompt=f"im2col unfolds a {size} × {size} × {c} input for a {k} × {k} convolution with stride 1 and "
        f"padding {k // 2}. How many numbers does the unfolded matrix hold (the input holds {size * size * c:,})?",
        answer=NumberAnswer(n),
        explanation=f"{k}·{k}·{c} rows × {size}·{size} columns = {n:,}: each input value is copied up to {k * k} "
        "times, the memory price of turning the convolution into one matrix product.",
        params=dict(c=c, size=size, k=k),
        computed_by="torch.nn.functional.unfold",
    )


def _crops(rng: random.Random) -> Instance:
    image, crop = rng.choice([(256, 224), (256, 227), (240, 224), (128, 112)])
    positions = output_size(image, crop) ** 2
    n = 2 * positions
    return Instance(
        prompt=f"Random {crop} × {crop} crops are cut from a {image} × {image} training image, each possibly "
        "flipped horizontally. How many different crops are there?",
        answer=NumberAnswer(n),
        explanation=f"({image} − {crop} + 1)² = {positions:,} positions, times 2 for the flip: {n:,}.",
        params=dict(image=image, crop=crop),
        computed_by="demos.conv.arithmetic:output_size (a crop is a window with stride 1)",
    )


def _windows(rng: random.Random) -> Instance:
    w, h = rng.choice([(320, 240), (640, 480), (400, 300)])
    win, s = rng.choice([(64, 16), (64, 32), (96, 32), (128, 32)])
    n = output_size(w, win, s) * output_size(h, win, s)
    return Instance(
        prompt=f"A {win} × {win} window slides over a {w} × {h} image in steps of {s} pixels, at one scale. How many "
        "windows does the classifier see?",
        answer=NumberAnswer(n),
        explanation=f"(floor(({w} − {win}) / {s}) + 1) × (floor(({h} − {win}) / {s}) + 1) = {n:,}; at several "
        "scales, many more: why sliding windows are slow.",
        params=dict(w=w, h=h, win=win, s=s),
        computed_by="demos.conv.arithmetic:output_size (a window is a kernel with a stride)",
    )


TEMPLATES: tuple[Template, ...] = (
    Template("conv-output-size", ("convolution",), "Output size of a convolution", _conv_output),
    Template("stride-output-1d", ("stride",), "Outputs of a strided 1-D convolution", _stride_1d),
    Template("dilated-output-size", ("dilated-convolution",), "Output size of a dilated convolution", _dilated_output),
    Template(
        "transposed-output-size",
        ("transposed-convolution", "fcn-upsampling"),
        "Output size of a transposed convolution",
        _transposed_output,
    ),
    Template("same-padding", ("convolution",), "Padding that keeps the size", _same_padding),
    Template("pool-output-size", ("pooling",), "Output size of max pooling", _pool_output),
    Template(
        "rf-3x3-stack", ("receptive-field", "stacked-3x3-convolutions"), "Receptive field of stacked 3×3", _rf_3x3
    ),
    Template("rf-strided-stack", ("receptive-field", "convolution"), "Receptive field with strides", _rf_strided),
    Template("rf-dilated-stack", ("dilated-convolution",), "Receptive field of a dilated stack", _rf_dilated),
    Template(
        "layers-for-field", ("stacked-3x3-convolutions",), "3×3 layers needed for a receptive field", _layers_for_field
    ),
    Template("causal-field", ("causal-convolution",), "Receptive field of a causal dilated stack", _causal_field),
    Template("conv-params", ("convolution",), "Parameters of a convolution", _conv_params),
    Template("conv-macs", ("convolution", "gpus-for-deep-learning"), "Multiply-adds of a convolution", _conv_macs),
    Template("linear-params", ("fully-connected-layer",), "Parameters of a fully connected layer", _linear_params),
    Template("flatten-size", ("flattening",), "Length after flattening", _flatten_size),
    Template(
        "fc-after-flatten",
        ("conv-features-fc-classifier", "fully-connected-layer"),
        "Parameters of the first FC layer",
        _fc_after_flatten,
    ),
    Template("bottleneck-params", ("bottleneck-1x1-convolution",), "Weights of a bottleneck block", _bottleneck),
    Template("stack-vs-7x7", ("stacked-3x3-convolutions",), "Three 3×3 against one 7×7", _stack_vs_7x7),
    Template("factorised-params", ("factorized-convolutions",), "Weights of 1×N then N×1", _factorised),
    Template(
        "depthwise-separable",
        ("depthwise-separable-convolution", "bottleneck-1x1-convolution"),
        "Weights of a depthwise separable convolution",
        _depthwise_separable,
    ),
    Template("conv3d-frames", ("3d-convolution",), "Frames out of a 3D convolution", _conv3d_frames),
    Template("conv3d-params", ("c3d", "3d-convolution"), "Parameters of a 3×3×3 convolution", _conv3d_params),
    Template(
        "temporal-extent", ("temporal-extent-filters",), "Weights of a filter with temporal extent", _temporal_extent
    ),
    Template("rnn-params", ("recurrent-neural-network",), "Parameters of an RNN layer", _recurrent_params("RNN")),
    Template("gru-params", ("gru",), "Parameters of a GRU layer", _recurrent_params("GRU")),
    Template("lstm-params", ("lstm",), "Parameters of an LSTM layer", _recurrent_params("LSTM")),
    Template("im2col-columns", ("im2col",), "Columns of the im2col matrix", _im2col_columns),
    Template("im2col-size", ("im2col",), "Size of the im2col matrix", _im2col_size),
    Template("crop-count", ("random-crops-and-scales",), "Number of random crops", _crops),
    Template("window-count", ("sliding-windows",), "Number of sliding windows", _windows),
)
