"""Claims of the precision lab: the 16-bit formats' range and rounding, and float16 training with and without
loss scaling."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "float16-range",
        ("low-precision-training",),
        "float16 overflows above 65,504 and flushes values below 2^-24 ≈ 6e-8 to zero; bfloat16 keeps float32's "
        "range (up to 3.4e38) with 8 bits of precision against float16's 11 (measured by casting).",
    ),
    ClaimSpec(
        "rounding-error-by-format",
        ("low-precision-training", "gpus-for-deep-learning"),
        "Against float64, a 256 × 256 matrix product and a 3 × 3 convolution are off by about 1e-7 in float32, "
        "1e-4 to 1e-3 in float16, several times more in bfloat16, and more still with int8 dynamic quantisation.",
    ),
    ClaimSpec(
        "float16-needs-loss-scaling",
        ("low-precision-training",),
        "Training an 8-layer sigmoid network with float16 activations and gradients but no loss scaling loses its "
        "small gradients: every first-layer weight gradient is zero, those weights never move and the loss stays at "
        "chance (ln 10 ≈ 2.30); float32 and float16 with torch.amp.GradScaler both bring it below 2.25.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.conv.precision import (
        FLOATS,
        MODES,
        TrainConfig,
        formats,
        load_train,
        mean_tail,
        product_error,
        train_run,
    )

    f = formats()
    errors = {
        op: {fmt: product_error(op, fmt, 256, ctx.device, seed=ctx.seed) for fmt in (*FLOATS, "int8")}
        for op in ("matmul", "conv")
    }
    ordered = all(
        e["float32"] < 1e-6
        and 1e-4 <= e["float16"] <= 1e-3
        and e["bfloat16"] > 3 * e["float16"]
        and e["int8"] > e["bfloat16"]
        for e in errors.values()
    )
    config = TrainConfig(seed=ctx.seed) if ctx.full else TrainConfig(steps=200, images=4096, seed=ctx.seed)
    data = load_train(config.images)
    runs = {mode: train_run(mode, config, ctx.device, data) for mode in MODES}
    end = {mode: mean_tail(r["losses"]) for mode, r in runs.items()}
    zero16 = mean_tail(runs["float16"]["first_layer_zero_grad_share"])
    return {
        "float16-range": outcome(
            f["float16"]["max"] == 65504
            and f["float16"]["overflow"] == 65536
            and f["float16"]["min_positive"] == 2.0**-24
            and f["bfloat16"]["max"] > 3.3e38
            and f["float16"]["eps"] == 2.0**-10
            and f["bfloat16"]["eps"] == 2.0**-7,
            float16_max=f["float16"]["max"],
            float16_min_positive=f["float16"]["min_positive"],
            float16_min_normal=f["float16"]["min_normal"],
            bfloat16_max=f["bfloat16"]["max"],
            float16_eps=f["float16"]["eps"],
            bfloat16_eps=f["bfloat16"]["eps"],
        ),
        "rounding-error-by-format": outcome(
            ordered,
            **{f"{op}_{fmt}": e for op, row in errors.items() for fmt, e in row.items()},
        ),
        "float16-needs-loss-scaling": outcome(
            zero16 == 1.0
            and runs["float16"]["first_layer_moved"] == 0.0
            and abs(end["float16"] - 2.3026) < 0.02
            and end["float32"] < 2.25
            and end["float16-scaled"] < 2.25,
            loss_float32=round(end["float32"], 4),
            loss_float16=round(end["float16"], 4),
            loss_float16_scaled=round(end["float16-scaled"], 4),
            float16_zero_gradient_share=zero16,
            float16_first_layer_moved=runs["float16"]["first_layer_moved"],
            scaled_first_layer_moved=round(runs["float16-scaled"]["first_layer_moved"], 3),
            emulated_float16=runs["float16"]["emulated"],
            steps=config.steps,
        ),
    }
