"""The early-layers lab's GPU path, run once by ``python -m demos.gpu_check --only filters``: one epoch of the digits
network on the device, and the ImageNet first layer's responses to a photo there, checked against the CPU's."""

from __future__ import annotations

import time

import torch

from demos.common import sync
from demos.filters.layers import DigitsTrainConfig, imagenet_first, normalise_photo, responses, train_digits


def gpu_check(device: torch.device, epochs: int = 1, digits: int = 4000) -> dict[str, object]:
    from demos.seg.superpixels import photo

    out: dict[str, object] = {}
    t0 = time.perf_counter()
    result = train_digits(DigitsTrainConfig(epochs=epochs, digits=digits), device=device)
    sync(device)
    out["digits_train_s"] = round(time.perf_counter() - t0, 2)
    out["digits_held_out_accuracy"] = round(result.accuracy, 4)
    weights = imagenet_first()
    x = normalise_photo(photo("astronaut"))
    on_device = responses(weights.to(device), x.to(device)).cpu()
    out["responses_max_gap_vs_cpu"] = float((on_device - responses(weights, x)).abs().max())
    return out
