"""Command line for the NMS demo: ``python -m demos.nms bench --json``."""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence

import torch
import torchvision

from demos.nms.ops import nms


def random_boxes(n: int, device: torch.device, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * 1000  # (N, 2)
    wh = torch.rand(n, 2, generator=g) * 150 + 1  # (N, 2)
    return torch.cat([xy, xy + wh], dim=1).to(device), torch.rand(n, generator=g).to(device)


def median_ms(fn: Callable[[], object], device: torch.device, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def bench(sizes: Sequence[int], repeat: int, threshold: float = 0.5) -> dict[str, object]:
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    results = {}
    for device in devices:
        rows = []
        for n in sizes:
            boxes, scores = random_boxes(n, device)
            same = torch.equal(nms(boxes, scores, threshold).cpu(), torchvision.ops.nms(boxes, scores, threshold).cpu())
            own = median_ms(lambda b=boxes, s=scores: nms(b, s, threshold), device, repeat)
            ref = median_ms(lambda b=boxes, s=scores: torchvision.ops.nms(b, s, threshold), device, repeat)
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
    name = torch.cuda.get_device_name(0) if torch.cuda.is_available() else platform.processor() or platform.machine()
    return {"iou_threshold": threshold, "repeat": repeat, "device_name": name, "results": results}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.nms", description="Non-max suppression demo tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bench", help="own nms vs torchvision.ops.nms at several box counts, CPU and CUDA")
    b.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    b.add_argument("--repeat", type=int, default=7)
    b.add_argument("--json", action="store_true", help="print JSON (the default output too)")
    args = parser.parse_args(argv)
    if any(n < 1 or n > 50_000 for n in args.sizes) or args.repeat < 1:
        print("--sizes must be between 1 and 50000 and --repeat at least 1", file=sys.stderr)
        return 2
    print(json.dumps(bench(args.sizes, args.repeat), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
