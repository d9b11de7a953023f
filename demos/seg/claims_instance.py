"""What the instance-segmentation lab claims, and how it measures them (see demos/claims.py for the contract)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "semantics-merge-touching",
        ("instance-segmentation", "simultaneous-detection-segmentation"),
        "Connected regions of even the exact semantic mask recover under half of the held-out objects that touch "
        "another object of their shape (touching squares are one 'square' region); the detector plus mask head "
        "recovers over 80% of them (mask IoU 0.5).",
    ),
    ClaimSpec(
        "mask-head-beats-boxes",
        ("instance-segmentation", "multi-task-cascades"),
        "The mask head's masks score a higher mask AP@0.75 than the same detections with their boxes filled in as "
        "masks: a box is not a circle, a triangle or a diamond.",
    ),
    ClaimSpec(
        "cascade-mask-ap",
        ("multi-task-cascades", "simultaneous-detection-segmentation"),
        "The two-stage cascade (boxes from the NMS lab's detector, then a 28 x 28 mask per box) reaches mask AP@0.5 "
        "above 0.8 on crowded held-out scenes.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.seg.instance import TEST_SEED, instance_report

    scenes = 200 if ctx.full else 24
    r = instance_report(scenes, ctx.device, TEST_SEED + ctx.seed)
    ap50, ap75, touch = r["mask_ap50"], r["mask_ap75"], r["touching_recall"]
    common = {"scenes": scenes, "instances": r["instances"]}
    return {
        "semantics-merge-touching": outcome(
            touch["components"] < 0.5 and touch["cascade"] > 0.8,
            touching_instances=r["touching_same_class"],
            recall_connected_components=touch["components"],
            recall_cascade=touch["cascade"],
            recall_boxes_as_masks=touch["boxes"],
            **common,
        ),
        "mask-head-beats-boxes": outcome(
            ap75["cascade"] > ap75["boxes"],
            mask_ap75_mask_head=ap75["cascade"],
            mask_ap75_boxes=ap75["boxes"],
            mask_ap50_mask_head=ap50["cascade"],
            mask_ap50_boxes=ap50["boxes"],
            **common,
        ),
        "cascade-mask-ap": outcome(
            ap50["cascade"] > 0.8,
            mask_ap50=ap50["cascade"],
            mask_ap75=ap75["cascade"],
            mask_ap50_connected_components_of_exact_semantics=ap50["components"],
            **common,
        ),
    }
