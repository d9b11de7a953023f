"""Seeded training with teacher forcing, and the checkpoint format."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from demos.captioning.data import CaptionSet, caption_set, make_split, scene_config
from demos.captioning.model import Captioner, ModelConfig, caption_loss

CHECKPOINT = Path(__file__).resolve().parent / "checkpoints" / "captioner.pt"


# The shipped model: small enough to train in minutes on two CPU cores.
# The decoder starts from zeros and feeds back only where it looked, so every word about how an object looks is
# read through that word's own attention (README: the ablation against Show, Attend and Tell as published).
SMALL_MODEL = ModelConfig(
    channels=(16, 32, 64),
    feature_dim=64,
    hidden_dim=128,
    embed_dim=32,
    attention_dim=64,
    init_from_image=False,
    look_after_word=True,
    feedback="where",
)


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 0  # seeds the weights, batch order and which phrasing each step teaches
    train_scenes: int = 8000  # scenes 0 .. n-1 of the train split
    min_objects: int = 1  # objects per training scene, inclusive range
    max_objects: int = 4
    steps: int = 4000  # optimiser steps
    batch: int = 32  # scenes per step
    lr: float = 3e-3  # Adam peak learning rate; cosine decay to 2% after a short warm-up
    warmup: int = 100  # linear warm-up steps
    clip: float = 5.0  # gradient-norm clip
    doubly_stochastic: float = 0.002  # lambda of lambda * sum_l (1 - sum_t alpha_tl)^2
    attention_entropy: float = 0.03  # weight of the mean attention entropy in the loss (0 = off)
    model: ModelConfig = field(default_factory=lambda: SMALL_MODEL)  # the network


# The page's train-live config: a minute or two on a CPU, seconds on a GPU.
LIVE = TrainConfig(train_scenes=1000, steps=300)


@dataclass
class Progress:
    step: int  # steps done
    steps: int  # steps planned
    loss: float  # total loss of the latest step
    ce: float  # its cross-entropy part
    seconds: float  # since training started


def learning_rate(config: TrainConfig, step: int) -> float:
    if step < config.warmup:
        return config.lr * (step + 1) / config.warmup
    done = (step - config.warmup) / max(1, config.steps - config.warmup)
    return config.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * done)))


def batch_tokens(data: CaptionSet, rows: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One random phrasing per scene, trimmed to the longest in the batch: (B, T) int64."""
    phrasing = torch.randint(data.tokens.shape[1], (rows.shape[0],), generator=generator)  # (B,)
    tokens = data.tokens[rows, phrasing]  # (B, Tmax)
    longest = int(data.lengths[rows, phrasing].max())
    return tokens[:, :longest]


def train(
    config: TrainConfig,
    device: torch.device,
    on_step: Callable[[Progress], None] | None = None,
    data: CaptionSet | None = None,
) -> tuple[Captioner, list[Progress]]:
    """Train a captioner from scratch; the same config and device give the same weights. ``on_step`` is
    called after every step (a page's progress bar); the returned history holds every step's loss."""
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    if data is None:
        scenes = make_split("train", config.train_scenes, scene_config(config.min_objects, config.max_objects))
        data = caption_set(scenes)
    model = Captioner(config.model).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
    history: list[Progress] = []
    started = time.perf_counter()
    n = data.images.shape[0]
    order = torch.randperm(n, generator=generator)
    cursor = 0
    model.train()
    for step in range(config.steps):
        if cursor + config.batch > n:
            order, cursor = torch.randperm(n, generator=generator), 0
        rows = order[cursor : cursor + config.batch]
        cursor += config.batch
        images = data.images[rows].to(device)  # (B, 3, S, S)
        tokens = batch_tokens(data, rows, generator).to(device)  # (B, T)
        for group in optimiser.param_groups:
            group["lr"] = learning_rate(config, step)
        logits, alphas = model(images, tokens)
        loss, ce = caption_loss(logits, alphas, tokens, config.doubly_stochastic, config.attention_entropy)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimiser.step()
        record = Progress(step + 1, config.steps, loss.item(), ce.item(), time.perf_counter() - started)
        history.append(record)
        if on_step is not None:
            on_step(record)
    model.eval()
    return model, history


def save(model: Captioner, path: Path) -> None:
    """Weights as float32 plus the model config, loadable without this run's training config."""
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    torch.save({"config": asdict(model.config), "state": state}, path)


def load(path: Path, device: torch.device) -> Captioner:
    """A captioner saved by :func:`save`, in eval mode on ``device``. Raises ``FileNotFoundError`` with the
    command that makes the checkpoint if ``path`` is missing."""
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}; make it with: python -m demos.captioning train")
    saved = torch.load(path, map_location=device, weights_only=True)
    raw = saved["config"]
    config = ModelConfig(**{**raw, "channels": tuple(raw["channels"])})
    model = Captioner(config).to(device)
    model.load_state_dict(saved["state"])
    return model.eval()
