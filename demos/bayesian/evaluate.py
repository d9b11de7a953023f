"""Evaluation: accuracy, NLL, calibration (ECE, reliability diagram), OOD detection (AUROC, ROC curves), the
rotation sweep and the time one prediction with uncertainty takes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from demos.bayesian.data import Split, rotate
from demos.bayesian.models import Model, sample_probs
from demos.bayesian.uncertainty import (
    auroc,
    expected_entropy,
    mutual_information,
    nll,
    predictive_entropy,
    reliability,
    roc_curve,
)
from demos.common import generator, time_ms


@dataclass(frozen=True)
class EvalConfig:
    samples: int = 30  # T: stochastic passes per prediction for MC dropout and BBB
    sweep_angles: tuple[int, ...] = tuple(range(0, 181, 15))  # rotation sweep, degrees
    n_sweep: int = 200  # test digits rotated at each sweep angle
    n_bins: int = 15  # confidence bins of the reliability diagram and ECE
    roc_points: int = 51  # points kept per ROC curve (false-positive rates 0, 0.02, ..., 1)
    timing_repeats: int = 25  # single-image predictions timed; the fastest is reported
    timing_samples: int = 30  # T of the timed predictions (whatever ``samples`` the rest uses)


def own_score(kind: str) -> str:
    """The uncertainty score a model is judged by: its mutual information if it has samples to disagree, the
    softmax entropy for the deterministic baseline."""
    return "entropy" if kind == "baseline" else "mutual_information"


@dataclass(frozen=True)
class Scores:
    entropy: Tensor  # (B,) predictive entropy, nats
    mutual_information: Tensor  # (B,) epistemic part
    expected_entropy: Tensor  # (B,) aleatoric part

    def get(self, name: str) -> Tensor:
        return getattr(self, name)


def scores(probs: Tensor) -> Scores:
    """All three uncertainty scores from ``probs (S, B, C)``."""
    return Scores(predictive_entropy(probs), mutual_information(probs), expected_entropy(probs))


def _roc_summary(in_s: Tensor, out_s: Tensor, points: int) -> dict[str, list[float]]:
    fpr, tpr = roc_curve(in_s.cpu().numpy(), out_s.cpu().numpy())
    grid = np.linspace(0, 1, points)
    # tpr is a step function of fpr; for each grid fpr keep the best tpr reached at that fpr or below
    kept = [float(tpr[fpr <= f + 1e-12].max()) for f in grid]
    return {"fpr": [round(float(f), 4) for f in grid], "tpr": [round(t, 4) for t in kept]}


@torch.no_grad()
def time_prediction(model: Model, x: Tensor, samples: int, repeats: int) -> float:
    """Milliseconds for one image's prediction with uncertainty (T passes plus entropy and MI): the fastest of
    ``repeats`` calls. On a shared CPU other processes only ever add time, and a median of a few calls can land
    on a stall hundreds of times longer than the work (seen for the plain CNN's 0.5 ms pass), so the minimum is
    the estimate of what the prediction itself costs."""
    g = generator(0, x.device)  # its own draws: timing never shifts another prediction's noise
    return min(time_ms(lambda: scores(sample_probs(model, x, samples, generator=g)), x.device, repeats, warmup=2))


def _r(v: float | Tensor) -> float:
    return round(float(v), 4)


def evaluate_model(
    kind: str,
    model: Model,
    test: Split,
    ood: dict[str, Tensor],
    config: EvalConfig,
    device: torch.device,
    g: torch.Generator | None = None,
) -> dict[str, object]:
    """Every figure for one model, as plain JSON-ready values. Its passes draw from ``g`` (on ``device``)."""
    t = config.samples
    g = generator(0, device) if g is None else g
    probs = sample_probs(model, test.x.to(device), t, generator=g).cpu()  # (S, N, 10)
    mean = probs.mean(0)
    labels = test.y
    rel = reliability(mean, labels, config.n_bins)
    in_scores = scores(probs)
    score = own_score(kind)
    auroc_own, auroc_entropy, roc = {}, {}, {}
    ood_means: dict[str, dict[str, float]] = {}
    for name, x in ood.items():
        out_scores = scores(sample_probs(model, x.to(device), t, generator=g).cpu())
        auroc_own[name] = _r(auroc(in_scores.get(score), out_scores.get(score)))
        auroc_entropy[name] = _r(auroc(in_scores.entropy, out_scores.entropy))
        roc[name] = _roc_summary(in_scores.get(score), out_scores.get(score), config.roc_points)
        ood_means[name] = {
            "entropy": _r(out_scores.entropy.mean()),
            "mutual_information": _r(out_scores.mutual_information.mean()),
        }
    sweep: dict[str, list[float]] = {"angles": list(config.sweep_angles)}
    base = test.x[: config.n_sweep]
    base_scores = in_scores.get(score)[: config.n_sweep]
    for angle in config.sweep_angles:
        p = sample_probs(model, rotate(base, float(angle)).to(device), t, generator=g).cpu()
        s = scores(p)
        sweep.setdefault("accuracy", []).append(_r((p.mean(0).argmax(-1) == labels[: config.n_sweep]).float().mean()))
        sweep.setdefault("entropy", []).append(_r(s.entropy.mean()))
        sweep.setdefault("mutual_information", []).append(_r(s.mutual_information.mean()))
        sweep.setdefault("auroc", []).append(_r(auroc(base_scores, s.get(score))))
    passes = probs.shape[0]
    return {
        "accuracy": _r((mean.argmax(-1) == labels).float().mean()),
        "nll": _r(nll(mean, labels)),
        "ece": _r(rel.ece),
        "ood_auroc": auroc_own,
        "ood_auroc_entropy": auroc_entropy,
        "score": score,
        "passes": passes,
        "ms_per_prediction": round(
            time_prediction(model, test.x[:1].to(device), config.timing_samples, config.timing_repeats), 2
        ),
        "test_mean": {
            "entropy": _r(in_scores.entropy.mean()),
            "mutual_information": _r(in_scores.mutual_information.mean()),
            "expected_entropy": _r(in_scores.expected_entropy.mean()),
        },
        "ood_mean": ood_means,
        "reliability": {
            "edges": [_r(e) for e in rel.edges],
            "confidence": [None if c is None else _r(c) for c in rel.confidence],
            "accuracy": [None if a is None else _r(a) for a in rel.accuracy],
            "count": rel.count,
        },
        "roc": roc,
        "rotation": sweep,
    }


def evaluate_all(
    models: dict[str, Model],
    test: Split,
    ood: dict[str, Tensor],
    config: EvalConfig,
    device: torch.device,
    seed: int = 0,
) -> dict[str, dict[str, object]]:
    """:func:`evaluate_model` for every model, keyed by kind; each model's passes draw from a generator of its
    own seeded with ``seed``, so the figures do not depend on the order of the models or on anything else."""
    return {
        kind: evaluate_model(kind, model, test, ood, config, device, generator(seed, device))
        for kind, model in models.items()
    }
