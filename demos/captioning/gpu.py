"""GPU path of the captioning demo: a few training steps on generated scenes and the time to caption one image.

Only torch and this project's demos package are imported, so it runs where Streamlit is not installed.
"""

from __future__ import annotations

import statistics
import time

import torch

from demos.captioning.data import caption_set, make_split, scene_config
from demos.captioning.model import beam_search, greedy
from demos.captioning.train import TrainConfig, train
from demos.common import sync


def gpu_check(device: torch.device, *, tiny: bool = False) -> dict[str, float | int | str]:
    """Train the shipped architecture for 60 steps on 1,024 scenes, then time greedy and beam-3 captioning of
    single images. The correctness numbers: the loss must fall, and attention rows must sum to 1. ``tiny`` runs
    the same stages at toy sizes (a CPU unit test)."""
    scenes, steps, batch, timed = (64, 12, 16, 3) if tiny else (1024, 60, 64, 11)
    data = caption_set(make_split("train", scenes, scene_config(1, 4)))
    config = TrainConfig(train_scenes=scenes, steps=steps, batch=batch, warmup=min(10, steps // 3))
    sync(device)
    t0 = time.perf_counter()
    model, history = train(config, device, data=data)
    sync(device)
    train_s = time.perf_counter() - t0
    images = make_split("test", timed, scene_config(1, 4))
    times: dict[str, list[float]] = {"greedy": [], "beam3": []}
    sums = []
    for i, r in enumerate(images):
        image = r.image.to(device)
        for name in times:
            sync(device)
            t = time.perf_counter()
            out = greedy(model, image[None])[0] if name == "greedy" else beam_search(model, image, width=3)
            sync(device)
            if i:  # the first image warms up
                times[name].append((time.perf_counter() - t) * 1000)
            if out.alphas.numel():
                sums.append(float((out.alphas.sum(dim=1) - 1).abs().max()))
    first = statistics.fmean(p.ce for p in history[:5])
    last = statistics.fmean(p.ce for p in history[-5:])
    return {
        "train_steps": config.steps,
        "train_seconds": round(train_s, 3),
        "ms_per_train_step": round(train_s / config.steps * 1000, 2),
        "loss_first5": round(first, 4),
        "loss_last5": round(last, 4),
        "loss_fell": last < first,
        "ms_per_image_greedy": round(statistics.median(times["greedy"]), 2),
        "ms_per_image_beam3": round(statistics.median(times["beam3"]), 2),
        "attention_row_sum_max_error": max(sums) if sums else 0.0,
    }
