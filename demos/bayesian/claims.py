"""What the Bayesian CNN lab claims, and how it measures them (see demos/claims.py for the contract).

All claims are measured on the shipped checkpoints (``python -m demos.bayesian train``) and the fixed test split.
The full protocol is the evaluation's: 1,000 test digits, 300 images in each OOD set, T = 30 passes, a rotation
sweep of 200 digits at 13 angles. The fast one uses 500 digits, 100 per OOD set, T = 10 and 7 angles (seconds
on a 2-core CPU). Prediction times always use T = 30 and the fastest of 25 calls: on a busy CPU with two torch
threads, five calls of the plain CNN's 0.5 ms pass all took over 70 ms. Besides each verdict, the measurements
carry the tables and curves the lab's page draws (reliability bins, ROC curves, the rotation sweep): one record
for both.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from demos.claims import ClaimSpec, Context, Outcome, outcome

if TYPE_CHECKING:
    from demos.bayesian.evaluate import EvalConfig

SAMPLING = ("mc_dropout", "bbb", "ensemble")  # the models that make several passes
MIN_ACCURACY = 0.96
SHIFT_DEGREES = (30.0, 60.0)  # the rotated test set on which calibration is compared
TIMING_SAMPLES = 30  # T for the prediction-time claim, in both modes
MIN_SLOWDOWN = {"mc_dropout": 1.5, "bbb": 3.0}  # a T = 30 prediction against the plain CNN's one pass (fastest runs)

SPECS = (
    ClaimSpec(
        "accuracy",
        ("bayesian-cnn", "bayesian-cnn-tradeoffs"),
        "All four models (the plain CNN, MC dropout, Bayes by Backprop and a 3-member ensemble) classify at least "
        "96% of the held-out test digits correctly: sampling costs no accuracy worth the name here.",
    ),
    ClaimSpec(
        "mutual-information-no-better",
        ("bayesian-cnn",),
        "Ranked by mutual information alone (how much the passes disagree), none of the three sampling models "
        "tells out-of-distribution inputs (rotated digits, noise, clothes, shapes, textures) from test digits "
        "better than the plain CNN's softmax entropy: each one's AUROC, averaged over the OOD sets, is lower.",
    ),
    ClaimSpec(
        "predictive-entropy-better",
        ("bayesian-cnn",),
        "Ranked by predictive entropy (the entropy of the averaged prediction) instead, all three sampling models "
        "tell out-of-distribution inputs from test digits better than the plain CNN: averaging passes makes the "
        "prediction less confident on odd inputs.",
    ),
    ClaimSpec(
        "noise-doubt-is-shared",
        ("bayesian-cnn", "dropout"),
        "On pure-noise images MC dropout's passes agree that they do not know: ranked by mutual information "
        "noise scores an AUROC below 0.7, ranked by predictive entropy above 0.95. The doubt is in every pass "
        "(it looks aleatoric), not in their disagreement.",
    ),
    ClaimSpec(
        "calibration-under-shift",
        ("bayesian-cnn", "bayesian-cnn-tradeoffs"),
        "On clean test digits the plain CNN is as well calibrated as any sampling model (its ECE within 0.01 of "
        "the lowest); on digits rotated by 30-60 degrees it is overconfident, and every sampling model has a "
        "lower ECE than it.",
    ),
    ClaimSpec(
        "rotation-raises-disagreement",
        ("bayesian-cnn",),
        "Turned by 90 degrees, digits defeat every model (accuracy below 25%), and each sampling model's mean "
        "mutual information is at least 3 times what it is on upright digits: the passes disagree more as the "
        "digits turn away from anything seen in training.",
    ),
    ClaimSpec(
        "uncertainty-costs",
        ("bayesian-cnn-tradeoffs",),
        "Uncertainty has a price: Bayes by Backprop holds twice the plain CNN's parameters (a mean and a spread "
        "per weight), the ensemble three times, and one prediction with T = 30 passes takes MC dropout at least "
        "1.5 times and Bayes by Backprop (fresh weights every pass) at least 3 times as long as the plain CNN's "
        "single pass. Not 30 times: the passes run as one batched forward.",
    ),
)


@dataclass(frozen=True)
class Protocol:
    """How much data a measurement uses."""

    n_test: int  # held-out test digits scored (the first n of the fixed test split)
    n_ood: int  # images in each OOD set
    n_shift: int  # rotated test digits for calibration under shift
    samples: int  # T: passes per prediction for MC dropout and BBB
    angles: tuple[int, ...]  # rotation sweep, degrees
    n_sweep: int  # test digits rotated at each sweep angle
    timing_repeats: int  # single-image predictions timed per model (the fastest reported)

    def eval_config(self) -> EvalConfig:
        from demos.bayesian.evaluate import EvalConfig

        return EvalConfig(
            samples=self.samples,
            sweep_angles=self.angles,
            n_sweep=self.n_sweep,
            timing_repeats=self.timing_repeats,
            timing_samples=TIMING_SAMPLES,
        )


FAST = Protocol(500, 100, 500, 10, (0, 30, 60, 90, 120, 150, 180), 100, 25)
FULL = Protocol(1000, 300, 1000, 30, tuple(range(0, 181, 15)), 200, 25)


def measure(ctx: Context) -> dict[str, Outcome]:
    return outcomes(evaluation(ctx))


def evaluation(ctx: Context) -> dict[str, Any]:
    """Every model's figures under the context's protocol, plus calibration on rotated digits and T = 30 timings:
    ``{"protocol", "sets", "skipped", "models": {kind: ...}}``. Imports torch."""
    from dataclasses import asdict

    from demos.bayesian import checkpoints
    from demos.bayesian.data import Split, load_mnist, ood_sets, rotated_split
    from demos.bayesian.evaluate import evaluate_all
    from demos.bayesian.models import sample_probs
    from demos.bayesian.uncertainty import reliability
    from demos.common import generator

    protocol = FULL if ctx.full else FAST
    models = checkpoints.load(ctx.device)
    test = load_mnist().test
    test = Split(test.x[: protocol.n_test], test.y[: protocol.n_test])
    ood, skipped = ood_sets(test, protocol.n_ood, ctx.seed)
    ctx.log(f"  {len(models)} models, {len(test.x)} test digits, OOD sets {', '.join(ood)}")
    results = evaluate_all(models, test, ood, protocol.eval_config(), ctx.device, ctx.seed)
    shifted = rotated_split(test, protocol.n_shift, ctx.seed + 1, *SHIFT_DEGREES)
    for kind, model in models.items():
        probs = sample_probs(
            model, shifted.x.to(ctx.device), protocol.samples, generator=generator(ctx.seed, ctx.device)
        )
        mean = probs.mean(0).cpu()  # (N, 10)
        rel = reliability(mean, shifted.y)
        results[kind]["shift"] = {
            "ece": round(rel.ece, 4),
            "accuracy": round(float((mean.argmax(-1) == shifted.y).float().mean()), 4),
            "confidence": round(float(mean.max(-1).values.mean()), 4),
            "reliability": _bins(rel),
        }
        results[kind]["parameters"] = sum(p.numel() for p in model.parameters())
        ctx.log(f"  {kind}: accuracy {results[kind]['accuracy']}")
    return {"protocol": asdict(protocol), "sets": list(ood), "skipped": skipped, "models": results}


def _bins(rel: Any) -> dict[str, list[Any]]:
    return {
        "edges": [round(e, 4) for e in rel.edges],
        "confidence": [None if c is None else round(c, 4) for c in rel.confidence],
        "accuracy": [None if a is None else round(a, 4) for a in rel.accuracy],
        "count": rel.count,
    }


def outcomes(ev: dict[str, Any]) -> dict[str, Outcome]:
    """The claims' verdicts from an :func:`evaluation` (pure: no torch)."""
    m: dict[str, dict[str, Any]] = ev["models"]
    kinds = list(m)
    sampling = [k for k in SAMPLING if k in m]
    sets: list[str] = ev["sets"]
    protocol = ev["protocol"]

    def mean_auroc(kind: str, key: str) -> float:
        return round(statistics.fmean(m[kind][key][s] for s in sets), 4)

    base = mean_auroc("baseline", "ood_auroc")  # the plain CNN's own score is its softmax entropy
    by_mi = {k: mean_auroc(k, "ood_auroc") for k in sampling}
    by_entropy = {k: mean_auroc(k, "ood_auroc_entropy") for k in sampling}
    ood_common = {"sets": sets, "skipped_sets": ev["skipped"], "images_per_set": protocol["n_ood"]}

    accuracy = {k: m[k]["accuracy"] for k in kinds}
    clean_ece = {k: m[k]["ece"] for k in kinds}
    shift_ece = {k: m[k]["shift"]["ece"] for k in kinds}
    rot = {k: m[k]["rotation"] for k in kinds}
    angles: list[int] = rot["baseline"]["angles"]
    at90, at0 = angles.index(90), angles.index(0)
    acc90 = {k: rot[k]["accuracy"][at90] for k in kinds}
    mi_ratio = {
        k: round(rot[k]["mutual_information"][at90] / max(rot[k]["mutual_information"][at0], 1e-6), 2) for k in sampling
    }
    ms = {k: m[k]["ms_per_prediction"] for k in kinds}
    params = {k: m[k]["parameters"] for k in kinds}
    slowdown = {k: round(ms[k] / ms["baseline"], 1) for k in ("mc_dropout", "bbb")}
    noise = m["mc_dropout"]
    return {
        "accuracy": outcome(
            min(accuracy.values()) >= MIN_ACCURACY,
            lowest_accuracy=min(accuracy.values()),
            required=MIN_ACCURACY,
            test_digits=protocol["n_test"],
            passes=protocol["samples"],
            accuracy=accuracy,
            nll={k: m[k]["nll"] for k in kinds},
        ),
        "mutual-information-no-better": outcome(
            all(v < base for v in by_mi.values()),
            plain_cnn_entropy_auroc=base,
            best_mutual_information_auroc=max(by_mi.values()),
            mean_auroc_by_mutual_information=by_mi,
            auroc_by_set={k: m[k]["ood_auroc"] for k in kinds},
            roc={k: m[k]["roc"] for k in kinds},
            **ood_common,
        ),
        "predictive-entropy-better": outcome(
            all(v > base for v in by_entropy.values()),
            plain_cnn_entropy_auroc=base,
            worst_predictive_entropy_auroc=min(by_entropy.values()),
            mean_auroc_by_predictive_entropy=by_entropy,
            auroc_by_set={k: m[k]["ood_auroc_entropy"] for k in kinds},
            **ood_common,
        ),
        "noise-doubt-is-shared": outcome(
            noise["ood_auroc"]["noise"] < 0.7 and noise["ood_auroc_entropy"]["noise"] > 0.95,
            noise_auroc_mutual_information=noise["ood_auroc"]["noise"],
            noise_auroc_predictive_entropy=noise["ood_auroc_entropy"]["noise"],
            noise_mean_entropy=noise["ood_mean"]["noise"]["entropy"],
            noise_mean_mutual_information=noise["ood_mean"]["noise"]["mutual_information"],
            images=protocol["n_ood"],
        )
        if "noise" in sets
        else outcome(False, error="the noise set was not measured"),
        "calibration-under-shift": outcome(
            clean_ece["baseline"] <= min(clean_ece.values()) + 0.01
            and all(shift_ece[k] < shift_ece["baseline"] for k in sampling),
            plain_cnn_clean_ece=clean_ece["baseline"],
            lowest_clean_ece=min(clean_ece.values()),
            plain_cnn_rotated_ece=shift_ece["baseline"],
            highest_sampling_rotated_ece=max(shift_ece[k] for k in sampling),
            clean_ece=clean_ece,
            rotated_ece=shift_ece,
            rotated_accuracy={k: m[k]["shift"]["accuracy"] for k in kinds},
            rotated_confidence={k: m[k]["shift"]["confidence"] for k in kinds},
            rotated_degrees=list(SHIFT_DEGREES),
            rotated_digits=protocol["n_shift"],
            reliability={k: m[k]["reliability"] for k in kinds},
            rotated_reliability={k: m[k]["shift"]["reliability"] for k in kinds},
        ),
        "rotation-raises-disagreement": outcome(
            max(acc90.values()) < 0.25 and min(mi_ratio.values()) >= 3,
            highest_accuracy_at_90=max(acc90.values()),
            lowest_mutual_information_ratio=min(mi_ratio.values()),
            accuracy_at_90=acc90,
            mutual_information_ratio_90_to_0=mi_ratio,
            digits_per_angle=protocol["n_sweep"],
            sweep=rot,
        ),
        "uncertainty-costs": outcome(
            params["bbb"] == 2 * params["baseline"]
            and params["ensemble"] == 3 * params["baseline"]
            and slowdown["mc_dropout"] >= MIN_SLOWDOWN["mc_dropout"]
            and slowdown["bbb"] >= MIN_SLOWDOWN["bbb"],
            plain_cnn_ms=ms["baseline"],
            mc_dropout_ms=ms["mc_dropout"],
            bbb_ms=ms["bbb"],
            required_slowdown=MIN_SLOWDOWN,
            passes=TIMING_SAMPLES,
            ms_per_prediction=ms,
            slowdown=slowdown,
            parameters=params,
        ),
    }
