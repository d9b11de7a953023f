"""What the optical-flow lab claims, and how it measures them (see demos/claims.py for the contract)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "farneback-beats-zero-flow",
        ("optical-flow", "opencv-practice-programs"),
        "Farnebäck's dense flow has a mean endpoint error under half the zero-flow baseline's, both on "
        "64 x 64 clips of moving shapes over a panning textured background and on photos warped by a known "
        "shift, turn and zoom.",
    ),
    ClaimSpec(
        "flat-regions-aperture",
        ("optical-flow",),
        "Flow is only measurable where the image has texture: Farnebäck's error inside the shapes' flat, uniformly "
        "coloured interiors is over three times its error on the textured background (the aperture problem).",
    ),
    ClaimSpec(
        "corners-track-subpixel",
        ("optical-flow", "opencv-practice-programs"),
        "Corners tracked by pyramidal Lucas-Kanade and SIFT key points matched between two frames both land within "
        "a quarter pixel of their true position at the median, on the clips and on the warped photos.",
    ),
    ClaimSpec(
        "moved-pixels-rough",
        ("optical-flow", "opencv-practice-programs"),
        "Colouring the pixels whose Farnebäck flow is longer than 0.5 px finds the moving shapes under a still "
        "camera with F1 of at least 0.5 but not exactly (F1 below 0.9): the smoothed flow spills past the shapes' "
        "edges and fades inside their flat interiors.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.video.flow_lab import EVAL_SEED, PANNING, STILL, clip_summary, photo_pairs, summary

    n = 12 if ctx.full else 3
    pan = clip_summary(n, EVAL_SEED + ctx.seed, PANNING)
    still = clip_summary(n, EVAL_SEED + 1000 + ctx.seed, STILL)
    photos = summary(list(photo_pairs().values()))
    ratio_clips = pan["epe_farneback"] / pan["epe_zero_flow"]
    ratio_photos = photos["epe_farneback"] / photos["epe_zero_flow"]
    aperture = pan["epe_farneback_shapes"] / pan["epe_farneback_background"]
    medians = {
        "lk_clips": pan["lk_median_error"],
        "sift_clips": pan["sift_median_error"],
        "lk_photos": photos["lk_median_error"],
        "sift_photos": photos["sift_median_error"],
    }
    common = {"clips": n, "frame_pairs": pan["pairs"], "photos": photos["pairs"]}
    return {
        "farneback-beats-zero-flow": outcome(
            ratio_clips < 0.5 and ratio_photos < 0.5,
            epe_farneback_clips=pan["epe_farneback"],
            epe_zero_clips=pan["epe_zero_flow"],
            epe_farneback_photos=photos["epe_farneback"],
            epe_zero_photos=photos["epe_zero_flow"],
            **common,
        ),
        "flat-regions-aperture": outcome(
            aperture > 3,
            epe_shapes=pan["epe_farneback_shapes"],
            epe_background=pan["epe_farneback_background"],
            ratio=round(aperture, 2),
            **common,
        ),
        "corners-track-subpixel": outcome(
            all(m is not None and m < 0.25 for m in medians.values()),
            **{f"median_error_{k}": v for k, v in medians.items()},
            lk_points=pan["lk_points"] + photos["lk_points"],
            sift_matches=pan["sift_matches"] + photos["sift_matches"],
        ),
        "moved-pixels-rough": outcome(
            0.5 <= still["moved_f1"] < 0.9, moved_f1=still["moved_f1"], clips=n, frame_pairs=still["pairs"]
        ),
    }
