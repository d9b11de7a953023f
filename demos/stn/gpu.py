"""The spatial-transformer lab's GPU path, run once by ``python -m demos.gpu_check --only stn``: one epoch of the
transformer network, then both shipped models' held-out accuracy and time for the 1,000 warped digits."""

from __future__ import annotations

import time

import torch

from demos.common import sync
from demos.stn.train import KINDS, TrainConfig, accuracy, held_out, load, split, train


def gpu_check(device: torch.device, digits: int = 4000) -> dict[str, object]:
    out: dict[str, object] = {}
    train_digits = split()[0]
    subset = type(train_digits)(train_digits.images[:digits], train_digits.labels[:digits])
    t0 = time.perf_counter()
    trained = train("stn", TrainConfig(epochs=1), device=device, data=subset)
    sync(device)
    out["stn_one_epoch_s"] = round(time.perf_counter() - t0, 2)
    out["stn_one_epoch_loss"] = round(trained.losses[0], 4)
    data = held_out()
    images = data.images.to(device)
    for kind in KINDS:
        model = load(kind, device)
        accuracy(model, images, data.labels)  # warm-up
        sync(device)
        t0 = time.perf_counter()
        out[f"{kind}_accuracy"] = round(accuracy(model, images, data.labels), 4)
        sync(device)
        out[f"{kind}_ms_1000_digits"] = round((time.perf_counter() - t0) * 1000, 2)
    return out
