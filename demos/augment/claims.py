"""What the augmentation lab claims, measured from the shipped runs (see demos/claims.py).

Fast mode scores every shipped CNN (each setting x seed) on the 1,000 held-out scenes; ``--full`` also retrains
seed 0 of every setting from scratch and checks its accuracy matches the shipped run's.
"""

from __future__ import annotations

import statistics
from typing import Any

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "colour-jitter-helps",
        ("data-augmentation", "color-jitter"),
        "With 10 labels per class, colour jitter raises the small CNN's held-out accuracy by at least 15 points on "
        "average and on every seed: 40 scenes are too few for the shape to be the only thing that tells the "
        "classes apart, and jittered colours stop the network from leaning on colour.",
    ),
    ClaimSpec(
        "crops-scales-flips-small",
        ("data-augmentation", "random-crops-and-scales"),
        "Random crops, scales and flips each move mean accuracy by less than 5 points here, less than the spread "
        "between seeds: in these scenes the shapes already appear anywhere and at any size, so shifted, zoomed or "
        "mirrored copies add little the network has not seen.",
    ),
    ClaimSpec(
        "big-rotations-change-labels",
        ("data-augmentation",),
        "Rotations up to 45 degrees lower accuracy by at least 15 points: a square turned 45 degrees is a diamond, "
        "so the augmentation teaches wrong labels. An augmentation must keep the label.",
    ),
    ClaimSpec(
        "pca-colour-weaker-than-jitter",
        ("color-jitter",),
        "AlexNet's PCA colour noise (std 0.1) helps less than colour jitter here: it shifts every pixel of an image "
        "by one small colour offset, which leaves each shape's colour, and so the shortcut, in place.",
    ),
    ClaimSpec(
        "stacking-all-underfits",
        ("data-augmentation",),
        "Stacking all six augmentations (with 15-degree rotations, which alone cost accuracy here) scores below no "
        "augmentation: 200 training steps do not fit so varied a stream, and the final training loss stays over "
        "ten times that of any single augmentation.",
    ),
)


def accuracies(device: Any) -> dict[str, Any]:
    """Held-out accuracy of every shipped run, by setting and seed, plus the record's own numbers."""
    from demos.augment.task import accuracy, load_all, read_record, test_set

    test = test_set()
    models = load_all(device)
    record = read_record()
    out: dict[str, dict[int, float]] = {}
    for key, model in models.items():
        setting, seed = key.split("/seed")
        out.setdefault(setting, {})[int(seed)] = round(accuracy(model, test, device), 4)
    return {"accuracy": out, "record": record, "test_scenes": len(test.labels)}


def _gain(acc: dict[str, dict[int, float]], setting: str) -> tuple[float, list[float]]:
    seeds = sorted(acc["none"])
    gains = [round(acc[setting][s] - acc["none"][s], 4) for s in seeds]
    return round(statistics.fmean(gains), 4), gains


def measure(ctx: Context) -> dict[str, Outcome]:
    got = accuracies(ctx.device)
    acc = got["accuracy"]
    mean = {s: round(statistics.fmean(v.values()), 4) for s, v in acc.items()}
    spread = round(max(acc["none"].values()) - min(acc["none"].values()), 4)
    jitter, jitter_each = _gain(acc, "color-jitter")
    small = {s: _gain(acc, s)[0] for s in ("crop", "scale", "flip")}
    rot45, _ = _gain(acc, "rotate-45")
    pca, _ = _gain(acc, "pca-colour")
    common = {"seeds": len(acc["none"]), "test_scenes": got["test_scenes"], "mean_accuracy_none": mean["none"]}
    outcomes = {
        "colour-jitter-helps": outcome(
            jitter >= 0.15 and min(jitter_each) > 0,
            mean_gain=jitter,
            gain_per_seed=jitter_each,
            mean_accuracy_color_jitter=mean["color-jitter"],
            **common,
        ),
        "crops-scales-flips-small": outcome(
            all(abs(g) < 0.05 for g in small.values()) and max(abs(g) for g in small.values()) < spread,
            **{f"mean_gain_{k}": v for k, v in small.items()},
            seed_spread_none=spread,
            **common,
        ),
        "big-rotations-change-labels": outcome(
            rot45 <= -0.15,
            mean_gain_rotate_45=rot45,
            mean_gain_rotate_15=_gain(acc, "rotate")[0],
            mean_accuracy_rotate_45=mean["rotate-45"],
            **common,
        ),
        "pca-colour-weaker-than-jitter": outcome(
            pca < jitter, mean_gain_pca_colour=pca, mean_gain_color_jitter=jitter, **common
        ),
    }
    final = {k: v["losses_every_10_steps"][-1] for k, v in got["record"].get("runs", {}).items()}
    single = [loss for k, loss in final.items() if not k.startswith("all/")]
    stacked = [loss for k, loss in final.items() if k.startswith("all/")]
    outcomes["stacking-all-underfits"] = outcome(
        mean["all"] < mean["none"] and bool(stacked) and min(stacked) > 10 * max(single),
        mean_accuracy_all=mean["all"],
        final_training_loss_all_lowest=min(stacked) if stacked else None,
        final_training_loss_single_highest=max(single) if single else None,
        **common,
    )
    if ctx.full:
        outcomes["colour-jitter-helps"] = _with_reproduction(outcomes["colour-jitter-helps"], got, ctx)
    return outcomes


def _with_reproduction(base: Outcome, got: dict[str, Any], ctx: Context) -> Outcome:
    """Retrain seed 0 of every setting and compare with the shipped runs (same threads: same numbers)."""
    from demos.augment.task import RunConfig, accuracy, test_set, train_run

    test = test_set()
    gaps = {}
    for setting in got["accuracy"]:
        model, _, _ = train_run(RunConfig(setting, 0), ctx.device)
        gaps[setting] = round(abs(accuracy(model, test, ctx.device) - got["accuracy"][setting][0]), 4)
    return outcome(base.holds and max(gaps.values()) <= 0.02, **base.measured, retrained_seed0_gap=gaps)
