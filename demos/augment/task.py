"""The small-data task the augmentations are measured on: name the shape (circle, square, triangle, diamond) in a
32 x 32 colour scene of one shape in any colour, place and size over varied backgrounds, from 10 labelled images
per class; a small CNN trained with and without each augmentation, several seeds, scored on 1,000 held-out
scenes.

Every run is seeded: the seed picks the 40 labelled scenes, the CNN's initialisation and every augmentation draw.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from demos.augment import ops
from demos.common import generator, seeded
from demos.scenes import SHAPES, SceneConfig, make_dataset

CONFIG = SceneConfig(image_size=32, min_objects=1, max_objects=1, sizes=("large",), noise=(0.0, 0.04))
LABELS_PER_CLASS = 10
TEST_SEED = 777_000  # held-out scenes, never labelled for training
POOL_SEED = 500_000  # labelled scenes are drawn from here, a different set per run seed
CHECKPOINTS = Path(__file__).resolve().parent / "checkpoints"
WEIGHTS = CHECKPOINTS / "cnns.pt"
RECORD = CHECKPOINTS / "cnns.json"
SEEDS: tuple[int, ...] = (0, 1, 2, 3, 4)

SETTINGS: dict[str, str] = {
    "none": "no augmentation",
    "crop": "random crops (shift up to 4 px)",
    "scale": "random scales (0.8x to 1.25x)",
    "flip": "left-right flips",
    "rotate": "rotations up to 15 degrees",
    "rotate-45": "rotations up to 45 degrees",
    "color-jitter": "colour jitter (brightness, contrast, saturation +-40%)",
    "pca-colour": "PCA colour noise (AlexNet, std 0.1)",
    "all": "crops, scales, flips, 15-degree rotations, colour jitter and PCA colour together",
}


@dataclass(frozen=True)
class Labelled:
    images: torch.Tensor  # (N, 3, 32, 32) float in [0, 1]
    labels: torch.Tensor  # (N,) int64 index into SHAPES


def labelled(seed: int, per_class: int = LABELS_PER_CLASS) -> Labelled:
    """``per_class`` scenes of each shape, the first ones of a seeded stream (so each seed labels other scenes)."""
    scenes = make_dataset(per_class * len(SHAPES) * 4, POOL_SEED + 1000 * seed, CONFIG)
    picked: list[int] = []
    counts = [0] * len(SHAPES)
    for i, s in enumerate(scenes):
        c = int(s.labels[0])
        if counts[c] < per_class:
            counts[c] += 1
            picked.append(i)
    if min(counts) < per_class:
        raise RuntimeError(f"seed {seed}: too few scenes of some shape ({counts}); draw a larger pool")
    return Labelled(
        torch.stack([scenes[i].image for i in picked]), torch.tensor([int(scenes[i].labels[0]) for i in picked])
    )


def test_set(n: int = 1000) -> Labelled:
    scenes = make_dataset(n, TEST_SEED, CONFIG)
    return Labelled(torch.stack([s.image for s in scenes]), torch.tensor([int(s.labels[0]) for s in scenes]))


def augmenter(setting: str, train: Labelled) -> Callable[[torch.Tensor, torch.Generator], torch.Tensor]:
    """The augmentation of ``setting`` as one function of (images, generator); PCA colour uses the labelled
    images' own colour statistics, as AlexNet used its training set's."""
    if setting not in SETTINGS:
        raise ValueError(f"setting {setting!r} is not one of {', '.join(SETTINGS)}")
    values, vectors = ops.rgb_pca(train.images)
    steps: dict[str, list[Callable[[torch.Tensor, torch.Generator], torch.Tensor]]] = {
        "none": [],
        "crop": [ops.random_crop],
        "scale": [ops.random_scale],
        "flip": [ops.random_flip],
        "rotate": [ops.random_rotation],
        "rotate-45": [lambda x, g: ops.random_rotation(x, g, 45.0)],
        "color-jitter": [ops.color_jitter],
        "pca-colour": [lambda x, g: ops.pca_colour(x, g, values, vectors)],
    }
    steps["all"] = [*steps["crop"], *steps["scale"], *steps["flip"], *steps["rotate"]]
    steps["all"] += [*steps["color-jitter"], *steps["pca-colour"]]
    chosen = steps[setting]

    def apply(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        for step in chosen:
            x = step(x, g)
        return x

    return apply


def small_cnn(width: int = 8) -> nn.Sequential:
    """Three 3 x 3 conv layers (width, 2x, 4x channels) with batch norm and pooling, global average, a linear
    layer to the 4 shapes."""
    return nn.Sequential(
        nn.Conv2d(3, width, 3, padding=1),
        nn.BatchNorm2d(width),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1),
        nn.BatchNorm2d(2 * width),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(2 * width, 4 * width, 3, padding=1),
        nn.BatchNorm2d(4 * width),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(4 * width, len(SHAPES)),
    )


@dataclass(frozen=True)
class RunConfig:
    setting: str  # one of SETTINGS
    seed: int = 0  # the labelled scenes, initialisation and augmentation draws
    steps: int = 200  # full-batch Adam steps on the 40 labelled images
    lr: float = 0.01
    width: int = 8


def train_run(
    config: RunConfig,
    device: torch.device,
    on_step: Callable[[int, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[nn.Module, list[float], float]:
    """Train one small CNN; returns (model in eval mode, loss every 10 steps, seconds)."""
    train = labelled(config.seed)
    augment = augmenter(config.setting, train)
    with seeded(config.seed):
        model = small_cnn(config.width).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    g = generator(config.seed)
    images, labels = train.images.to(device), train.labels.to(device)
    losses = []
    t0 = time.perf_counter()
    model.train()
    for step in range(config.steps):
        loss = F.cross_entropy(model(augment(images, g)), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 10 == 0:
            losses.append(round(float(loss.detach()), 4))
            if on_step is not None:
                on_step(step, losses[-1])
        if should_stop is not None and should_stop():
            break
    model.eval()
    return model, losses, time.perf_counter() - t0


@torch.no_grad()
def accuracy(model: nn.Module, data: Labelled, device: torch.device) -> float:
    preds = torch.cat(
        [model(data.images[i : i + 500].to(device)).argmax(1).cpu() for i in range(0, len(data.images), 500)]
    )
    return float((preds == data.labels).float().mean())


def run_key(setting: str, seed: int) -> str:
    return f"{setting}/seed{seed}"


def save_all(states: dict[str, dict[str, torch.Tensor]]) -> None:
    """Every run's weights in one file, as float16 (a few KB per run)."""
    CHECKPOINTS.mkdir(parents=True, exist_ok=True)
    torch.save({k: {n: t.half() for n, t in s.items()} for k, s in states.items()}, WEIGHTS)


def load_states() -> dict[str, dict[str, torch.Tensor]]:
    """The shipped runs' weights as saved (float16), or nothing when there is no file yet."""
    if not WEIGHTS.is_file():
        return {}
    saved: dict[str, dict[str, torch.Tensor]] = torch.load(WEIGHTS, map_location="cpu", weights_only=True)
    return saved


def load_all(device: torch.device) -> dict[str, nn.Module]:
    if not WEIGHTS.is_file():
        raise FileNotFoundError(f"{WEIGHTS} is missing: run python -m demos.augment train --threads 1")
    saved = torch.load(WEIGHTS, map_location="cpu", weights_only=True)
    record = read_record()
    out: dict[str, nn.Module] = {}
    for key, state in saved.items():
        width = int(record.get("runs", {}).get(key, {}).get("config", {}).get("width", 8))
        with seeded(0):
            model = small_cnn(width)
        model.load_state_dict({n: t.float() for n, t in state.items()})
        out[key] = model.to(device).eval()
    return out


def read_record() -> dict[str, Any]:
    try:
        data = json.loads(RECORD.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
