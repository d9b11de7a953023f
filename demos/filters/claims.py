"""What the early-layers lab claims, and how it measures them (see demos/claims.py for the contract)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "imagenet-filters-smooth",
        ("transferable-low-level-features",),
        "ImageNet's first-layer filters are smooth edge and blob detectors: on average at least 10 points more of "
        "their energy sits in the three lowest spatial frequencies than in a randomly initialised layer's (noise "
        "puts a third there).",
    ),
    ClaimSpec(
        "imagenet-grey-and-colour",
        ("transferable-low-level-features",),
        "ImageNet's first layer splits into colour-blind filters and colour filters: at least 12 of its 32 put under "
        "30% of their energy into differences between R, G and B, and at least 2 over 90%; at random "
        "initialisation none is under 30%.",
    ),
    ClaimSpec(
        "grey-digits-learn-no-colour",
        ("transferable-low-level-features", "cnn-feature-extractor"),
        "Trained from scratch on grey digits (over 90% held-out accuracy), the same first layer learns no colour at "
        "all: what differs between each filter's R, G and B weights stays exactly as initialised, because grey "
        "input gives the three channels identical gradients.",
    ),
    ClaimSpec(
        "responses-follow-edges",
        ("cnn-feature-extractor", "transferable-low-level-features"),
        "On each of three photos shipped with scikit-image, the ImageNet layer's summed response follows the "
        "image's edges (Sobel magnitude) more closely than the randomly initialised layer's.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.filters.layers import (
        colour_part,
        colour_share,
        edge_alignment,
        held_out_accuracy,
        imagenet_first,
        load_digits,
        low_frequency_share,
        random_first,
    )
    from demos.seg.superpixels import PHOTOS, photo

    imagenet, random = imagenet_first(), random_first()
    digits, before = load_digits()
    trained = digits.first.weight.detach()
    accuracy = round(held_out_accuracy(digits), 4)
    low = {k: round(float(low_frequency_share(w).mean()), 4) for k, w in (("imagenet", imagenet), ("random", random))}
    share_i, share_r = colour_share(imagenet), colour_share(random)
    grey_i, colour_i, grey_r = int((share_i < 0.3).sum()), int((share_i > 0.9).sum()), int((share_r < 0.3).sum())
    colour_moved = float((colour_part(trained) - colour_part(before)).abs().max())
    grey_moved = float((trained.mean(1) - before.mean(1)).abs().mean())
    align = {
        name: {k: round(edge_alignment(w, photo(name)), 4) for k, w in (("imagenet", imagenet), ("random", random))}
        for name in PHOTOS
    }
    return {
        "imagenet-filters-smooth": outcome(
            low["imagenet"] - low["random"] >= 0.1,
            low_frequency_share_imagenet=low["imagenet"],
            low_frequency_share_random=low["random"],
            share_expected_for_noise=round(3 / 9, 4),
        ),
        "imagenet-grey-and-colour": outcome(
            grey_i >= 12 and colour_i >= 2 and grey_r == 0,
            imagenet_filters_under_30_percent_colour=grey_i,
            imagenet_filters_over_90_percent_colour=colour_i,
            random_filters_under_30_percent_colour=grey_r,
            filters=32,
        ),
        "grey-digits-learn-no-colour": outcome(
            colour_moved < 1e-5 and grey_moved > 1e-3 and accuracy > 0.9,
            largest_change_of_colour_part=colour_moved,
            mean_change_of_grey_part=round(grey_moved, 5),
            held_out_accuracy=accuracy,
        ),
        "responses-follow-edges": outcome(
            all(a["imagenet"] > a["random"] for a in align.values()),
            edge_correlation=align,
            **{f"{name}_imagenet": a["imagenet"] for name, a in align.items()},
            **{f"{name}_random": a["random"] for name, a in align.items()},
        ),
    }
