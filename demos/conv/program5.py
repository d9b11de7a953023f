"""The notes' Program #5: the same small CNN with 3 x 3 filters or with 1 x 7 then 7 x 1 filters, trained on
Fashion-MNIST, train and test accuracy side by side.

Both networks are two stages of two convolutions (ReLU after each) and a 2 x 2 max-pool, then one linear layer
on the flattened 32 x 7 x 7 volume. Only the filter shapes differ: a stage of two 3 x 3 convolutions sees 5 x 5
pixels of its input with 18 C^2 weights; 1 x 7 then 7 x 1 sees 7 x 7 with 14 C^2. Training is seeded (model
built under :func:`demos.common.seeded`, batches drawn from a private generator), Adam, cross-entropy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from demos.common import generator, load_fashion, seeded

KINDS: dict[str, str] = {"3x3": "3×3 filters", "1x7-7x1": "1×7 then 7×1 filters"}


def _stage(kind: str, c_in: int, c_out: int) -> list[nn.Module]:
    if kind == "3x3":
        convs = [nn.Conv2d(c_in, c_out, 3, padding=1), nn.Conv2d(c_out, c_out, 3, padding=1)]
    elif kind == "1x7-7x1":
        convs = [nn.Conv2d(c_in, c_out, (1, 7), padding=(0, 3)), nn.Conv2d(c_out, c_out, (7, 1), padding=(3, 0))]
    else:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    return [convs[0], nn.ReLU(), convs[1], nn.ReLU(), nn.MaxPool2d(2)]


def make_cnn(kind: str, width: int = 16) -> nn.Sequential:
    """(N, 1, 28, 28) -> logits (N, 10): two stages (``width`` then ``2 * width`` channels), flatten, linear."""
    return nn.Sequential(
        *_stage(kind, 1, width),  # (N, W, 14, 14)
        *_stage(kind, width, 2 * width),  # (N, 2W, 7, 7)
        nn.Flatten(),  # (N, 2W * 49)
        nn.Linear(2 * width * 49, 10),  # (N, 10)
    )


@dataclass(frozen=True)
class Config:
    train_images: int = 12_000  # first images of a seeded shuffle of Fashion-MNIST's 60,000 training images
    test_images: int = 10_000  # first images of the 10,000 test images
    epochs: int = 4
    batch_size: int = 64
    lr: float = 1e-3  # Adam
    width: int = 16  # channels of the first stage (the second has twice as many)
    seed: int = 0

    def check(self) -> None:
        problems = []
        if not 100 <= self.train_images <= 60_000:
            problems.append(f"train_images must be 100..60000, got {self.train_images}")
        if not 100 <= self.test_images <= 10_000:
            problems.append(f"test_images must be 100..10000, got {self.test_images}")
        if not 1 <= self.epochs <= 50:
            problems.append(f"epochs must be 1..50, got {self.epochs}")
        if not 1 <= self.batch_size <= 1024:
            problems.append(f"batch_size must be 1..1024, got {self.batch_size}")
        if not 0 < self.lr <= 1:
            problems.append(f"lr must be in (0, 1], got {self.lr}")
        if not 4 <= self.width <= 128:
            problems.append(f"width must be 4..128, got {self.width}")
        if problems:
            raise ValueError("; ".join(problems))


@dataclass(frozen=True)
class Progress:
    kind: str
    step: int
    steps: int
    loss: float


def load_data(config: Config) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Train and test images as float (N, 1, 28, 28) in [0, 1] and labels (N,); the training subset is a seeded
    shuffle so every class is represented."""
    xtr, ytr = load_fashion("train")
    xte, yte = load_fashion("test")
    order = np.random.default_rng(config.seed).permutation(len(xtr))[: config.train_images]

    def prep(x: np.ndarray) -> Tensor:
        return torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1)  # (N, 1, 28, 28)

    return (
        prep(xtr[order]),
        torch.from_numpy(ytr[order]),
        prep(xte[: config.test_images]),
        torch.from_numpy(yte[: config.test_images]),
    )


@torch.no_grad()
def accuracy(model: nn.Module, x: Tensor, y: Tensor, batch: int = 1000) -> float:
    model.eval()
    device = next(model.parameters()).device
    right = sum(
        int((model(x[i : i + batch].to(device)).argmax(1).cpu() == y[i : i + batch]).sum())
        for i in range(0, len(x), batch)
    )
    return right / len(x)


def train_one(
    kind: str,
    data: tuple[Tensor, Tensor, Tensor, Tensor],
    config: Config,
    device: torch.device,
    on_progress: Callable[[Progress], None] | None = None,
) -> dict[str, Any]:
    """Train the ``kind`` network on ``data`` (from :func:`load_data`) and return its train and test accuracy,
    parameters, per-epoch mean loss and seconds. ``on_progress`` is called after every batch."""
    xtr, ytr, xte, yte = data
    with seeded(config.seed):
        model = make_cnn(kind, config.width)
    model = model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    gen = generator(config.seed + 1)
    per_epoch = (len(xtr) + config.batch_size - 1) // config.batch_size
    steps, step, losses = per_epoch * config.epochs, 0, []
    t0 = time.perf_counter()
    for _ in range(config.epochs):
        model.train()
        order = torch.randperm(len(xtr), generator=gen)
        total = 0.0
        for i in range(0, len(xtr), config.batch_size):
            idx = order[i : i + config.batch_size]
            loss = F.cross_entropy(model(xtr[idx].to(device)), ytr[idx].to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            step += 1
            if on_progress is not None:
                on_progress(Progress(kind, step, steps, loss.item()))
        losses.append(round(total / len(xtr), 4))
    seconds = time.perf_counter() - t0
    return {
        "kind": kind,
        "filters": KINDS[kind],
        "parameters": sum(p.numel() for p in model.parameters()),
        "conv_parameters": sum(p.numel() for m in model if isinstance(m, nn.Conv2d) for p in m.parameters()),
        "train_accuracy": round(accuracy(model, xtr, ytr), 4),
        "test_accuracy": round(accuracy(model, xte, yte), 4),
        "epoch_losses": losses,
        "train_seconds": round(seconds, 2),
    }


def run(config: Config, device: torch.device, on_progress: Callable[[Progress], None] | None = None) -> dict[str, Any]:
    """Both networks on the same data, seed and schedule. Returns ``{"config", "runs": {kind: result}}``."""
    config.check()
    data = load_data(config)
    runs = {kind: train_one(kind, data, config, device, on_progress) for kind in KINDS}
    return {"config": asdict(config), "runs": runs, "dataset": "Fashion-MNIST"}
