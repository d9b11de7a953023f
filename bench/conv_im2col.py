"""The lab's im2col convolution against the library's (``F.conv2d``) at 3 x 3 kernels on 64 x 64 images, CPU.

The target: within 3x of ``F.conv2d``. Several layer widths, one torch thread (set here, in a command), the
fastest and the median of many runs each, the two interleaved. Prints JSON; on a shared CPU the figures are
upper bounds. Usage: python bench/conv_im2col.py [--threads 1] [--repeat 50].
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch
import torch.nn.functional as F

from demos.common import time_ms
from demos.conv.ops import conv2d_im2col, relative_error

LAYERS = ((1, 3, 8), (1, 16, 16), (1, 64, 64), (8, 16, 16))  # (batch, in channels, out channels)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cpu = torch.device("cpu")
    gen = torch.Generator().manual_seed(0)
    rows: list[dict[str, float | str]] = []
    for n, c, o in LAYERS:
        x = torch.randn(n, c, 64, 64, generator=gen)  # (N, C, 64, 64)
        w = torch.randn(o, c, 3, 3, generator=gen)  # (O, C, 3, 3)
        assert relative_error(conv2d_im2col(x, w, padding=1), F.conv2d(x, w, padding=1)) < 1e-4

        def own(x: torch.Tensor = x, w: torch.Tensor = w) -> torch.Tensor:
            return conv2d_im2col(x, w, padding=1)

        def library(x: torch.Tensor = x, w: torch.Tensor = w) -> torch.Tensor:
            return F.conv2d(x, w, padding=1)

        ours: list[float] = []
        lib: list[float] = []
        with torch.no_grad():
            for _ in range(args.repeat):  # interleaved, so both see the same moments of a shared CPU
                ours += time_ms(own, cpu, 1, warmup=1)
                lib += time_ms(library, cpu, 1, warmup=1)
        rows.append(
            {
                "layer": f"{n} x {c} x 64 x 64 -> {o} channels, 3 x 3, padding 1",
                "im2col_best_ms": round(min(ours), 4),
                "conv2d_best_ms": round(min(lib), 4),
                "im2col_median_ms": round(statistics.median(ours), 4),
                "conv2d_median_ms": round(statistics.median(lib), 4),
                "ratio_best": round(min(ours) / min(lib), 2),
                "ratio_median": round(statistics.median(ours) / statistics.median(lib), 2),
            }
        )
    report = {
        "target": "im2col within 3x of F.conv2d",
        "met": all(float(r["ratio_best"]) <= 3 for r in rows),
        "layers": rows,
        "threads": args.threads,
        "hardware": f"{os.cpu_count()}-core {platform.machine()} CPU, torch {torch.__version__}",
        "load_average_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "command": f"python bench/conv_im2col.py --threads {args.threads} --repeat {args.repeat}",
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
