"""One input, every model: what the lab's panel and page show for a picked, rotated or drawn digit.

Every prediction draws its passes from a private generator seeded with ``seed`` and runs one image at a time,
so the numbers for (digit, angle, seed) are the same in any session, alone or beside others, and the shipped
panel record (``python -m demos.bayesian panel --save``) is exactly what a live run at that angle computes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from demos.bayesian.data import Split, add_noise, rotate
from demos.bayesian.evaluate import scores
from demos.bayesian.models import Model, sample_probs
from demos.common import generator, sync


@dataclass(frozen=True)
class Prediction:
    probs: list[list[float]]  # (S, 10) class probabilities of every stochastic pass
    mean: list[float]  # (10,) predictive distribution: the mean over passes
    predicted: int  # the class with the highest mean probability
    entropy: float  # predictive entropy, nats (total uncertainty)
    mutual_information: float  # epistemic part: the passes disagree
    expected_entropy: float  # aleatoric part: each pass on its own is unsure
    ms: float  # wall time of this prediction, T passes plus the scores


def prepare(image: Tensor, degrees: float, noise_std: float, seed: int = 0) -> Tensor:
    """A ``(1, 28, 28)`` digit rotated by ``degrees`` and with Gaussian noise of ``noise_std`` (seeded)."""
    if not 0.0 <= noise_std <= 1.0:
        raise ValueError(f"noise std must be between 0 and 1, got {noise_std}")
    x = rotate(image[None], float(degrees))  # (1, 1, 28, 28)
    if noise_std > 0:
        x = add_noise(x, noise_std, torch.Generator().manual_seed(seed))
    return x[0]


@torch.no_grad()
def predict(model: Model, image: Tensor, samples: int, device: torch.device, seed: int = 0) -> Prediction:
    """Every pass's class probabilities for one ``(1, 28, 28)`` image, and its uncertainty scores. The passes
    draw from a private generator seeded with ``seed``: the same call gives the same numbers in any session."""
    x = image[None].to(device)  # (1, 1, 28, 28)
    t0 = time.perf_counter()
    probs = sample_probs(model, x, samples, generator=generator(seed, device))  # (S, 1, 10)
    s = scores(probs)
    sync(device)
    ms = (time.perf_counter() - t0) * 1000
    p = probs[:, 0].cpu()
    mean = p.mean(0)
    return Prediction(
        probs=p.tolist(),
        mean=mean.tolist(),
        predicted=int(mean.argmax()),
        entropy=float(s.entropy[0]),
        mutual_information=float(s.mutual_information[0]),
        expected_entropy=float(s.expected_entropy[0]),
        ms=ms,
    )


PANEL_ANGLES: tuple[int, ...] = tuple(range(0, 181, 15))  # the shipped digit's angles, degrees
PANEL_SAMPLES = 30  # T: passes per prediction in the panel


@torch.no_grad()
def angle_report(
    models: dict[str, Model], image: Tensor, degrees: float, samples: int, device: torch.device, seed: int = 0
) -> dict[str, Any]:
    """Every model's answer for one ``(1, 28, 28)`` digit turned by ``degrees``: predicted class, its mean
    probability, predictive entropy split into expected entropy (aleatoric) and mutual information (epistemic),
    as JSON-able numbers, with the rotated image the models saw (``(28, 28)`` uint8 values); ``ms`` is the wall
    time of all the models together."""
    x = rotate(image[None], float(degrees)).to(device)  # (1, 1, 28, 28)
    t0 = time.perf_counter()
    out: dict[str, Any] = {}
    for kind, model in models.items():
        probs = sample_probs(model, x, samples, generator=generator(seed, device))  # (S, 1, 10)
        s = scores(probs)
        mean = probs.mean(0)[0]  # (10,)
        out[kind] = {
            "predicted": int(mean.argmax()),
            "confidence": round(float(mean.max()), 4),
            "entropy": round(float(s.entropy[0]), 4),
            "mutual_information": round(float(s.mutual_information[0]), 4),
            "expected_entropy": round(float(s.expected_entropy[0]), 4),
            "passes": probs.shape[0],
        }
    sync(device)
    ms = round((time.perf_counter() - t0) * 1000, 1)
    pixels = (x[0, 0].cpu() * 255).round().to(torch.uint8).tolist()  # (28, 28)
    return {"degrees": float(degrees), "models": out, "image": pixels, "ms": ms}


def digit_sweep(
    models: dict[str, Model], image: Tensor, angles: Sequence[float], samples: int, device: torch.device, seed: int = 0
) -> list[dict[str, Any]]:
    """:func:`angle_report` at each of ``angles`` (each computed alone, so any one of them equals a live run)."""
    return [angle_report(models, image, a, samples, device, seed) for a in angles]


def digit_record(
    models: dict[str, Model],
    test: Split,
    index: int,
    angles: Sequence[float],
    samples: int,
    device: torch.device,
    seed: int = 0,
) -> dict[str, Any]:
    """The panel's record for test digit ``index``: its pixels, true label, and every model at every angle."""
    if not 0 <= index < len(test.x):
        raise ValueError(f"test digit index must be between 0 and {len(test.x) - 1}, got {index}")
    image = test.x[index]  # (1, 28, 28)
    return {
        "index": index,
        "label": int(test.y[index]),
        "samples": samples,
        "seed": seed,
        "angles": list(angles),
        "sweep": digit_sweep(models, image, angles, samples, device, seed),
    }


def shipped_digit(
    index: int, angles: Sequence[float], samples: int, device: torch.device, seed: int = 0
) -> dict[str, Any]:
    """:func:`digit_record` on the shipped checkpoints and the fixed test split (what ``panel --save`` writes)."""
    from demos.bayesian import checkpoints
    from demos.bayesian.data import load_mnist

    return digit_record(checkpoints.load(device), load_mnist().test, index, angles, samples, device, seed)
