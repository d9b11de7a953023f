"""The records the convolution labs' panels show: each a JSON-ready dict, made by a ``python -m demos.conv``
command (``--save`` writes it under ``demos/conv/results/``) and, for the parts a learner can change, by the
same functions when the panel computes live.

Every record carries what it was measured on (:func:`stamp`), so a page can say where its numbers come from.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch

from demos.common import hardware, label
from demos.conv.arithmetic import output_size, receptive_field

RESULTS = Path(__file__).resolve().parent / "results"
GPU_RECORD = RESULTS / "gpu_record.json"  # written by gpu_check on CUDA; absent until a GPU run records it

# Receptive-field stacks the arithmetic lab offers: (title, [(layer name, layer), ...]).
Layer = dict[str, int]


def _conv(k: int, s: int = 1, d: int = 1) -> tuple[str, Layer]:
    words = f"conv {k}×{k}" + (f" /{s}" if s > 1 else "") + (f" dilation {d}" if d > 1 else "")
    return words, {"kernel": k, "stride": s, "dilation": d}


def _pool(k: int, s: int) -> tuple[str, Layer]:
    return f"max-pool {k}×{k} /{s}", {"kernel": k, "stride": s, "dilation": 1}


def _vgg16() -> list[tuple[str, Layer]]:
    out: list[tuple[str, Layer]] = []
    for i, convs in enumerate((2, 2, 3, 3, 3)):
        out += [_conv(3)] * convs
        if i < 4:
            out.append(_pool(2, 2))
    return out


STACKS: dict[str, tuple[str, list[tuple[str, Layer]]]] = {
    "3x3": ("3×3 convolutions, stride 1", [_conv(3)] * 8),
    "dilated": ("3×3 convolutions, dilation 1, 2, 4, 8, …", [_conv(3, d=2**i) for i in range(8)]),
    "vgg16": ("VGG-16 up to conv5_3: 3×3 convolutions and 2×2 max-pools", _vgg16()),
    "alexnet": (
        "AlexNet's feature layers",
        [_conv(11, 4), _pool(3, 2), _conv(5), _pool(3, 2), _conv(3), _conv(3), _conv(3)],
    ),
}
CAUSAL: dict[str, Any] = {"kernel": 2, "dilations": [1, 2, 4, 8], "length": 32}
VIDEO = {"channels": 3, "frames": 15, "side": 227, "filters": 96, "kernel": 11, "stride": 4}  # AlexNet's first layer


def stamp(device: torch.device, command: str, started: float) -> dict[str, Any]:
    """Where, when and how a record was made."""
    return {
        "device": label(device),
        "hardware": hardware(device),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": round(time.perf_counter() - started, 1),
        "command": command,
    }


def save(name: str, record: dict[str, Any]) -> Path:
    """Write ``results/<name>.json`` atomically."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record) + "\n")
    tmp.replace(path)
    return path


# ------------------------------------------------------------------------------------------------ arithmetic


def field_row(layers: list[Layer]) -> dict[str, Any]:
    """Formula and gradient side by side for one stack; the gradient profile scaled to a maximum of 1."""
    from demos.conv.receptive import empirical_receptive_field

    got = empirical_receptive_field(layers)
    top = max(got["profile"]) or 1
    return {
        "formula": receptive_field(layers),
        "extent": got["extent"],
        "pixels_reached": got["pixels_reached"],
        "profile": [round(v / top, 4) for v in got["profile"]],
    }


def arithmetic_record(device: torch.device, command: str) -> dict[str, Any]:
    """Receptive fields of every preset stack at every depth (formula and gradient), the causal and centred
    stacks' Jacobians, Program #5's CNN layer by layer as torch reports it, and 3-D convolution shapes."""
    from torch import nn

    from demos.conv.program5 import make_cnn
    from demos.conv.receptive import causal_jacobian, layer_table

    t0 = time.perf_counter()
    stacks = {}
    for key, (title, named) in STACKS.items():
        layers = [layer for _, layer in named]
        stacks[key] = {
            "title": title,
            "names": [name for name, _ in named],
            "layers": layers,
            "depths": [field_row(layers[: d + 1]) for d in range(len(layers))],
        }
    causal = {
        **CAUSAL,
        "causal": [[round(v, 5) for v in row] for row in causal_jacobian(**CAUSAL, causal=True).tolist()],
        "centred": [[round(v, 5) for v in row] for row in causal_jacobian(**CAUSAL, causal=False).tolist()],
        "field": receptive_field([{"kernel": CAUSAL["kernel"], "dilation": d} for d in CAUSAL["dilations"]]),
    }
    table = layer_table(make_cnn("3x3"), (1, 28, 28))
    layers_so_far: list[Layer] = []
    for row, module in zip(table, (m for m in make_cnn("3x3").modules() if not list(m.children())), strict=True):
        if isinstance(module, nn.Conv2d | nn.MaxPool2d):
            k = module.kernel_size if isinstance(module.kernel_size, int) else module.kernel_size[0]
            s = module.stride if isinstance(module.stride, int) else module.stride[0]
            layers_so_far.append({"kernel": int(k), "stride": int(s)})
        row["field"] = receptive_field(layers_so_far) if layers_so_far else 1
    v = VIDEO
    video = []
    for t in range(1, v["frames"] + 1):
        conv = nn.Conv3d(
            v["channels"], v["filters"], (t, v["kernel"], v["kernel"]), stride=(1, v["stride"], v["stride"])
        )
        shape = conv.to("meta")(torch.empty(1, v["channels"], v["frames"], v["side"], v["side"], device="meta")).shape
        video.append(
            {
                "temporal_extent": t,
                "torch_shape": list(shape[1:]),
                "formula_shape": [
                    v["filters"],
                    output_size(v["frames"], t),
                    output_size(v["side"], v["kernel"], v["stride"]),
                    output_size(v["side"], v["kernel"], v["stride"]),
                ],
                "parameters": sum(p.numel() for p in conv.parameters()),
            }
        )
    return {
        "stacks": stacks,
        "causal": causal,
        "cnn_table": table,
        "video": {**v, "rows": video},
        **stamp(device, command, t0),
    }


# ------------------------------------------------------------------------------------------------ three ways


def race_record(
    device: torch.device, command: str, full: bool = True, log: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """im2col, FFT and the library over kernel sizes 3-31 and images 32-256 (``full``) or a quick subset."""
    from demos.conv.race import race

    t0 = time.perf_counter()
    if full:
        result = race(device=device, repeat=5, log=log)
    else:
        result = race(images=(64,), kernels=(3, 7, 15, 31), device=device, repeat=3, log=log)
    return {**result, **stamp(device, command, t0)}


# ------------------------------------------------------------------------------------------------ strassen


def strassen_point(n: int, leaf: int, device: torch.device, repeat: int = 3, seed: int = 0) -> dict[str, Any]:
    """Strassen, the 8-product blocked split and the library at n x n with ``leaf``: median ms, relative error
    against float64 and the counts of the real runs."""
    from demos.common import generator, median_ms
    from demos.conv.ops import relative_error
    from demos.conv.strassen import Counts, blocked_matmul, strassen_matmul

    gen = generator(seed)
    a64 = torch.randn(n, n, generator=gen, dtype=torch.float64)
    b64 = torch.randn(n, n, generator=gen, dtype=torch.float64)
    want = a64 @ b64
    a, b = a64.float().to(device), b64.float().to(device)
    out: dict[str, Any] = {"n": n, "leaf": leaf}
    for name, fn in (("strassen", strassen_matmul), ("blocked", blocked_matmul)):
        counts = Counts()
        got = fn(a, b, leaf, counts)

        def again(f: Callable[..., torch.Tensor] = fn) -> torch.Tensor:
            return f(a, b, leaf)

        out[name] = {
            "ms": round(median_ms(again, device, repeat=repeat, warmup=0), 3),
            "error": relative_error(got.cpu(), want),
            "depth": counts.depth,
            "leaf_products": counts.leaf_products,
            "multiplications": counts.multiplications,
            "block_additions": counts.additions,
        }
    out["library"] = {
        "ms": round(median_ms(lambda: a @ b, device, repeat=repeat, warmup=1), 3),
        "error": relative_error((a @ b).cpu(), want),
    }
    return out


def strassen_record(device: torch.device, command: str, full: bool = True) -> dict[str, Any]:
    """Error and counts against recursion depth at n = 512 (leaves 512 down to 16), and time against size at the
    default leaf 64 (n = 128 ... 1024)."""
    t0 = time.perf_counter()
    leaves = (512, 256, 128, 64, 32, 16) if full else (256, 128, 64)
    sizes = (128, 256, 512, 1024) if full else (128, 256)
    depth_n = 512 if full else 256
    return {
        "by_depth": [strassen_point(depth_n, leaf, device, repeat=1) for leaf in leaves],
        "by_size": [strassen_point(n, 64, device, repeat=3) for n in sizes],
        **stamp(device, command, t0),
    }


# ------------------------------------------------------------------------------------------------ blocks


def blocks_record(device: torch.device, command: str, channels: int = 64, size: int = 56) -> dict[str, Any]:
    """Every efficient-block comparison at ``channels`` channels on a ``size`` x ``size`` input."""
    from demos.conv.blocks import PAIRS, compare

    t0 = time.perf_counter()
    return {
        "channels": channels,
        "size": size,
        "pairs": [compare(p, channels, size, device) for p in PAIRS],
        **stamp(device, command, t0),
    }


# ------------------------------------------------------------------------------------------------ precision


def precision_record(device: torch.device, command: str, full: bool = True) -> dict[str, Any]:
    """Formats (measured overflow and underflow points), the rounding error of storing a value in each format,
    matmul and convolution error against float64 at several sizes, matmul speed per format, and the three
    training runs."""
    from demos.conv.precision import (
        FLOATS,
        MODES,
        TrainConfig,
        cast_error,
        formats,
        load_train,
        matmul_ms,
        product_error,
        train_run,
    )

    t0 = time.perf_counter()
    values = torch.logspace(-10, 6, 321, dtype=torch.float64)  # (321,)
    sizes = (64, 128, 256, 512) if full else (64, 128)
    errors = {
        op: {fmt: [product_error(op, fmt, s, device) for s in sizes] for fmt in (*FLOATS, "int8")}
        for op in ("matmul", "conv")
    }
    speed_sizes = (256, 512, 1024) if full else (256,)
    speed = {fmt: [round(matmul_ms(fmt, s, device), 3) for s in speed_sizes] for fmt in FLOATS}
    config = TrainConfig() if full else TrainConfig(steps=200, images=4096)
    data = load_train(config.images)
    runs = {mode: train_run(mode, config, device, data) for mode in MODES}
    return {
        "cpu_matrix_flags": cpu_flags(),
        "formats": formats(),
        "cast": {"values": values.tolist(), "error": cast_error(values)},
        "errors": {"sizes": list(sizes), **errors},
        "speed": {"sizes": list(speed_sizes), "ms": speed},
        "training": runs,
        **stamp(device, command, t0),
    }


def cpu_flags() -> list[str]:
    """Which 16-bit arithmetic extensions this CPU reports (Linux /proc/cpuinfo): AMX and AVX-512 BF16/FP16."""
    wanted = ("amx_bf16", "amx_fp16", "avx512_bf16", "avx512_fp16")
    try:
        words = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        return []
    return [w for w in wanted if w in words]


# ------------------------------------------------------------------------------------------------ throughput


def throughput_record(device: torch.device, command: str, full: bool = True) -> dict[str, Any]:
    from demos.conv.throughput import CONV_SIZES, MATMUL_SIZES, curves

    t0 = time.perf_counter()
    if full:
        got = curves(device, repeat=7)
    else:
        got = curves(device, matmul_sizes=MATMUL_SIZES[:4], conv_sizes=CONV_SIZES[:3], repeat=3)
    return {**got, **stamp(device, command, t0)}


def gpu_record() -> dict[str, Any] | None:
    """The GPU curves recorded by ``python -m demos.gpu_check`` on a CUDA machine, or None when there are none."""
    try:
        data = json.loads(GPU_RECORD.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
