"""What the superpixel lab claims, and how it measures them (see demos/claims.py for the contract)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "superpixels-follow-edges",
        ("multiscale-segmentation",),
        "SLIC superpixels (48 asked for per 64 px scene) put over 90% of the true object-edge pixels within 1 px of "
        "a superpixel edge; a square grid with as many cells finds under 60%.",
    ),
    ClaimSpec(
        "scale-trades-precision-for-recall",
        ("multiscale-segmentation",),
        "From the coarse to the fine SLIC scale (16 to 144 segments asked for) boundary recall rises and boundary "
        "precision falls: more regions find more of the true edges and draw more edges that are not there.",
    ),
    ClaimSpec(
        "graph-merging-on-flat-colour",
        ("multiscale-segmentation",),
        "On these flat-coloured scenes Felzenszwalb's graph merging, which cuts where colour changes, finds over 99% "
        "of the object edges at its coarsest scale with fewer regions than SLIC's middle scale, which finds fewer.",
    ),
    ClaimSpec(
        "superpixels-clean-up-fcn",
        ("multiscale-segmentation", "semantic-segmentation"),
        "Averaging the skip-less FCN's class probabilities within SLIC superpixels (144 asked for) raises its "
        "held-out mean IoU by at least 0.03: its blurry 8x-upsampled labels snap to the image's edges.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.seg.data import TEST_SEED
    from demos.seg.superpixels import scene_report

    scenes = 100 if ctx.full else 12
    r = scene_report(scenes, TEST_SEED + ctx.seed, ctx.device)
    slic, felz = r["levels"]["slic"], r["levels"]["felzenszwalb"]
    sg, pooling = r["slic_vs_grid"], r["pooling"]
    common = {"scenes": scenes, "tolerance_px": 1}
    return {
        "superpixels-follow-edges": outcome(
            sg["slic_boundary_recall"] > 0.9 and sg["grid_boundary_recall"] < 0.6,
            slic_boundary_recall=sg["slic_boundary_recall"],
            grid_boundary_recall=sg["grid_boundary_recall"],
            slic_segments=slic[1]["segments"],
            **common,
        ),
        "scale-trades-precision-for-recall": outcome(
            slic[0]["boundary_recall"] < slic[1]["boundary_recall"] < slic[2]["boundary_recall"]
            and slic[0]["boundary_precision"] > slic[1]["boundary_precision"] > slic[2]["boundary_precision"],
            segments=[row["segments"] for row in slic],
            boundary_recall=[row["boundary_recall"] for row in slic],
            boundary_precision=[row["boundary_precision"] for row in slic],
            **common,
        ),
        "graph-merging-on-flat-colour": outcome(
            felz[0]["boundary_recall"] > 0.99
            and felz[0]["segments"] < slic[1]["segments"]
            and slic[1]["boundary_recall"] < felz[0]["boundary_recall"],
            felzenszwalb_segments=felz[0]["segments"],
            felzenszwalb_boundary_recall=felz[0]["boundary_recall"],
            slic_segments=slic[1]["segments"],
            slic_boundary_recall=slic[1]["boundary_recall"],
            **common,
        ),
        "superpixels-clean-up-fcn": outcome(
            pooling["pooled_mean_iou"] - pooling["fcn_mean_iou"] >= 0.03,
            fcn_mean_iou=pooling["fcn_mean_iou"],
            pooled_mean_iou=pooling["pooled_mean_iou"],
            superpixels=pooling["superpixels"],
            scenes=scenes,
        ),
    }
