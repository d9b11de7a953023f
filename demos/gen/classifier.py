"""The family's own MNIST classifier, the judge of generated digits: "does this look like a digit, and which?"

A small CNN (two 5x5 convolutions with 16 and 32 channels, a 64-unit hidden layer) trained on the family's 4,000
training digits. Its softmax confidence on a generated or interpolated image is the "looks like a digit" score of
the interpolation and GAN labs: high on real digits, lower on blends and blobs (it is only a proxy: a confident
classifier can still be fooled by an image no person would call a digit).

Shapes: N images ``(N, 1, 28, 28)`` in [0, 1], 10 classes.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import torch
from torch import nn
from torch.nn import functional as F

from demos.common import generator, seeded
from demos.gen.data import Split


@dataclass(frozen=True)
class ClassifierConfig:
    epochs: int = 6
    batch: int = 64
    lr: float = 2e-3  # Adam
    seed: int = 0


class DigitCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 5)  # (N, 16, 24, 24) -> pooled (N, 16, 12, 12)
        self.conv2 = nn.Conv2d(16, 32, 5)  # (N, 32, 8, 8) -> pooled (N, 32, 4, 4)
        self.fc1 = nn.Linear(32 * 4 * 4, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)  # (N, 16, 12, 12)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)  # (N, 32, 4, 4)
        return self.fc2(F.relu(self.fc1(h.flatten(1))))  # (N, 10)


@dataclass
class ClassifierRun:
    config: ClassifierConfig
    model: DigitCNN
    losses: list[float] = field(default_factory=list)  # mean per epoch
    seconds: float = 0.0


def train_classifier(train: Split, config: ClassifierConfig, device: torch.device) -> ClassifierRun:
    with seeded(config.seed):
        model = DigitCNN().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    gen = generator(config.seed + 1)
    run = ClassifierRun(config, model)
    t0 = time.perf_counter()
    model.train()
    for _ in range(config.epochs):
        order = torch.randperm(len(train), generator=gen)
        total = 0.0
        for i in range(0, len(train), config.batch):
            idx = order[i : i + config.batch]
            loss = F.cross_entropy(model(train.x[idx].to(device)), train.y[idx].to(device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        run.losses.append(round(total / len(train), 4))
    model.eval()
    run.seconds = time.perf_counter() - t0
    return run


@torch.no_grad()
def probabilities(model: DigitCNN, images: torch.Tensor) -> torch.Tensor:
    """Softmax ``(N, 10)`` for images ``(N, 1, 28, 28)`` or ``(N, 784)`` in [0, 1], on the model's device."""
    device = next(model.parameters()).device
    x = images.reshape(-1, 1, 28, 28).to(device)
    return torch.cat([F.softmax(model(x[i : i + 512]), -1) for i in range(0, len(x), 512)]).cpu()


def accuracy(model: DigitCNN, split: Split) -> float:
    return float((probabilities(model, split.x).argmax(-1) == split.y).float().mean())


def record(run: ClassifierRun) -> dict[str, object]:
    return {"config": asdict(run.config), "state": {k: v.half() for k, v in run.model.state_dict().items()}}


def from_record(rec: dict[str, object], device: torch.device) -> DigitCNN:
    model = DigitCNN()
    model.load_state_dict({k: v.float() for k, v in rec["state"].items()})  # type: ignore[attr-defined]
    return model.to(device).eval()
