"""What the batch-norm lab claims, and how it measures them (see demos/claims.py for the contract)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "bn-trains-where-plain-diverges",
        ("batch-normalization",),
        "At learning rate 1.0 the plain 8-layer ReLU MLP diverges, while the same network with batch norm reaches "
        "90% test accuracy on MNIST within 200 steps of plain SGD.",
    ),
    ClaimSpec(
        "bn-reaches-target-sooner",
        ("batch-normalization",),
        "Each at its best learning rate (of 0.03, 0.1, 0.3, 1 and 3 in the full protocol; 0.1 and 1 in the fast "
        "one), the network with batch norm reaches 90% test accuracy in fewer steps than without it.",
    ),
    ClaimSpec(
        "train-mode-depends-on-the-batch",
        ("batch-normalization",),
        "In train mode a digit's outputs change when the other digits of its batch change; in eval mode, which "
        "uses the running statistics, they do not change at all.",
    ),
    ClaimSpec(
        "running-statistics-matter",
        ("batch-normalization",),
        "Normalising by the batch's own statistics breaks on unusual batches: classified in train mode in batches "
        "of one class each, test accuracy falls below 50%, while eval mode keeps it above 90%.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    import torch

    from demos.train.batchnorm import BNRun, mode_effects, train_bn
    from demos.train.core import mnist

    data = mnist(device=ctx.device)

    def run(lr: float, flag: bool) -> tuple[BNRun, torch.nn.Module]:
        return train_bn(data, lr, flag, 300, seed=ctx.seed, device=ctx.device)

    plain_1, _ = run(1.0, False)
    bn_1, bn_model = run(1.0, True)
    lrs = (0.03, 0.1, 0.3, 1.0, 3.0) if ctx.full else (0.1, 1.0)
    best = {}
    for flag in (False, True):
        runs = [
            bn_1 if (flag and lr == 1.0) else plain_1 if (not flag and lr == 1.0) else run(lr, flag)[0] for lr in lrs
        ]
        hits = [r for r in runs if r.steps_to_target >= 0]
        best[flag] = min(hits, key=lambda r: r.steps_to_target) if hits else None
    effects = mode_effects(bn_model, data, seed=ctx.seed)
    plain_best, bn_best = best[False], best[True]
    return {
        "bn-trains-where-plain-diverges": outcome(
            plain_1.curve.diverged and 0 <= bn_1.steps_to_target <= 200,
            plain_diverged=plain_1.curve.diverged,
            bn_steps_to_90=bn_1.steps_to_target,
            lr=1.0,
        ),
        "bn-reaches-target-sooner": outcome(
            bn_best is not None and (plain_best is None or bn_best.steps_to_target < plain_best.steps_to_target),
            bn_steps=bn_best.steps_to_target if bn_best else -1,
            bn_lr=bn_best.lr if bn_best else None,
            plain_steps=plain_best.steps_to_target if plain_best else -1,
            plain_lr=plain_best.lr if plain_best else None,
            learning_rates=list(lrs),
        ),
        "train-mode-depends-on-the-batch": outcome(
            effects["train_mode_shift"] > 0.1 and effects["eval_mode_shift"] == 0.0,
            train_mode_max_logit_change=round(effects["train_mode_shift"], 4),
            eval_mode_max_logit_change=effects["eval_mode_shift"],
        ),
        "running-statistics-matter": outcome(
            effects["acc_train_sorted"] < 0.5 and effects["acc_eval"] > 0.9,
            acc_eval_mode=effects["acc_eval"],
            acc_train_mode_mixed_batches=effects["acc_train_mixed"],
            acc_train_mode_one_class_batches=effects["acc_train_sorted"],
        ),
    }
