"""What the detector-families lab claims, and how it measures them (see demos/claims.py for the contract)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "sliding-windows-cost",
        ("sliding-windows", "project-object-detection"),
        "Sliding windows classify 2,389 crops per 64 px image (4 sizes, stride 2) and take over 20 times longer per "
        "image than any one-stage detector here, which shares one pass of convolutions across all its boxes.",
    ),
    ClaimSpec(
        "proposals-cut-the-crops",
        ("rcnn",),
        "R-CNN's recipe: bottom-up region proposals (Felzenszwalb regions, selective search's first step) cut the "
        "crops to classify to under 100 per image while still covering over 90% of the objects at IoU 0.5.",
    ),
    ClaimSpec(
        "learned-proposals",
        ("faster-rcnn",),
        "Faster R-CNN's idea: ranking a trained anchor head's boxes by objectness (a region proposal network) covers "
        "at least as many objects as the bottom-up regions with the same number of proposals.",
    ),
    ClaimSpec(
        "yolo-misses-small",
        ("yolo",),
        "The YOLO-style grid (8 x 8 cells, one class per cell) scores AP@0.5 at least 0.15 lower on small objects "
        "than on large ones, and the gap stays at IoU 0.3: it misses small objects rather than boxing them loosely.",
    ),
    ClaimSpec(
        "pyramid-helps-small",
        ("feature-pyramid-network", "ssd"),
        "Reading the small anchors from a feature pyramid's stride-4 level raises AP@0.5 on small objects by over "
        "0.1 over SSD's way, which puts every anchor on deep, coarse (stride-8 and -16) maps.",
    ),
    ClaimSpec(
        "resolution-not-context-here",
        ("feature-pyramid-network",),
        "On these scenes the pyramid's gain is its resolution, not its top-down context: the same stride-4 map "
        "without the top-down pathway scores within 0.03 AP@0.5 of FPN on small objects, because a 15 px view "
        "already tells these shapes apart.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.detect.data import TEST_SEED
    from demos.detect.evaluate import family_report

    scenes = 200 if ctx.full else 40
    r = family_report(scenes, ctx.device, TEST_SEED + ctx.seed, window_scenes=40 if ctx.full else 8)
    m = r["methods"]
    one_stage = ("yolo", "ssd", "ssd-fine", "fpn")
    slowest = max(m[k]["ms_per_image"] for k in one_stage)
    common = {"scenes": scenes, "small_objects": r["objects"]["small"], "large_objects": r["objects"]["large"]}
    return {
        "sliding-windows-cost": outcome(
            r["windows_total"] == 2389 and m["windows"]["ms_per_image"] > 20 * slowest,
            windows_per_image=r["windows_total"],
            windows_by_size=r["windows_per_image"],
            ms_per_image_windows=m["windows"]["ms_per_image"],
            ms_per_image_slowest_one_stage=slowest,
            ms_per_image={k: v["ms_per_image"] for k, v in m.items()},
            device=str(ctx.device),
        ),
        "proposals-cut-the-crops": outcome(
            r["proposals_per_image"] < 100 and r["proposal_recall"] > 0.9,
            proposals_per_image=r["proposals_per_image"],
            proposal_recall=r["proposal_recall"],
            windows_per_image=r["windows_total"],
            ap50_proposals=m["proposals"]["ap50"],
            ap50_windows=m["windows"]["ap50"],
            ms_per_image_proposals=m["proposals"]["ms_per_image"],
            ms_per_image_windows=m["windows"]["ms_per_image"],
            scenes=scenes,
        ),
        "learned-proposals": outcome(
            r["learned_proposal_recall"] >= r["proposal_recall"],
            proposals_per_image=r["learned_proposals_per_image"],
            recall_learned=r["learned_proposal_recall"],
            recall_bottom_up=r["proposal_recall"],
            ms_learned=r["ms_proposals_learned"],
            ms_bottom_up=r["ms_proposals_bottom_up"],
            scenes=scenes,
        ),
        "yolo-misses-small": outcome(
            m["yolo"]["ap50_large"] - m["yolo"]["ap50_small"] >= 0.15
            and m["yolo"]["ap30_large"] - m["yolo"]["ap30_small"] >= 0.15,
            ap50_small=m["yolo"]["ap50_small"],
            ap50_large=m["yolo"]["ap50_large"],
            ap30_small=m["yolo"]["ap30_small"],
            ap30_large=m["yolo"]["ap30_large"],
            **common,
        ),
        "pyramid-helps-small": outcome(
            m["fpn"]["ap50_small"] - m["ssd"]["ap50_small"] > 0.1,
            ap50_small_fpn=m["fpn"]["ap50_small"],
            ap50_small_ssd=m["ssd"]["ap50_small"],
            ap50_large_fpn=m["fpn"]["ap50_large"],
            ap50_large_ssd=m["ssd"]["ap50_large"],
            ap50_by_method={
                k: {"all": v["ap50"], "small": v["ap50_small"], "large": v["ap50_large"]} for k, v in m.items()
            },
            **common,
        ),
        "resolution-not-context-here": outcome(
            abs(m["fpn"]["ap50_small"] - m["ssd-fine"]["ap50_small"]) <= 0.03,
            ap50_small_fpn=m["fpn"]["ap50_small"],
            ap50_small_without_top_down=m["ssd-fine"]["ap50_small"],
            ap50_small_deep_maps_only=m["ssd"]["ap50_small"],
            **common,
        ),
    }
