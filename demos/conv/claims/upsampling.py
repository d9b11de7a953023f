"""Claims of the upsampling lab: checkerboard artefacts of stride-2 transposed convolutions, measured, and the
classical upsamplers of the notes' Program #2."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "transposed-checkerboard",
        ("transposed-convolution", "fcn-upsampling"),
        "After the same short training on 4× super-resolution, the network that upsamples with stride-2 "
        "transposed convolutions puts several times more of its output's energy into period-2 (checkerboard) "
        "patterns than the one that resizes then convolves; fed a flat grey image, it still draws a checkerboard, "
        "and resize-then-convolve draws none.",
    ),
    ClaimSpec(
        "classical-order",
        ("hypercolumns", "opencv-practice-programs"),
        "Of the classical upsamplers, bicubic scores a higher PSNR than bilinear, and bilinear than nearest "
        "neighbour, on the held-out photo (4× upsampling).",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.conv.upsampling import Config, compare

    config = Config(seed=ctx.seed) if ctx.full else Config(steps=100, seed=ctx.seed)
    got = compare(config, ctx.device)
    t, r = got["learned"]["transposed"], got["learned"]["resize-conv"]
    c = got["classical"]
    return {
        "transposed-checkerboard": outcome(
            t["checkerboard"] > 3 * r["checkerboard"]
            and t["flat_checkerboard_trained"] > 0.01
            and r["flat_checkerboard_trained"] < 1e-6,
            output_checkerboard_transposed=t["checkerboard"],
            output_checkerboard_resize_conv=r["checkerboard"],
            flat_input_checkerboard_transposed=t["flat_checkerboard_trained"],
            flat_input_checkerboard_resize_conv=r["flat_checkerboard_trained"],
            target_checkerboard=got["target_checkerboard"],
            psnr_transposed=t["psnr"],
            psnr_resize_conv=r["psnr"],
            steps=config.steps,
        ),
        "classical-order": outcome(
            c["bicubic"]["psnr"] > c["bilinear"]["psnr"] > c["nearest"]["psnr"],
            psnr_nearest=c["nearest"]["psnr"],
            psnr_bilinear=c["bilinear"]["psnr"],
            psnr_bicubic=c["bicubic"]["psnr"],
        ),
    }
