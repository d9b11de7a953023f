"""What the transfer-learning lab claims, and how it measures them (see demos/claims.py for the contract).

Every claim is about 10 labelled images per class, the sweep's middle column. The full protocol is the sweep's:
seeds 0 and 1, all 1,000 fixed test images, accuracies averaged over the seeds. The fast one runs one seed
(``--seed``, default 0) and scores the first 500 test images (a balanced mix: the split is shuffled across
classes); the frozen stem's outputs come from the feature cache after the first run. On a quiet 2-core CPU
the fast mode takes about half a minute, most of it training MobileNetV2 twice end to end (from scratch on
MNIST, fully fine-tuned on Fashion-MNIST).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable

from demos.claims import ClaimSpec, Context, Outcome, outcome

LABELS = 10  # labelled images per class in every claim
FAST_TEST = 500  # test images scored in fast mode (full: all 1,000)
MARGIN = 0.15  # frozen features must beat scratch by at least this much accuracy

SPECS = (
    ClaimSpec(
        "frozen-beats-scratch",
        ("transfer-learning", "cnn-feature-extractor"),
        "With 10 labelled digits per class, a linear head on frozen ImageNet MobileNetV2 features beats the same "
        "network trained from scratch by at least 15 points of MNIST test accuracy.",
    ),
    ClaimSpec(
        "tiny-cnn-beats-frozen-on-digits",
        ("transfer-learning", "transferable-low-level-features"),
        "On MNIST a tiny CNN trained from scratch on the native 28x28 digits beats the frozen ImageNet features "
        "at 10 labels per class: grey digits upscaled to 64 px are far from ImageNet's photos, so the notes' "
        "'works better for similar types of data' cuts the other way, and a small network fitted to the digits "
        "needs few labels.",
    ),
    ClaimSpec(
        "full-fine-tune-best-on-fashion",
        ("fine-tuning", "transfer-learning"),
        "On Fashion-MNIST with 10 labels per class, fine-tuning all of MobileNetV2 (its pretrained layers at a "
        "tenth of the head's learning rate) scores higher than the frozen features, than fine-tuning only the "
        "last block, and than the tiny CNN.",
    ),
    ClaimSpec(
        "augmentation-not-free",
        ("data-augmentation", "random-crops-and-scales", "color-jitter"),
        "Augmentation is not free: with 10 labels per class and the same budget of about 150 optimiser steps, "
        "random crops and scales, brightness/contrast jitter and mirror flips lower the tiny CNN's "
        "Fashion-MNIST test accuracy (varied examples need more steps than the budget gives).",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    runs = _Runs(ctx)
    checks: dict[str, Callable[[_Runs], Outcome]] = {
        "frozen-beats-scratch": _frozen_vs_scratch,
        "tiny-cnn-beats-frozen-on-digits": _tiny_vs_frozen,
        "full-fine-tune-best-on-fashion": _full_on_fashion,
        "augmentation-not-free": _augmentation,
    }
    return {claim: _measured(check, runs) for claim, check in checks.items()}


class _Runs:
    """Runs at 10 labels per class, each (dataset, strategy, augment) trained once per seed and remembered."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.seeds = (0, 1) if ctx.full else (ctx.seed,)
        self.test_limit = None if ctx.full else FAST_TEST
        self.done: dict[tuple[str, str, bool], list[float]] = {}
        self.test_images: dict[str, int] = {}

    def by_seed(self, dataset: str, strategy: str, augment: bool = False) -> list[float]:
        from demos.transfer.train import RunConfig, run

        key = (dataset, strategy, augment)
        if key not in self.done:
            found = []
            for seed in self.seeds:
                config = RunConfig(
                    dataset=dataset,
                    labels_per_class=LABELS,
                    strategy=strategy,
                    seed=seed,
                    augment=augment,
                    test_limit=self.test_limit,
                    eval_points=0,
                )
                result = run(config, self.ctx.device)
                self.ctx.log(f"  {dataset} {strategy}{' +aug' if augment else ''} seed {seed}: {result.accuracy:.3f}")
                found.append(round(result.accuracy, 4))
                self.test_images[dataset] = result.n_test
            self.done[key] = found
        return self.done[key]

    def mean(self, dataset: str, strategy: str, augment: bool = False) -> float:
        return round(statistics.fmean(self.by_seed(dataset, strategy, augment)), 4)

    def where(self, dataset: str) -> dict[str, object]:
        return {
            "dataset": dataset,
            "labels_per_class": LABELS,
            "seeds": list(self.seeds),
            "test_images": self.test_images[dataset],
        }


def _measured(check: Callable[[_Runs], Outcome], runs: _Runs) -> Outcome:
    """A claim's outcome; a dataset that is not installed makes that claim not hold, saying why."""
    from demos.common import LabError

    try:
        return check(runs)
    except LabError as exc:
        return outcome(False, error=str(exc))


def _frozen_vs_scratch(runs: _Runs) -> Outcome:
    frozen, scratch = runs.mean("mnist", "frozen"), runs.mean("mnist", "scratch")
    return outcome(
        frozen - scratch >= MARGIN,
        frozen_accuracy=frozen,
        scratch_accuracy=scratch,
        gap=round(frozen - scratch, 4),
        required_gap=MARGIN,
        frozen_by_seed=runs.by_seed("mnist", "frozen"),
        scratch_by_seed=runs.by_seed("mnist", "scratch"),
        **runs.where("mnist"),
    )


def _tiny_vs_frozen(runs: _Runs) -> Outcome:
    tiny, frozen = runs.mean("mnist", "tiny-cnn"), runs.mean("mnist", "frozen")
    return outcome(
        tiny > frozen,
        tiny_cnn_accuracy=tiny,
        frozen_accuracy=frozen,
        gap=round(tiny - frozen, 4),
        tiny_cnn_by_seed=runs.by_seed("mnist", "tiny-cnn"),
        frozen_by_seed=runs.by_seed("mnist", "frozen"),
        **runs.where("mnist"),
    )


def _full_on_fashion(runs: _Runs) -> Outcome:
    others = {s: runs.mean("fashion", s) for s in ("frozen", "last-block", "tiny-cnn")}
    full = runs.mean("fashion", "full")
    runner_up = max(others, key=others.__getitem__)
    return outcome(
        full > others[runner_up],
        full_fine_tune_accuracy=full,
        runner_up=runner_up,
        runner_up_accuracy=others[runner_up],
        gap=round(full - others[runner_up], 4),
        accuracy_by_strategy={"full": full, **others},
        full_by_seed=runs.by_seed("fashion", "full"),
        **runs.where("fashion"),
    )


def _augmentation(runs: _Runs) -> Outcome:
    plain, augmented = runs.mean("fashion", "tiny-cnn"), runs.mean("fashion", "tiny-cnn", augment=True)
    return outcome(
        augmented < plain,
        tiny_cnn_accuracy=plain,
        tiny_cnn_augmented_accuracy=augmented,
        change=round(augmented - plain, 4),
        plain_by_seed=runs.by_seed("fashion", "tiny-cnn"),
        augmented_by_seed=runs.by_seed("fashion", "tiny-cnn", augment=True),
        **runs.where("fashion"),
    )
