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
from demos.common import cudnn_flags, generator, seeded

CHECKPOINT = Path(__file__).resolve().parent / "checkpoints" / "captioner.pt"


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
    model: ModelConfig = field(default_factory=ModelConfig)  # the network (its defaults are the shipped one)


# The published decoder at the shipped widths: LSTM started from the grid's mean, attention before reading the
# previous word, the attended features fed back.
SHOW_ATTEND_TELL = ModelConfig(init_from_image=True, look_after_word=False, feedback="context")
# The README's ablation, by name: each is `python -m demos.captioning train --recipe NAME --steps 1200`.
ABLATIONS: dict[str, TrainConfig] = {
    "shipped": TrainConfig(),
    "show-attend-tell": TrainConfig(attention_entropy=0.0, model=SHOW_ATTEND_TELL),
    "show-attend-tell+entropy": TrainConfig(attention_entropy=0.05, model=SHOW_ATTEND_TELL),
    "zero-start-after-word": TrainConfig(attention_entropy=0.0, model=ModelConfig(feedback="context")),
    "where-only": TrainConfig(attention_entropy=0.0),
    "where-only+entropy": TrainConfig(attention_entropy=0.05),
}

# The page's live training: the shipped architecture on 1,000 scenes, bounded to about 30 s on the 2-core CPU.
LIVE = TrainConfig(train_scenes=1000, steps=150, warmup=20)
LIVE_SECONDS = 30.0  # a live run stops by itself after this long


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
    on_step: Callable[[Progress], bool | None] | None = None,
    data: CaptionSet | None = None,
) -> tuple[Captioner, list[Progress]]:
    """Train a captioner from scratch; the same config and device give the same weights, whatever other code
    does with torch's global generator meanwhile. ``on_step`` is called after every step (a page's progress bar)
    and may return True to stop early; the returned history holds every step's loss.

    Nothing process-wide changes: the initial weights are drawn under :func:`demos.common.seeded`, and batch
    order, phrasings and dropout masks come from private generators. On the CPU the dropout generator starts
    where initialisation left the seeded global one, so a run draws exactly the numbers it drew when it seeded
    the global generator itself (the shipped checkpoint's recipe)."""
    with seeded(config.seed):
        model = Captioner(config.model)
        masks = torch.Generator().manual_seed(config.seed)
        masks.set_state(torch.random.get_rng_state())  # continue from where initialisation stopped
    if device.type != "cpu":  # masks are drawn on the device, from a generator of that device
        masks = generator(config.seed, device)
    order_gen = torch.Generator().manual_seed(config.seed)
    if data is None:
        scenes = make_split("train", config.train_scenes, scene_config(config.min_objects, config.max_objects))
        data = caption_set(scenes)
    model = model.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
    history: list[Progress] = []
    started = time.perf_counter()
    n = data.images.shape[0]
    order = torch.randperm(n, generator=order_gen)
    cursor = 0
    model.train()
    with cudnn_flags(deterministic=True, benchmark=False):
        for step in range(config.steps):
            if cursor + config.batch > n:
                order, cursor = torch.randperm(n, generator=order_gen), 0
            rows = order[cursor : cursor + config.batch]
            cursor += config.batch
            images = data.images[rows].to(device)  # (B, 3, S, S)
            tokens = batch_tokens(data, rows, order_gen).to(device)  # (B, T)
            for group in optimiser.param_groups:
                group["lr"] = learning_rate(config, step)
            logits, alphas = model(images, tokens, masks)
            loss, ce = caption_loss(logits, alphas, tokens, config.doubly_stochastic, config.attention_entropy)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
            optimiser.step()
            record = Progress(step + 1, config.steps, loss.item(), ce.item(), time.perf_counter() - started)
            history.append(record)
            if on_step is not None and on_step(record):
                break
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
