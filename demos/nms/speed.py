"""Own ``nms`` against ``torchvision.ops.nms``: the same result, and how much slower a readable loop is."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import torch
import torchvision

from demos.common import describe, median_ms
from demos.nms.ops import nms


def random_boxes(n: int, device: torch.device, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` random boxes in a 1,000-pixel square (sides 1 to 151 px) and their scores, from a private seed."""
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * 1000  # (N, 2)
    wh = torch.rand(n, 2, generator=g) * 150 + 1  # (N, 2)
    return torch.cat([xy, xy + wh], dim=1).to(device), torch.rand(n, generator=g).to(device)


def bench(
    sizes: Sequence[int], repeat: int, threshold: float = 0.5, devices: Sequence[torch.device] | None = None
) -> dict[str, Any]:
    """Median milliseconds of own nms and torchvision's at each box count, on the CPU and (if present) CUDA."""
    if devices is None:
        devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    results = {}
    for device in devices:
        rows = []
        for n in sizes:
            boxes, scores = random_boxes(n, device)
            same = torch.equal(nms(boxes, scores, threshold).cpu(), torchvision.ops.nms(boxes, scores, threshold).cpu())
            own = median_ms(partial(nms, boxes, scores, threshold), device, repeat)
            ref = median_ms(partial(torchvision.ops.nms, boxes, scores, threshold), device, repeat)
            rows.append(
                {
                    "boxes": n,
                    "own_ms": round(own, 3),
                    "torchvision_ms": round(ref, 3),
                    "ratio": round(own / ref, 2),
                    "same_result": same,
                }
            )
        results[device.type] = rows
    cpu = describe(torch.device("cpu"), threads=True)
    name = f"{cpu} and {describe(torch.device('cuda'))}" if torch.cuda.is_available() else cpu
    return {"iou_threshold": threshold, "repeat": repeat, "device_name": name, "results": results}
