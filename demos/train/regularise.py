"""Regularisation on a small, noisy task: 50 digits per class, a fifth of their labels replaced by a wrong one,
and an MLP big enough to memorise them all, trained with no regularisation, an L2 penalty, an L1 penalty,
dropout or DropConnect. Reports train accuracy (against the labels it was given, wrong ones included), test
accuracy, the gap between them, and what each does to the weights.

The penalties are added to the loss explicitly (``l2 * Σw²/2``, ``l1 * Σ|w|`` over the weight matrices, not the
biases), so the code says what the notes say. Dropout and DropConnect draw their masks from the run's own
generator. DropConnect here draws one mask over each weight matrix per minibatch (Wan et al. draw one per
example, which costs a weight-matrix-sized mask per digit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch

from demos.common import generator
from demos.train.core import Data, MLPConfig, Progress, accuracy, build_mlp, fit, mnist

SMALL_MLP = MLPConfig(depth=2, width=256, act="relu")
TRAIN_PER_CLASS = 50
LABEL_NOISE = 0.2  # share of training labels replaced by a random wrong class
EPOCHS = 30
NEAR_ZERO = 1e-3  # a weight this small counts as switched off


@dataclass(frozen=True)
class Method:
    name: str
    l2: float = 0.0
    l1: float = 0.0
    dropout: float = 0.0
    dropconnect: float = 0.0


METHODS: dict[str, Method] = {
    "none": Method("none"),
    "l2": Method("l2", l2=1e-2),
    "l1": Method("l1", l1=3e-4),
    "dropout": Method("dropout", dropout=0.5),
    "dropconnect": Method("dropconnect", dropconnect=0.5),
}
LABELS = {"none": "No regularisation", "l2": "L2", "l1": "L1", "dropout": "Dropout", "dropconnect": "DropConnect"}


class MinibatchDropConnect(torch.nn.Module):
    """Wraps a linear layer: in training each weight is kept with probability 1 - p for the whole minibatch
    (mask from ``generator``), kept weights scaled by 1 / (1 - p); at test time the plain layer."""

    def __init__(self, linear: torch.nn.Linear, p: float) -> None:
        super().__init__()
        self.linear, self.p = linear, p
        self.generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return self.linear(x)
        w = self.linear.weight  # (O, I)
        keep = torch.rand(w.shape, generator=self.generator, device=w.device) >= self.p  # (O, I)
        return torch.nn.functional.linear(x, w * keep / (1 - self.p), self.linear.bias)  # (B, O)


@dataclass(frozen=True)
class RegRun:
    method: str
    train_acc: float
    test_acc: float
    near_zero: float  # fraction of the second layer's weights with |w| < NEAR_ZERO
    weight_hist: dict[str, list[float]]  # the second layer's weights: bin edges and counts
    curve: dict[str, object]
    seconds: float

    @property
    def gap(self) -> float:
        return self.train_acc - self.test_acc


def train_regularised(
    data: Data,
    method: Method,
    epochs: int = EPOCHS,
    *,
    seed: int = 0,
    lr: float = 0.05,
    batch_size: int = 50,
    config: MLPConfig = SMALL_MLP,
    device: torch.device | None = None,
    on_progress: Progress | None = None,
) -> RegRun:
    """SGD with momentum 0.9 for ``epochs`` passes over ``data``'s training set, with ``method``'s
    regularisation."""
    model = build_mlp(replace(config, dropout=method.dropout), seed, device)
    if method.dropconnect:
        for block in model.hidden:
            assert isinstance(block.linear, torch.nn.Linear)
            block.linear = MinibatchDropConnect(block.linear, method.dropconnect)
    gen = generator(seed)
    model.set_generator(gen)
    for m in model.modules():
        if isinstance(m, MinibatchDropConnect):
            m.generator = gen
    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]

    def penalty() -> torch.Tensor:
        total = torch.zeros((), device=weights[0].device)
        if method.l2:
            total = total + method.l2 / 2 * sum((w * w).sum() for w in weights)
        if method.l1:
            total = total + method.l1 * sum(w.abs().sum() for w in weights)
        return total

    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    steps = epochs * -(-len(data.y_train) // batch_size)
    curve = fit(
        model,
        data,
        opt.step,
        zero_grad=opt.zero_grad,
        steps=steps,
        batch_size=batch_size,
        generator=gen,
        penalty=penalty if (method.l1 or method.l2) else None,
        eval_every=max(steps // 20, 1),
        train_eval=True,
        on_progress=on_progress,
    )
    first = weights[1].detach().cpu().flatten().numpy()  # hidden-to-hidden: every input of it is active
    counts, edges = np.histogram(first, bins=np.linspace(-0.15, 0.15, 61))
    return RegRun(
        method=method.name,
        train_acc=accuracy(model, data.x_train, data.y_train),
        test_acc=accuracy(model, data.x_test, data.y_test),
        near_zero=float((np.abs(first) < NEAR_ZERO).mean()),
        weight_hist={"edges": np.round(edges, 4).tolist(), "counts": counts.tolist()},
        curve=curve.as_dict(every=max(steps // 100, 1)),
        seconds=curve.seconds,
    )


def task(noise: float = LABEL_NOISE, device: torch.device | None = None) -> Data:
    """The lab's data: :data:`TRAIN_PER_CLASS` digits per class with ``noise`` of their labels wrong; the test
    set keeps its true labels."""
    return noisy_labels(mnist(TRAIN_PER_CLASS, device=device), noise)


def compare(
    methods: Sequence[str] = tuple(METHODS),
    epochs: int = EPOCHS,
    *,
    seed: int = 0,
    noise: float = LABEL_NOISE,
    device: torch.device | None = None,
) -> list[RegRun]:
    data = task(noise, device)
    return [train_regularised(data, METHODS[m], epochs, seed=seed, device=device) for m in methods]


def noisy_labels(data: Data, fraction: float, seed: int = 0) -> Data:
    """``data`` with ``fraction`` of the training labels replaced by a random *other* class (test labels kept)."""
    if not 0 <= fraction < 1:
        raise ValueError(f"label-noise fraction must be in [0, 1), got {fraction}")
    gen = generator(seed + 1)
    y = data.y_train.clone()
    flip = torch.rand(len(y), generator=gen) < fraction  # (N,)
    shift = torch.randint(1, 10, (len(y),), generator=gen)  # (N,)
    y[flip.to(y.device)] = (y + shift.to(y.device))[flip.to(y.device)] % 10
    return Data(data.x_train, y, data.x_test, data.y_test)
