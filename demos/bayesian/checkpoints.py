"""Saving and loading the shipped checkpoints: one ``<kind>.pt`` state dict per model plus ``train.json``
(the command, seed, configs, seconds, hardware and training figures)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from demos.bayesian.models import MODEL_KINDS, Model, NetConfig, build
from demos.common import seeded

CHECKPOINT_DIR = Path(__file__).resolve().parent / "checkpoints"
TRAIN_JSON = "train.json"


def save(
    models: dict[str, Model], net: NetConfig, meta: dict[str, dict[str, object]], directory: Path = CHECKPOINT_DIR
) -> None:
    """Write ``<kind>.pt`` for each model and record ``meta[kind]`` in train.json. Models trained earlier with the
    same :class:`NetConfig` keep their entries, so models can be trained by separate (parallel) commands."""
    directory.mkdir(parents=True, exist_ok=True)
    for kind, model in models.items():
        state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
        torch.save(state, directory / f"{kind}.pt")
    old = read_json(TRAIN_JSON, directory)
    same_net = old is not None and old.get("net") == json.loads(json.dumps(asdict(net)))
    entries: dict[str, Any] = dict(old["models"]) if old is not None and same_net else {}
    entries.update(meta)
    info = {"net": asdict(net), "models": {k: entries[k] for k in MODEL_KINDS if k in entries}}
    (directory / TRAIN_JSON).write_text(json.dumps(info, indent=2) + "\n")


def read_json(name: str, directory: Path = CHECKPOINT_DIR) -> dict[str, Any] | None:
    path = directory / name
    return json.loads(path.read_text()) if path.exists() else None


def load(device: torch.device, directory: Path = CHECKPOINT_DIR) -> dict[str, Model]:
    """Every model that has a checkpoint in ``directory``, in eval mode on ``device``; raises FileNotFoundError
    with the command that makes them when there are none. Building a model draws its throwaway initial weights
    under :func:`demos.common.seeded`, so loading leaves torch's global generator as it was."""
    info = read_json(TRAIN_JSON, directory)
    if info is None:
        raise FileNotFoundError(f"no {TRAIN_JSON} in {directory}: run `python -m demos.bayesian train` first")
    net_fields = dict(info["net"])
    net_fields["channels"] = tuple(net_fields["channels"])
    net = NetConfig(**net_fields)
    models: dict[str, Model] = {}
    for kind in MODEL_KINDS:
        path = directory / f"{kind}.pt"
        if path.exists() and kind in info["models"]:
            with seeded(0):
                model = build(kind, net)
            model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
            models[kind] = model.to(device).eval()
    return models
