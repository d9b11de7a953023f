"""The convolution labs' GPU path, run once by ``python -m demos.gpu_check`` (``--allow-cpu`` runs it on the CPU).

On CUDA it checks every operation against the library on the device, races im2col / FFT / cuDNN over a few
kernel sizes, times each float format, trains float16 with real ``torch.autocast`` kernels with and without
loss scaling, and records the throughput curves the GPU lab plots (``results/gpu_record.json``, with the GPU's
name and the date). On the CPU the same steps run at tiny sizes and nothing is written.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import torch
import torch.nn.functional as F

from demos.common import generator, hardware, sync


def gpu_check(device: torch.device) -> dict[str, Any]:
    from demos.conv.ops import conv2d_fft, conv2d_im2col, relative_error
    from demos.conv.precision import FLOATS, MODES, TrainConfig, load_train, matmul_ms, mean_tail, train_run
    from demos.conv.race import crossovers, time_cell
    from demos.conv.records import GPU_RECORD, strassen_point
    from demos.conv.throughput import CONV_SIZES, MATMUL_SIZES, curves

    real = device.type == "cuda"
    gen = generator(0)
    x = torch.randn(4, 8, 32 if real else 12, 32 if real else 12, generator=gen).to(device)  # (N, C, H, W)
    w = torch.randn(16, 8, 5, 5, generator=gen).to(device)  # (O, C, 5, 5)
    ops = {
        "im2col_error": relative_error(conv2d_im2col(x, w, stride=2, padding=1), F.conv2d(x, w, stride=2, padding=1)),
        "fft_error": relative_error(conv2d_fft(x, w, padding=2), F.conv2d(x, w, padding=2)),
    }
    cells = [
        time_cell(128 if real else 16, k, device, repeat=5 if real else 1) for k in ((3, 11, 31) if real else (3, 7))
    ]
    strassen = strassen_point(1024 if real else 64, 256 if real else 16, device, repeat=3 if real else 1)
    speed = {fmt: round(matmul_ms(fmt, 4096 if real else 64, device, repeat=5 if real else 1), 4) for fmt in FLOATS}
    config = TrainConfig(steps=300) if real else TrainConfig(steps=3, depth=2, width=16, batch_size=16, images=256)
    data = load_train(config.images)
    t0 = time.perf_counter()
    runs = {mode: train_run(mode, config, device, data) for mode in MODES}
    sync(device)
    train_s = time.perf_counter() - t0
    if real:
        got = curves(device, repeat=7)
    else:
        got = curves(device, matmul_sizes=MATMUL_SIZES[:2], conv_sizes=CONV_SIZES[:1], repeat=1)
    out: dict[str, Any] = {
        "ops": ops,
        "race": {"cells": cells, "crossover": crossovers(cells)},
        "strassen": {k: strassen[k] for k in ("n", "leaf", "strassen", "library")},
        "matmul_ms_by_format": {"size": 4096 if real else 64, "ms": speed},
        "float16_training": {
            mode: {
                "loss_end": round(mean_tail(r["losses"]), 4),
                "zero_grad_share": mean_tail(r["first_layer_zero_grad_share"]),
                "emulated": r["emulated"],
            }
            for mode, r in runs.items()
        },
        "float16_training_seconds": round(train_s, 2),
        "throughput": got,
    }
    if real:
        record = {
            **out,
            "hardware": hardware(device),
            "device": torch.cuda.get_device_name(device),
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": "python -m demos.gpu_check --only conv",
        }
        GPU_RECORD.parent.mkdir(exist_ok=True)
        GPU_RECORD.write_text(json.dumps(record) + "\n")
        out["recorded"] = str(GPU_RECORD.name)
    return out
