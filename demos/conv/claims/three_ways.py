"""Claims of the "three ways to compute a convolution" lab: im2col and the FFT equal the library, what im2col
costs in memory, and where the FFT starts to win on this device."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "equal-to-library",
        ("im2col", "fft-convolution", "convolution"),
        "conv2d_im2col and conv2d_fft give F.conv2d's result within relative error 1e-4 in float32 on 30 random "
        "shapes (im2col also with stride, padding and dilation).",
    ),
    ClaimSpec(
        "im2col-memory",
        ("im2col",),
        "im2col's matrix for a 3 × 3 convolution with stride 1 holds nearly 9 times as many values as its input "
        "(every overlapping window is copied), and 5 × 5 nearly 25 times.",
    ),
    ClaimSpec(
        "fft-wins-only-large-kernels",
        ("fft-convolution", "im2col"),
        "On a 64 × 64 RGB image the FFT is slower than im2col for a 3 × 3 filter and faster for a 31 × 31 one; "
        "the kernel size from which it keeps winning is measured on this device.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    import random

    import torch
    import torch.nn.functional as F

    from demos.conv.ops import conv2d_fft, conv2d_im2col, im2col, relative_error
    from demos.conv.race import crossovers, time_cell

    rng = random.Random(ctx.seed)
    gen = torch.Generator().manual_seed(ctx.seed)
    worst = {"im2col": 0.0, "fft": 0.0}
    shapes = 0
    while shapes < 30:
        n, c, o = rng.randint(1, 3), rng.randint(1, 6), rng.randint(1, 6)
        h, w, kh, kw = rng.randint(1, 24), rng.randint(1, 24), rng.randint(1, 7), rng.randint(1, 7)
        s, p, d = rng.randint(1, 3), rng.randint(0, 3), rng.randint(1, 3)
        if h + 2 * p < d * (kh - 1) + 1 or w + 2 * p < d * (kw - 1) + 1 or h + 2 * p < kh or w + 2 * p < kw:
            continue
        x = torch.randn(n, c, h, w, generator=gen).to(ctx.device)
        wt = torch.randn(o, c, kh, kw, generator=gen).to(ctx.device)
        b = torch.randn(o, generator=gen).to(ctx.device)
        shapes += 1
        worst["im2col"] = max(
            worst["im2col"],
            relative_error(conv2d_im2col(x, wt, b, s, p, d), F.conv2d(x, wt, b, stride=s, padding=p, dilation=d)),
        )
        worst["fft"] = max(worst["fft"], relative_error(conv2d_fft(x, wt, b, p), F.conv2d(x, wt, b, padding=p)))

    x = torch.randn(1, 3, 64, 64, generator=gen)
    blowup = {k: im2col(x, k)[0].numel() / x.numel() for k in (3, 5)}

    kernels = (3, 5, 7, 9, 11, 15, 21, 31) if ctx.full else (3, 7, 15, 31)
    cells = [time_cell(64, k, ctx.device, repeat=5 if ctx.full else 3, seed=ctx.seed) for k in kernels]
    first, last = cells[0], cells[-1]
    return {
        "equal-to-library": outcome(
            max(worst.values()) <= 1e-4,
            shapes=shapes,
            worst_im2col_error=worst["im2col"],
            worst_fft_error=worst["fft"],
        ),
        "im2col-memory": outcome(
            8 < blowup[3] <= 9 and 20 < blowup[5] <= 25,
            values_per_input_value_3x3=round(blowup[3], 3),
            values_per_input_value_5x5=round(blowup[5], 3),
        ),
        "fft-wins-only-large-kernels": outcome(
            first["fft_ms"] > first["im2col_ms"] and last["fft_ms"] < last["im2col_ms"],
            fft_ms_3x3=first["fft_ms"],
            im2col_ms_3x3=first["im2col_ms"],
            fft_ms_31x31=last["fft_ms"],
            im2col_ms_31x31=last["im2col_ms"],
            fft_wins_from_kernel=crossovers(cells)["64"],
            kernels=list(kernels),
            cells=cells,
        ),
    }
