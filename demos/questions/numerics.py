"""Computed questions on how the arithmetic is done: FFT sizes, Strassen's multiplication count, float16 limits.

FFT sizes and float16 values come from running torch (``torch.fft``, ``torch.float16`` tensors); the Strassen
count from :func:`strassen_multiplications`, which follows the recursion and counts.
"""

from __future__ import annotations

import math
import random

from demos.questions.core import Instance, NumberAnswer, Template


def strassen_multiplications(n: int, leaf: int = 1) -> int:
    """Scalar multiplications Strassen's recursion uses for two n x n matrices (n a power of two): 7 products of
    n/2 x n/2 blocks per level, and the schoolbook ``leaf**3`` once the blocks are ``leaf`` x ``leaf``."""
    if n < 1 or n & (n - 1) or leaf < 1 or leaf & (leaf - 1):
        raise ValueError(f"n and leaf must be powers of two, got n={n}, leaf={leaf}")
    if n <= leaf:
        return n**3
    return 7 * strassen_multiplications(n // 2, leaf)


def _rfft_length(rng: random.Random) -> Instance:
    import torch

    n = rng.choice([8, 10, 16, 31, 32, 64, 100, 128, 255, 256])
    length = torch.fft.rfft(torch.zeros(n)).shape[0]
    return Instance(
        prompt=f"torch.fft.rfft transforms a real signal of {n} samples. How many complex coefficients does it return?",
        answer=NumberAnswer(length),
        explanation=f"A real signal's spectrum is symmetric, so only frequencies 0 to floor({n}/2) are kept: "
        f"{n} // 2 + 1 = {length}.",
        params=dict(n=n),
        computed_by="torch.fft.rfft",
    )


def _fft_padding(rng: random.Random) -> Instance:
    import torch

    n, k = rng.randrange(6, 25), rng.randrange(2, 8)
    g = torch.Generator().manual_seed(rng.randrange(2**31))
    x, w = torch.randn(n, generator=g, dtype=torch.float64), torch.randn(k, generator=g, dtype=torch.float64)
    full = torch.nn.functional.conv1d(
        x.view(1, 1, -1), w.flip(0).view(1, 1, -1), padding=k - 1
    ).flatten()  # (n + k - 1,) the linear convolution
    size = max(n, k)
    while True:  # the shortest FFT whose circular convolution equals the linear one
        via_fft = torch.fft.irfft(torch.fft.rfft(x, size) * torch.fft.rfft(w, size), size)  # (size,) circular
        padded = torch.nn.functional.pad(via_fft, (0, max(0, full.numel() - size)))[: full.numel()]
        if torch.allclose(padded, full):
            break
        size += 1
    return Instance(
        prompt=f"A signal of {n} samples is convolved with a filter of {k} taps through the FFT. What is the "
        "shortest FFT length that gives the full linear convolution, with no wrap-around?",
        answer=NumberAnswer(size),
        explanation=f"The full convolution has {n} + {k} − 1 = {size} samples; any shorter FFT wraps the end "
        "onto the start (a circular convolution). Found by trying lengths until the FFT result matched conv1d.",
        params=dict(n=n, k=k),
        computed_by="torch.fft.rfft / irfft against torch.nn.functional.conv1d",
    )


def _strassen(rng: random.Random) -> Instance:
    k = rng.randrange(1, 8)
    n = 2**k
    leaf = rng.choice([1, 1, 2, 4]) if k > 2 else 1
    count = strassen_multiplications(n, leaf)
    below = f"down to {leaf} × {leaf} blocks multiplied the schoolbook way" if leaf > 1 else "all the way down to 1 × 1"
    return Instance(
        prompt=f"Strassen's algorithm multiplies two {n} × {n} matrices, recursing {below}. How many scalar "
        "multiplications does it use?",
        answer=NumberAnswer(count),
        explanation=f"7 block products per level instead of 8: {count:,} against {n**3:,} for the schoolbook method.",
        params=dict(n=n, leaf=leaf),
        computed_by="demos.questions.numerics:strassen_multiplications",
    )


def _half(value: float) -> float:
    import torch

    return float(torch.tensor(value, dtype=torch.float32).to(torch.float16).item())


def _f16_overflow(rng: random.Random) -> Instance:
    value = rng.choice([rng.randrange(60_000, 65_504), rng.randrange(65_505, 66_000), rng.randrange(66_000, 90_000)])
    stored = _half(value)
    return Instance(
        prompt=f"The number {value:,} is stored as a float16. What value does it hold? (Type inf if it overflows.)",
        answer=NumberAnswer(stored),
        explanation=f"float16's largest finite value is 65,504 and near it the spacing is 32, so {value:,} becomes "
        f"{'inf' if math.isinf(stored) else f'{stored:,.0f}'}.",
        params=dict(value=value),
        computed_by="torch.tensor(..., dtype=torch.float16)",
    )


def _f16_underflow(rng: random.Random) -> Instance:
    exponent = rng.randrange(4, 10)
    mantissa = rng.choice([1, 2, 3, 5])
    value = mantissa * 10.0**-exponent
    stored = _half(value)
    return Instance(
        prompt=f"A gradient of {mantissa}e-{exponent} is stored as a float16. What value does it hold? (0 if it "
        "underflows; three significant digits are enough.)",
        answer=NumberAnswer(stored, digits=3, rel=0.01),
        explanation=f"float16's smallest normal value is 2^-14 ≈ 6.1e-5 and its smallest subnormal 2^-24 ≈ 6e-8; "
        f"{value:g} becomes {stored:.3g}.",
        params=dict(value=value),
        computed_by="torch.tensor(..., dtype=torch.float16)",
    )


def _f16_spacing(rng: random.Random) -> Instance:
    power = rng.randrange(10, 15)
    base, extra = 2**power, rng.randrange(1, 2 ** (power - 10) + 1)
    stored = _half(base + extra)
    return Instance(
        prompt=f"In float16, what is {base:,} + {extra} (both exact, the sum rounded to the nearest float16)?",
        answer=NumberAnswer(stored),
        explanation=f"float16 has 10 fraction bits, so between {base:,} and {2 * base:,} the spacing is "
        f"2^{power - 10} = {2 ** (power - 10)}: {base + extra:,} rounds to {stored:,.0f}.",
        params=dict(base=base, extra=extra),
        computed_by="torch.tensor(..., dtype=torch.float16)",
    )


def _loss_scale(rng: random.Random) -> Instance:
    import torch

    exponent = rng.randrange(6, 12)
    gradient = rng.choice([1, 2, 4]) * 10.0**-exponent
    smallest_normal = torch.finfo(torch.float16).tiny
    shift = next(s for s in range(40) if _half(gradient * 2**s) >= smallest_normal)
    return Instance(
        prompt=f"Mixed-precision training multiplies the loss by 2^s. What is the smallest s that turns a gradient "
        f"of {gradient:g} into a normal (not subnormal) float16?",
        answer=NumberAnswer(shift),
        explanation=f"The smallest normal float16 is 2^-14 ≈ {smallest_normal:.3g}; {gradient:g} · 2^{shift} is the "
        "first power-of-two scaling at or above it.",
        params=dict(gradient=gradient),
        computed_by="torch.finfo(torch.float16).tiny",
    )


TEMPLATES: tuple[Template, ...] = (
    Template("rfft-length", ("fft-convolution",), "Length of a real FFT", _rfft_length),
    Template("fft-linear-size", ("fft-convolution",), "FFT length for a linear convolution", _fft_padding),
    Template("strassen-count", ("strassen-algorithm",), "Multiplications in Strassen's algorithm", _strassen),
    Template("float16-overflow", ("low-precision-training",), "float16 near its largest value", _f16_overflow),
    Template("float16-underflow", ("low-precision-training",), "Small numbers in float16", _f16_underflow),
    Template("float16-spacing", ("low-precision-training",), "Rounding between float16 values", _f16_spacing),
    Template("loss-scale", ("low-precision-training",), "Loss scale for a small gradient", _loss_scale),
)
