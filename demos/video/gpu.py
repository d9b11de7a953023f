"""The video labs' GPU path, run once by ``python -m demos.gpu_check``: a few training steps of every action model
on the device, its time per clip, and the shipped models' accuracy on a small held-out set there.
``gpu_check(device, clips=...)`` with few clips is what the unit test runs on the CPU."""

from __future__ import annotations

import functools
import time

import torch

from demos.common import median_ms, sync
from demos.video.actions import make_actions
from demos.video.models import MODELS
from demos.video.train import TrainConfig, accuracy, inputs, load, predict, train


def gpu_check(device: torch.device, clips: int = 64, epochs: int = 1) -> dict[str, object]:
    data = make_actions(clips, 123)
    out: dict[str, object] = {"clips": clips}
    for name in MODELS:
        t0 = time.perf_counter()
        result = train(TrainConfig(model=name, train_clips=clips, epochs=epochs, batch_size=16), data, device)
        sync(device)
        x, f = inputs(data, device)
        with torch.no_grad():
            ms = median_ms(functools.partial(result.model, x[:16], f[:16]), device, repeat=3)
        shipped, _ = load(name, device)
        out[name] = {
            "train_s": round(time.perf_counter() - t0, 2),
            "final_loss": round(result.losses[-1], 4),
            "ms_per_16_clips": round(ms, 2),
            "shipped_accuracy": round(accuracy(predict(shipped, data, device), data.labels), 4),
        }
    return out
