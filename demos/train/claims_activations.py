"""What the activations lab claims, and how it measures them (see demos/claims.py for the contract)."""

from __future__ import annotations

import itertools

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "sigmoid-gradient-vanishes",
        ("vanishing-gradient", "activation-functions"),
        "In a 20-layer MLP on MNIST, the loss gradient at the first layer's weights is over a million times "
        "smaller with sigmoid (Xavier initialisation) than with ReLU (He initialisation).",
    ),
    ClaimSpec(
        "relu-alone-is-not-enough",
        ("vanishing-gradient", "activation-functions", "hidden-layers"),
        "ReLU alone does not keep the gradient alive: with PyTorch's default initialisation the 20-layer ReLU "
        "MLP's first-layer gradient is below 1/1000 of its last hidden layer's; He initialisation keeps the two "
        "within a factor of 10.",
    ),
    ClaimSpec(
        "norm-and-skips-restore-it",
        ("vanishing-gradient", "batch-normalization"),
        "Batch norm, or skip connections, bring the 20-layer sigmoid MLP's first-layer gradient to within a factor "
        "of 10 of its last hidden layer's (without them it is 1e-9 of it or less).",
    ),
    ClaimSpec(
        "deeper-vanishes-faster",
        ("vanishing-gradient", "feedforward-network"),
        "For sigmoid the first-to-last gradient ratio shrinks with every depth tried (5, 10, 20, 40 layers): "
        "each layer multiplies the backward signal by at most σ' <= 0.25 times its weights.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.train.activations import DeepConfig, first_to_last

    seeds = 5 if ctx.full else 3

    def ratio(**kw: object) -> dict[str, float]:
        return first_to_last(DeepConfig(**kw), seeds, ctx.device)  # type: ignore[arg-type]

    sig = ratio(act="sigmoid", init="xavier")
    relu_he = ratio(act="relu", init="he")
    relu_default = ratio(act="relu", init="default")
    sig_bn = ratio(act="sigmoid", init="xavier", batch_norm=True)
    sig_res = ratio(act="sigmoid", init="xavier", residual=True)
    by_depth = {d: ratio(act="sigmoid", init="xavier", depth=d)["ratio"] for d in (5, 10, 20, 40)}
    ratios = list(by_depth.values())
    return {
        "sigmoid-gradient-vanishes": outcome(
            relu_he["first"] > 1e6 * sig["first"],
            first_layer_sigmoid=sig["first"],
            first_layer_relu=relu_he["first"],
            seeds=seeds,
        ),
        "relu-alone-is-not-enough": outcome(
            relu_default["ratio"] < 1e-3 and 0.1 <= relu_he["ratio"] <= 10,
            ratio_default_init=relu_default["ratio"],
            ratio_he_init=relu_he["ratio"],
        ),
        "norm-and-skips-restore-it": outcome(
            sig["ratio"] <= 1e-9 and all(0.1 <= r["ratio"] <= 10 for r in (sig_bn, sig_res)),
            ratio_plain=sig["ratio"],
            ratio_batch_norm=sig_bn["ratio"],
            ratio_skip_connections=sig_res["ratio"],
        ),
        "deeper-vanishes-faster": outcome(
            all(a > b for a, b in itertools.pairwise(ratios)),
            **{f"ratio_depth_{d}": r for d, r in by_depth.items()},
        ),
    }
