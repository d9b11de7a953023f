"""Rendering a 64 x 64, 16-frame clip of moving shapes and computing Farnebäck's flow between all 15 frame pairs,
on the CPU (target: within 300 ms). One torch thread (the app's compute shares the machine). Prints JSON.
Usage: python bench/video_clip_flow.py [repeats]"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    import torch

    from demos.scenes.clips import ClipConfig, make_clips
    from demos.video.flow import farneback, to_uint8

    torch.set_num_threads(1)
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    config = ClipConfig(frames=16, image_size=64, pan=1.5)
    render_ms, flow_ms = [], []
    for seed in range(repeats + 1):
        t0 = time.perf_counter()
        clip = make_clips(1, seed, config)[0]
        frames = to_uint8(clip.frames.numpy())
        t1 = time.perf_counter()
        for t in range(15):
            farneback(frames[t], frames[t + 1])
        t2 = time.perf_counter()
        if seed:  # the first run warms up torch and OpenCV
            render_ms.append((t1 - t0) * 1000)
            flow_ms.append((t2 - t1) * 1000)
    total = [r + f for r, f in zip(render_ms, flow_ms, strict=True)]
    print(
        json.dumps(
            {
                "clip": "64 x 64, 16 frames, up to 3 shapes, panning textured background",
                "repeats": repeats,
                "render_median_ms": round(statistics.median(render_ms), 1),
                "farneback_15_pairs_median_ms": round(statistics.median(flow_ms), 1),
                "total_median_ms": round(statistics.median(total), 1),
                "total_max_ms": round(max(total), 1),
                "target_ms": 300,
                "hardware": f"{os.cpu_count()}-core {platform.machine()} CPU, 1 torch thread",
                "load_average_1min": round(os.getloadavg()[0], 2),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
