"""The augmentation lab's GPU path, run once by ``python -m demos.gpu_check``: every augmentation applied to a batch
on the device (time per batch), one short training run with all of them, and the shipped runs' accuracy there."""

from __future__ import annotations

import functools
import time
from dataclasses import replace

import torch

from demos.augment.task import SETTINGS, RunConfig, accuracy, augmenter, labelled, load_all, test_set, train_run
from demos.common import generator, median_ms


def gpu_check(device: torch.device, steps: int = 40, test_scenes: int = 200) -> dict[str, object]:
    train = labelled(0)
    x = train.images.to(device)
    g = generator(0)
    per_batch = {}
    for setting in SETTINGS:
        augment = augmenter(setting, train)
        per_batch[setting] = round(median_ms(functools.partial(augment, x, g), device, repeat=3), 3)
    t0 = time.perf_counter()
    model, losses, _ = train_run(replace(RunConfig("all"), steps=steps), device)
    test = test_set(test_scenes)
    shipped = load_all(device)
    return {
        "augment_ms_per_batch_of_40": per_batch,
        "train_all_s": round(time.perf_counter() - t0, 2),
        "train_all_losses": losses,
        "accuracy_after_short_run": round(accuracy(model, test, device), 4),
        "shipped_none_seed0_accuracy": round(accuracy(shipped["none/seed0"], test, device), 4),
    }
