"""Claims of the efficient-blocks lab: parameters and multiply-adds counted from real modules, receptive fields
measured by gradient, and the notes' Program #5 (3 x 3 against 1 x 7 / 7 x 1 filters on Fashion-MNIST)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "three-3x3-for-7x7",
        ("stacked-3x3-convolutions", "receptive-field"),
        "Three stacked 3 × 3 convolutions see the same 7 × 7 pixels as one 7 × 7 convolution (measured by "
        "gradient) with 27C² instead of 49C² weights and the same 27/49 of its multiply-adds (C = 64, counted "
        "from the modules); two 3 × 3 replace a 5 × 5 with 18C² instead of 25C².",
    ),
    ClaimSpec(
        "bottleneck-eighth",
        ("bottleneck-1x1-convolution",),
        "A 1 × 1 bottleneck (C → C/4, 3 × 3, then 1 × 1 back to C) keeps a 3 × 3 layer's receptive field with "
        "about an eighth of its weights and multiply-adds, and a depthwise-separable 3 × 3 (depthwise then 1 × 1) "
        "with about an eighth as well.",
    ),
    ClaimSpec(
        "factorized-two-sevenths",
        ("factorized-convolutions", "inception-v4"),
        "1 × 7 then 7 × 1 covers the same 7 × 7 field as a 7 × 7 convolution with 2/7 of its weights and "
        "multiply-adds (14C² against 49C²).",
    ),
    ClaimSpec(
        "cheaper-blocks-run-faster",
        ("stacked-3x3-convolutions", "bottleneck-1x1-convolution", "factorized-convolutions"),
        "Every replacement that needs at most 60% of the big layer's multiply-adds also runs its forward pass "
        "faster on this device (64 channels, 56 × 56 input).",
    ),
    ClaimSpec(
        "program5-1x7-matches-3x3",
        ("factorized-convolutions", "stacked-3x3-convolutions", "convolution"),
        "Program #5: trained the same way on Fashion-MNIST, the CNN with 1 × 7 then 7 × 1 filters has fewer "
        "parameters than the one with 3 × 3 filters and reaches a test accuracy within 4 points of it.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.conv.blocks import PAIRS, compare
    from demos.conv.program5 import Config, run

    got = {p.id: compare(p, 64, 56, ctx.device, repeat=7 if ctx.full else 5) for p in PAIRS}
    c2 = 64 * 64

    def weights(pair: str, side: str) -> int:
        return int(got[pair][side]["parameters"])

    s7, s5 = got["7x7-vs-3x3x3"], got["5x5-vs-3x3x2"]
    bottleneck, depthwise, factor = got["3x3-vs-bottleneck"], got["3x3-vs-depthwise"], got["7x7-vs-1x7-7x1"]
    cheap = [g for g in got.values() if g["mac_ratio"] <= 0.6]
    config = Config(seed=ctx.seed) if ctx.full else Config(train_images=4000, test_images=2000, epochs=2, seed=ctx.seed)
    p5 = run(config, ctx.device)["runs"]
    small, big = p5["1x7-7x1"], p5["3x3"]
    return {
        "three-3x3-for-7x7": outcome(
            s7["big"]["field"] == s7["small"]["field"] == [7, 7]
            and weights("7x7-vs-3x3x3", "big") == 49 * c2
            and weights("7x7-vs-3x3x3", "small") == 27 * c2
            and abs(s7["mac_ratio"] - 27 / 49) < 0.01
            and s5["big"]["field"] == s5["small"]["field"] == [5, 5]
            and (weights("5x5-vs-3x3x2", "big"), weights("5x5-vs-3x3x2", "small")) == (25 * c2, 18 * c2),
            weights_7x7=weights("7x7-vs-3x3x3", "big"),
            weights_three_3x3=weights("7x7-vs-3x3x3", "small"),
            mac_ratio=s7["mac_ratio"],
            field_7x7=s7["big"]["field"],
            field_three_3x3=s7["small"]["field"],
        ),
        "bottleneck-eighth": outcome(
            bottleneck["big"]["field"] == bottleneck["small"]["field"] == depthwise["small"]["field"]
            and all(0.09 <= g[k] <= 0.16 for g in (bottleneck, depthwise) for k in ("parameter_ratio", "mac_ratio")),
            bottleneck_parameter_ratio=bottleneck["parameter_ratio"],
            bottleneck_mac_ratio=bottleneck["mac_ratio"],
            depthwise_parameter_ratio=depthwise["parameter_ratio"],
            depthwise_mac_ratio=depthwise["mac_ratio"],
        ),
        "factorized-two-sevenths": outcome(
            factor["big"]["field"] == factor["small"]["field"] == [7, 7]
            and abs(factor["parameter_ratio"] - 2 / 7) < 1e-3
            and abs(factor["mac_ratio"] - 2 / 7) < 1e-3,
            parameter_ratio=factor["parameter_ratio"],
            mac_ratio=factor["mac_ratio"],
        ),
        "cheaper-blocks-run-faster": outcome(
            all(g["time_ratio"] < 1 for g in cheap),
            compared=len(cheap),
            time_ratios={g["id"]: g["time_ratio"] for g in cheap},
            mac_ratios={g["id"]: g["mac_ratio"] for g in cheap},
        ),
        "program5-1x7-matches-3x3": outcome(
            small["parameters"] < big["parameters"] and abs(small["test_accuracy"] - big["test_accuracy"]) <= 0.04,
            test_accuracy_3x3=big["test_accuracy"],
            test_accuracy_1x7_7x1=small["test_accuracy"],
            train_accuracy_3x3=big["train_accuracy"],
            train_accuracy_1x7_7x1=small["train_accuracy"],
            parameters_3x3=big["parameters"],
            parameters_1x7_7x1=small["parameters"],
            train_images=config.train_images,
            epochs=config.epochs,
        ),
    }
