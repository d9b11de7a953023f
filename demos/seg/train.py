"""Seeded training of the segmentation models, and their checkpoints.

Every model learns from the same training scenes with the same per-pixel cross-entropy (the patch classifier
sees the same loss through the pixels it samples). Randomness comes from a private ``torch.Generator``; models
are built under :func:`demos.common.seeded`, so a run changes no process-wide state and the same seed on the
same device gives the same weights.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from demos.common import generator, read_half, save_half, seeded
from demos.seg.data import TRAIN_SEED, SegSet, seg_set
from demos.seg.models import KINDS, PatchClassifier, RecurrentRefiner, SegConfig, build, patches_at

CPU = torch.device("cpu")
CHECKPOINTS = Path(__file__).resolve().parent / "checkpoints"


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 0  # weights, batch order, flips and sampled patches
    scenes: int = 600  # training scenes, rendered once
    epochs: int = 10
    batch_size: int = 16  # images per step
    lr: float = 4e-3  # AdamW peak, one-cycle schedule
    weight_decay: float = 1e-4
    patches_per_image: int = 48  # patch classifier: pixels sampled from each image per step


@dataclass
class TrainResult:
    model: nn.Module
    losses: list[float] = field(default_factory=list)  # mean loss per epoch
    seconds: float = 0.0
    stopped: bool = False


def loss_of(model: nn.Module, images: Tensor, labels: Tensor, g: torch.Generator, per_image: int) -> Tensor:
    """The training loss of one batch: images (B, 3, S, S), labels (B, S, S)."""
    if isinstance(model, PatchClassifier):
        b, s = labels.shape[0], labels.shape[-1]
        flat = torch.randint(s * s, (b, per_image), generator=g).to(images.device)  # (B, K)
        index = torch.arange(b, device=images.device).repeat_interleave(per_image)  # (B*K,)
        rows, cols = (flat // s).flatten(), (flat % s).flatten()  # (B*K,)
        patches = patches_at(images, rows, cols, index, model.config.patch)  # (B*K, 3, P, P)
        return F.cross_entropy(model.classify(patches), labels[index, rows, cols])
    if isinstance(model, RecurrentRefiner):  # every pass is asked for the answer, the last one most
        passes = model.passes(images)
        weights = torch.linspace(0.5, 1.0, len(passes)).tolist()
        return sum(w * F.cross_entropy(p, labels) for w, p in zip(weights, passes, strict=True)) / sum(weights)
    return F.cross_entropy(model(images), labels)


def train(
    kind: str,
    train_config: TrainConfig = TrainConfig(),
    config: SegConfig | None = None,
    device: torch.device = CPU,
    data: SegSet | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Train a model of ``kind`` from scratch on ``data`` (default: ``train_config.scenes`` training scenes)."""
    if kind not in KINDS:
        raise ValueError(f"unknown model {kind!r}; choose one of {', '.join(KINDS)}")
    t0 = time.perf_counter()
    data = data if data is not None else seg_set(train_config.scenes, TRAIN_SEED)
    with seeded(train_config.seed):
        model = build(kind, config or SegConfig())
    model = model.to(device)
    images, labels = data.images.to(device), data.labels.to(device)  # (N, 3, S, S), (N, S, S)
    n, bs = len(images), train_config.batch_size
    steps = train_config.epochs * ((n + bs - 1) // bs)
    opt = torch.optim.AdamW(model.parameters(), lr=train_config.lr, weight_decay=train_config.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=train_config.lr, total_steps=steps, pct_start=0.2)
    g = generator(train_config.seed)
    result = TrainResult(model=model)
    for epoch in range(train_config.epochs):
        model.train()
        order = torch.randperm(n, generator=g).to(device)
        total = 0.0
        for start in range(0, n, bs):
            idx = order[start : start + bs]
            x, y = images[idx], labels[idx]
            if bool(torch.rand((), generator=g) < 0.5):  # mirror left-right (shapes stay the same shapes)
                x, y = x.flip(-1), y.flip(-1)
            loss = loss_of(model, x, y, g, train_config.patches_per_image)
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


def checkpoint_path(kind: str, folder: Path = CHECKPOINTS) -> Path:
    return folder / f"{kind}.pt"


def save(model: nn.Module, kind: str, path: Path, meta: dict[str, Any]) -> None:
    """Half-precision weights plus the model's config and the record of the run (a few tens of KB)."""
    config: SegConfig = model.config  # type: ignore[assignment]
    save_half(path, kind, model, meta, config=asdict(config))


def load(kind: str, device: torch.device = CPU, folder: Path = CHECKPOINTS) -> nn.Module:
    """The shipped model of ``kind``; a clear error naming the command that makes it if it is missing."""
    path = checkpoint_path(kind, folder)
    remake = f"python -m demos.seg train --model {kind} --threads 1"
    blob = read_half(path, kind, remake)
    raw = dict(blob["config"])
    raw["widths"] = tuple(raw["widths"])
    with seeded(0):
        model = build(kind, SegConfig(**raw))
    model.load_state_dict(blob["state_dict"])
    return model.to(device).eval()
