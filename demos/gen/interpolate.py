"""Latent-space interpolation: walk in a straight line between two digits' codes and decode each step.

The "looks like a digit" score of an image is the family classifier's top softmax probability. A path scores the
mean of it over the path's inner steps (the endpoints are reconstructions of real digits). A cross-fade in pixel
space is the baseline every latent path should beat: halfway it is two half-bright digits on top of each other.

Shapes: S steps along the path (endpoints included), k latent size, 784 pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from demos.common import generator
from demos.gen.autoencoders import AutoEncoder, codes
from demos.gen.classifier import DigitCNN, probabilities


def line(za: torch.Tensor, zb: torch.Tensor, steps: int) -> torch.Tensor:
    """``steps`` points from ``za (k,)`` to ``zb (k,)`` inclusive, evenly spaced: ``(S, k)``."""
    if steps < 2:
        raise ValueError(f"a path needs at least 2 steps, got {steps}")
    t = torch.linspace(0, 1, steps, dtype=za.dtype)[:, None]  # (S, 1)
    return (1 - t) * za + t * zb  # (S, k)


@torch.no_grad()
def latent_path(model: AutoEncoder, a: torch.Tensor, b: torch.Tensor, steps: int) -> torch.Tensor:
    """Decoded images ``(S, 784)`` along the straight line between the codes of images ``a`` and ``b``
    (each ``(784,)`` or ``(1, 28, 28)``); step 0 is ``a``'s reconstruction and step S-1 is ``b``'s."""
    device = next(model.parameters()).device
    z = codes(model, torch.stack([a.reshape(784), b.reshape(784)]))  # (2, k)
    return model.decode(line(z[0], z[1], steps).to(device)).clamp(0, 1).cpu()  # (S, 784)


def pixel_path(a: torch.Tensor, b: torch.Tensor, steps: int) -> torch.Tensor:
    """The cross-fade baseline: ``(S, 784)`` blends of the two images themselves."""
    return line(a.reshape(784), b.reshape(784), steps)


@dataclass(frozen=True)
class PathScore:
    confidence: list[float]  # (S,) the classifier's top probability at each step
    label: list[int]  # (S,) its top class at each step

    @property
    def inner_mean(self) -> float:
        inner = self.confidence[1:-1]
        return sum(inner) / len(inner) if inner else float("nan")


def score_path(classifier: DigitCNN, images: torch.Tensor) -> PathScore:
    probs = probabilities(classifier, images)  # (S, 10)
    top, label = probs.max(-1)
    return PathScore([round(float(v), 4) for v in top], [int(v) for v in label])


def random_pairs(labels: torch.Tensor, n: int, seed: int) -> list[tuple[int, int]]:
    """``n`` index pairs of images with different digits, drawn with a private generator."""
    gen = generator(seed)
    out: list[tuple[int, int]] = []
    while len(out) < n:
        i, j = (int(v) for v in torch.randint(0, len(labels), (2,), generator=gen))
        if labels[i] != labels[j]:
            out.append((i, j))
    return out


def mean_inner_confidence(
    classifier: DigitCNN,
    images: torch.Tensor,
    pairs: list[tuple[int, int]],
    steps: int,
    model: AutoEncoder | None,
) -> tuple[float, list[float]]:
    """Mean inner-step confidence over ``pairs`` of ``images (N, 1, 28, 28)`` for ``model``'s latent paths (the
    pixel cross-fade when ``model`` is None), and the mean confidence at each step ``(S,)``."""
    paths = [
        pixel_path(images[i], images[j], steps) if model is None else latent_path(model, images[i], images[j], steps)
        for i, j in pairs
    ]
    probs = probabilities(classifier, torch.cat(paths)).max(-1).values.view(len(pairs), steps)  # (P, S)
    return float(probs[:, 1:-1].mean()), [round(float(v), 4) for v in probs.mean(0)]
