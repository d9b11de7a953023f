"""What the NMS lab claims, and how it measures them (see demos/claims.py for the contract).

Fast mode scores 60 held-out crowded scenes, full mode (the README's protocol) 200. The lab page draws its
held-out AP charts from these measurements: AP per method (``ap_by_method``) and greedy NMS's AP at each IoU
threshold (``ap_by_threshold``), with the scene count and shapes per scene.
"""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "nms-doubles-ap",
        ("non-max-suppression", "sliding-windows"),
        "A dense detector's raw boxes score AP@0.5 below 0.6 on crowded held-out scenes; greedy NMS at IoU 0.5 "
        "lifts the same boxes above 0.9.",
    ),
    ClaimSpec(
        "class-aware-at-least-greedy",
        ("non-max-suppression",),
        "Class-aware NMS (boxes only suppress boxes of their own class) scores at least the AP of class-blind "
        "greedy NMS, because a box can no longer delete a neighbour of another shape.",
    ),
    ClaimSpec(
        "soft-nms-small-gain",
        ("non-max-suppression",),
        "Soft-NMS scores within 0.02 AP of greedy NMS here (Bodla et al. report +1.1 points on COCO): it only helps "
        "where objects of one class overlap past the threshold, and in these scenes that is rare.",
    ),
    ClaimSpec(
        "strict-threshold-hurts",
        ("non-max-suppression", "intersection-over-union"),
        "An IoU threshold of 0.8 lets duplicates survive: greedy NMS scores lower AP at 0.8 than at 0.5.",
    ),
    ClaimSpec(
        "same-as-torchvision",
        ("non-max-suppression", "intersection-over-union"),
        "The lab's own NMS keeps exactly the boxes torchvision.ops.nms keeps, and its IoU equals "
        "torchvision.ops.box_iou, on 1,000 random boxes at five thresholds.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    import torch
    import torchvision

    from demos.nms.evaluate import ap_report
    from demos.nms.names import EVAL_SEED, SWEEP_THRESHOLDS
    from demos.nms.ops import box_iou, nms
    from demos.nms.speed import random_boxes

    scenes = 200 if ctx.full else 60
    report = ap_report(scenes, EVAL_SEED + ctx.seed, ctx.device, SWEEP_THRESHOLDS, ("greedy",))
    ap = {m: r["ap50"] for m, r in report["ap50"].items()}
    sweep = report["ap50_vs_iou_threshold"]["greedy"]
    common = {"scenes": scenes, "objects_per_scene": report["objects_per_scene"]}

    boxes, scores = random_boxes(1000, ctx.device, seed=ctx.seed)
    same = [
        bool(torch.equal(nms(boxes, scores, t).cpu(), torchvision.ops.nms(boxes, scores, t).cpu()))
        for t in (0.1, 0.3, 0.5, 0.7, 0.9)
    ]
    iou_gap = float((box_iou(boxes, boxes) - torchvision.ops.box_iou(boxes, boxes)).abs().max())
    return {
        "nms-doubles-ap": outcome(
            ap["none"] < 0.6 and ap["greedy"] > 0.9,
            ap_raw_boxes=ap["none"],
            ap_greedy=ap["greedy"],
            raw_boxes_per_scene=report["raw_boxes_per_scene"],
            **common,
        ),
        "class-aware-at-least-greedy": outcome(
            ap["batched"] >= ap["greedy"],
            ap_class_aware=ap["batched"],
            ap_greedy=ap["greedy"],
            ap_by_method=ap,
            **common,
        ),
        "soft-nms-small-gain": outcome(
            max(abs(ap["soft-linear"] - ap["greedy"]), abs(ap["soft-gaussian"] - ap["greedy"])) <= 0.02,
            ap_soft_linear=ap["soft-linear"],
            ap_soft_gaussian=ap["soft-gaussian"],
            ap_greedy=ap["greedy"],
            **common,
        ),
        "strict-threshold-hurts": outcome(
            sweep["0.8"] < sweep["0.5"], ap_at_0_5=sweep["0.5"], ap_at_0_8=sweep["0.8"], ap_by_threshold=sweep, **common
        ),
        "same-as-torchvision": outcome(
            all(same) and iou_gap < 1e-5, thresholds_identical=sum(same), of_thresholds=len(same), max_iou_gap=iou_gap
        ),
    }
