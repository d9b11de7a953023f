"""Claims of the GPU lab that this machine can measure: why matrix multiplication suits parallel hardware."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "matmul-is-compute-bound",
        ("gpus-for-deep-learning", "im2col"),
        "A 1,024 × 1,024 matrix multiply does 2n³ operations on 3n² numbers, so it keeps the arithmetic units "
        "busy: on this device it runs at more than 5 times the GFLOP/s of adding the same two matrices, which "
        "waits on memory.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    import torch

    from demos.common import generator, time_ms

    n = 1024
    gen = generator(ctx.seed)
    a = torch.randn(n, n, generator=gen).to(ctx.device)
    b = torch.randn(n, n, generator=gen).to(ctx.device)
    repeat = 9 if ctx.full else 5
    mm_ms = min(time_ms(lambda: a @ b, ctx.device, repeat=repeat, warmup=1))
    add_ms = min(time_ms(lambda: a + b, ctx.device, repeat=repeat, warmup=1))
    mm = 2 * n**3 / mm_ms / 1e6
    add = n * n / add_ms / 1e6
    return {
        "matmul-is-compute-bound": outcome(
            mm > 5 * add, n=n, matmul_gflops=round(mm, 2), add_gflops=round(add, 3), ratio=round(mm / add, 1)
        )
    }
