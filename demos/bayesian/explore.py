"""One input, every model: what the demo page shows for a drawn or picked digit."""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch import Tensor

from demos.bayesian.data import add_noise, rotate
from demos.bayesian.evaluate import scores
from demos.bayesian.models import Model, sample_probs


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
    """Every pass's class probabilities for one ``(1, 28, 28)`` image, and its uncertainty scores."""
    torch.manual_seed(seed)
    x = image[None].to(device)  # (1, 1, 28, 28)
    t0 = time.perf_counter()
    probs = sample_probs(model, x, samples)  # (S, 1, 10)
    s = scores(probs)
    if device.type == "cuda":
        torch.cuda.synchronize()
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


@dataclass(frozen=True)
class Sweep:
    angles: list[float]  # degrees
    mean: list[list[float]]  # (A, 10) predictive distribution at each angle
    entropy: list[float]  # (A,)
    mutual_information: list[float]  # (A,)


@torch.no_grad()
def rotation_sweep(
    model: Model, image: Tensor, angles: list[float], samples: int, device: torch.device, seed: int = 0
) -> Sweep:
    """The predictive distribution and uncertainty of one ``(1, 28, 28)`` image rotated by each angle."""
    torch.manual_seed(seed)
    x = rotate(image[None].expand(len(angles), 1, 28, 28), torch.tensor(angles, dtype=torch.float32))
    probs = sample_probs(model, x.to(device), samples).cpu()  # (S, A, 10)
    s = scores(probs)
    return Sweep(angles, probs.mean(0).tolist(), s.entropy.tolist(), s.mutual_information.tolist())
