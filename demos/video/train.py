"""Training and evaluating the action models: one seeded recipe for all of them, checkpoints with their records.

``python -m demos.video train`` trains every model in :data:`~demos.video.models.MODELS` on the same seeded
clips and writes ``checkpoints/<model>.pt`` plus ``checkpoints/actions.json`` (command, seed, seconds, losses,
hardware per model). Evaluation renders fresh test clips from another seed.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from demos.common import generator, seeded, sync
from demos.video.actions import ACTIONS, ActionConfig, ActionData, make_actions, to_tensor
from demos.video.models import TwoStream, build, parameters

CHECKPOINTS = Path(__file__).resolve().parent / "checkpoints"
RECORD = CHECKPOINTS / "actions.json"
TRAIN_DATA_SEED = 1  # the training clips; the model seed (--seed) only sets initialisation and batch order
TEST_DATA_SEED = 90_000  # held-out clips for evaluation, never trained on
FLOW_SCALE = 2.0  # flows are divided by this (pixels) before they reach a network


@dataclass(frozen=True)
class TrainConfig:
    model: str  # one of MODELS
    train_clips: int = 1600  # 200 per class
    epochs: int = 8
    batch_size: int = 32
    lr: float = 5e-3  # Adam's peak rate under a one-cycle schedule
    width: int = 8  # channels of the first layer; later layers use 2x
    seed: int = 0  # initialisation and batch order
    frames: int = 8
    side: int = 32


@dataclass
class TrainResult:
    model: nn.Module
    losses: list[float]  # mean training loss per epoch
    seconds: float
    stopped: bool = False


def inputs(data: ActionData, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Clips ``(N, T, 3, H, W)`` in [0, 1] and scaled flows ``(N, T-1, 2, H, W)`` on ``device``."""
    return to_tensor(data.clips).to(device), (torch.from_numpy(data.flows) / FLOW_SCALE).to(device)


def train(
    config: TrainConfig,
    data: ActionData,
    device: torch.device,
    on_epoch: Callable[[int, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Train one model on ``data`` (its first ``config.train_clips`` clips); seeded by ``config.seed`` through a
    private generator and :func:`demos.common.seeded`, so nothing process-wide changes."""
    with seeded(config.seed):
        model = build(config.model, config.frames, len(ACTIONS), config.width).to(device)
    clips, flows = inputs(data, device)
    clips, flows = clips[: config.train_clips], flows[: config.train_clips]
    labels = torch.from_numpy(data.labels[: config.train_clips]).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    steps_per_epoch = -(-len(labels) // config.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=config.lr, total_steps=config.epochs * steps_per_epoch)
    g = generator(config.seed)
    losses: list[float] = []
    t0 = time.perf_counter()
    stopped = False
    model.train()
    for epoch in range(config.epochs):
        order = torch.randperm(len(labels), generator=g).to(device)
        total, count = 0.0, 0
        for start in range(0, len(order), config.batch_size):
            idx = order[start : start + config.batch_size]
            loss = F.cross_entropy(model(clips[idx], flows[idx]), labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
            total, count = total + float(loss.detach()) * len(idx), count + len(idx)
            if should_stop is not None and should_stop():
                stopped = True
                break
        losses.append(total / max(count, 1))
        if on_epoch is not None:
            on_epoch(epoch, losses[-1])
        if stopped:
            break
    sync(device)
    model.eval()
    return TrainResult(model=model, losses=losses, seconds=time.perf_counter() - t0, stopped=stopped)


@torch.no_grad()
def predict(model: nn.Module, data: ActionData, device: torch.device, batch: int = 100) -> np.ndarray:
    """Class probabilities ``(N, classes)`` for every clip of ``data``."""
    clips, flows = inputs(data, device)
    out = [F.softmax(model(clips[i : i + batch], flows[i : i + batch]), 1).cpu() for i in range(0, len(clips), batch)]
    return torch.cat(out).numpy()


@torch.no_grad()
def stream_accuracy(model: TwoStream, data: ActionData, device: torch.device) -> dict[str, float]:
    """Accuracy of the two-stream model's spatial and temporal streams, each alone."""
    clips, flows = inputs(data, device)
    spatial, temporal = model.streams(clips, flows)
    labels = torch.from_numpy(data.labels).to(device)
    return {
        "spatial": float((spatial.argmax(1) == labels).float().mean()),
        "temporal": float((temporal.argmax(1) == labels).float().mean()),
    }


@torch.no_grad()
def ms_per_clip(model: nn.Module, data: ActionData, device: torch.device, repeat: int = 7) -> float:
    """Median wall time of classifying one clip (batch of one, flow given), milliseconds."""
    from demos.common import median_ms

    clips, flows = inputs(data, device)
    return median_ms(lambda: model(clips[:1], flows[:1]), device, repeat=repeat)


# ------------------------------------------------------------------------------------------------ checkpoints


def checkpoint_path(name: str) -> Path:
    return CHECKPOINTS / f"{name}.pt"


def save(model: nn.Module, config: TrainConfig) -> None:
    CHECKPOINTS.mkdir(parents=True, exist_ok=True)
    torch.save({"config": asdict(config), "state": model.state_dict()}, checkpoint_path(config.model))


def load(name: str, device: torch.device) -> tuple[nn.Module, TrainConfig]:
    """The shipped model ``name`` and the config it was trained with. Raises ``FileNotFoundError`` with the
    command that makes it when the checkpoint is missing."""
    path = checkpoint_path(name)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run python -m demos.video train --models {name} --threads 1")
    saved = torch.load(path, map_location=device, weights_only=True)
    config = TrainConfig(**saved["config"])
    with seeded(0):
        model = build(config.model, config.frames, len(ACTIONS), config.width)
    model.load_state_dict(saved["state"])
    return model.to(device).eval(), config


def read_record() -> dict[str, Any]:
    try:
        data = json.loads(RECORD.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@functools.lru_cache(maxsize=2)
def test_data(n: int, seed: int = TEST_DATA_SEED) -> ActionData:
    """``n`` held-out clips (kept for the process: the actions and trajectories claims share them)."""
    return make_actions(n, seed, ActionConfig())


@torch.no_grad()
def macs(model: nn.Module, data: ActionData, device: torch.device) -> int:
    """Multiply-adds to classify one clip, counted by torch's FLOP counter (half its FLOPs): a cost that does
    not depend on how busy the machine is."""
    from torch.utils.flop_counter import FlopCounterMode

    clips, flows = inputs(data, device)
    with FlopCounterMode(display=False) as counter:
        model(clips[:1], flows[:1])
    return counter.get_total_flops() // 2


def accuracy(probs: np.ndarray, labels: np.ndarray) -> float:
    return float((probs.argmax(1) == labels).mean())


def model_size(model: nn.Module) -> int:
    return parameters(model)
