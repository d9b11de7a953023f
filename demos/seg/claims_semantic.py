"""What the semantic-segmentation lab claims, and how it measures them (see demos/claims.py for the contract)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "accuracy-flatters",
        ("segmentation-metrics", "semantic-segmentation"),
        "Held-out scenes are about 84% background, so labelling every pixel background already scores pixel "
        "accuracy above 0.8 with mean IoU below 0.2; for every trained model pixel accuracy is higher than mean IoU.",
    ),
    ClaimSpec(
        "skips-raise-iou",
        ("fcn-upsampling", "semantic-segmentation", "project-semantic-segmentation"),
        "Skip connections with learned (transposed-convolution) upsampling raise held-out mean IoU by at least 0.03 "
        "over the same FCN without skips, whose stride-8 scores are upsampled 8x bilinearly.",
    ),
    ClaimSpec(
        "hypercolumns-raise-iou",
        ("hypercolumns",),
        "Hypercolumns (every pixel classified from the features of all four depths, upsampled and stacked) raise "
        "held-out mean IoU by at least 0.03 over the skip-less FCN with the same trunk.",
    ),
    ClaimSpec(
        "patch-classifier-slow",
        ("patch-classification-segmentation", "semantic-segmentation"),
        "Classifying the centre pixel of a 25 x 25 patch, once per pixel, takes over 30 times longer per image than "
        "the skip-less FCN, which shares its convolutions across the whole image in one pass.",
    ),
    ClaimSpec(
        "refinement-passes-help",
        ("recurrent-refinement",),
        "A short-sighted network (14 px reach) applied again to the image and its own answer, with the same weights, "
        "scores a higher held-out mean IoU after three passes than after one: each pass widens what the output sees.",
    ),
    ClaimSpec(
        "metrics-match-scikit-learn",
        ("segmentation-metrics",),
        "The lab's confusion matrix and IoU per class equal scikit-learn's confusion_matrix and jaccard_score on "
        "the held-out predictions of the FCN with skips.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    import numpy as np
    import torch
    from sklearn.metrics import confusion_matrix, jaccard_score

    from demos.seg.data import NUM_CLASSES, TEST_SEED, seg_set
    from demos.seg.evaluate import semantic_report
    from demos.seg.metrics import class_iou, confusion
    from demos.seg.models import predict
    from demos.seg.train import load

    scenes = 200 if ctx.full else 40
    report = semantic_report(scenes, ctx.device, TEST_SEED + ctx.seed, patch_scenes=20 if ctx.full else 2)
    m = report["models"]
    miou = {k: v["mean_iou"] for k, v in m.items()}
    acc = {k: v["pixel_accuracy"] for k, v in m.items()}
    bg = report["all_background"]
    common = {"scenes": scenes, "background_fraction": report["background_fraction"]}

    data = seg_set(16, TEST_SEED + ctx.seed)
    pred = predict(load("fcn-skips", ctx.device), data.images.to(ctx.device)).cpu()
    ours = confusion(pred, data.labels, NUM_CLASSES).numpy()
    theirs = confusion_matrix(data.labels.flatten().numpy(), pred.flatten().numpy(), labels=list(range(NUM_CLASSES)))
    sk_iou = jaccard_score(
        data.labels.flatten().numpy(), pred.flatten().numpy(), labels=list(range(NUM_CLASSES)), average=None
    )
    our_iou = class_iou(torch.from_numpy(ours)).numpy()
    defined = ~np.isnan(our_iou)
    iou_gap = float(np.abs(our_iou[defined] - sk_iou[defined]).max())
    passes = report["refine_mean_iou_by_pass"]
    ratio = m["patch"]["ms_per_image"] / m["fcn"]["ms_per_image"]
    return {
        "accuracy-flatters": outcome(
            bg["pixel_accuracy"] > 0.8 and bg["mean_iou"] < 0.2 and all(acc[k] > miou[k] for k in m),
            all_background_pixel_accuracy=bg["pixel_accuracy"],
            all_background_mean_iou=bg["mean_iou"],
            pixel_accuracy=acc,
            mean_iou=miou,
            **common,
        ),
        "skips-raise-iou": outcome(
            miou["fcn-skips"] - miou["fcn"] >= 0.03,
            mean_iou_with_skips=miou["fcn-skips"],
            mean_iou_without=miou["fcn"],
            gain=round(miou["fcn-skips"] - miou["fcn"], 4),
            class_iou_with_skips=m["fcn-skips"]["class_iou"],
            class_iou_without=m["fcn"]["class_iou"],
            **common,
        ),
        "hypercolumns-raise-iou": outcome(
            miou["hypercolumns"] - miou["fcn"] >= 0.03,
            mean_iou_hypercolumns=miou["hypercolumns"],
            mean_iou_fcn=miou["fcn"],
            gain=round(miou["hypercolumns"] - miou["fcn"], 4),
            **common,
        ),
        "patch-classifier-slow": outcome(
            ratio > 30,
            ms_per_image_patch=m["patch"]["ms_per_image"],
            ms_per_image_fcn=m["fcn"]["ms_per_image"],
            times_slower=round(ratio, 1),
            network_runs_per_image_patch=64 * 64,
            mean_iou_patch=miou["patch"],
            mean_iou_fcn_same_scenes=report["fcn_on_patch_scenes"]["mean_iou"],
            ms_per_image={k: v["ms_per_image"] for k, v in m.items()},
            patch_scenes=m["patch"]["scenes"],
            device=str(ctx.device),
        ),
        "refinement-passes-help": outcome(
            passes[2] > passes[0],
            mean_iou_pass_1=passes[0],
            mean_iou_pass_2=passes[1],
            mean_iou_pass_3=passes[2],
            mean_iou_pass_4_untrained=passes[3],
            **common,
        ),
        "metrics-match-scikit-learn": outcome(
            bool((ours == theirs).all()) and iou_gap < 1e-9,
            confusion_identical=bool((ours == theirs).all()),
            max_iou_gap=iou_gap,
            pixels=int(ours.sum()),
        ),
    }
