"""The detector-families lab's GPU path, run once by ``python -m demos.gpu_check --only detect``: one epoch of the
feature-pyramid detector, then every method's time per image on held-out scenes and the shipped FPN's AP."""

from __future__ import annotations

import time

import torch

from demos.common import sync
from demos.detect.data import TEST_SEED, scenes, truth
from demos.detect.evaluate import METHODS, candidates, size_ap, suppress
from demos.detect.train import TrainConfig, load, train


def gpu_check(device: torch.device, train_scenes: int = 256, batch: int = 64) -> dict[str, object]:
    out: dict[str, object] = {}
    t0 = time.perf_counter()
    trained = train("fpn", TrainConfig(scenes=train_scenes, epochs=1), device=device)
    sync(device)
    out["fpn_one_epoch_s"] = round(time.perf_counter() - t0, 2)
    out["fpn_one_epoch_loss"] = round(trained.losses[0], 4)
    data = scenes(batch, TEST_SEED)
    images = torch.stack([s.image for s in data]).to(device)
    for method in METHODS:
        model = load("windows" if method in ("windows", "proposals") else method, device)
        x = images[:1] if method in ("windows", "proposals") else images
        candidates(method, model, x)  # warm-up
        sync(device)
        t0 = time.perf_counter()
        found = candidates(method, model, x)
        sync(device)
        out[f"{method}_ms_per_image"] = round((time.perf_counter() - t0) * 1000 / len(x), 3)
        if method == "fpn":
            dets = [suppress(c) for c in found]
            out["fpn_ap50"] = round(size_ap(dets, [truth(s) for s in data]), 4)
    return out
