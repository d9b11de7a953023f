"""Command line for the NMS lab.

``python -m demos.nms train``        trains the shapes detector (seeded) into artifacts/nms/ (``--out`` elsewhere;
                                     ``--out demos/nms/checkpoints/shapes_detector.pt`` replaces the shipped one)
``python -m demos.nms eval --json``  measures the lab's claims (AP@0.5 per method on held-out crowded scenes,
                                     equality with torchvision); ``--full`` on 200 scenes, ``--save`` for the page
``python -m demos.nms bench --json`` own nms vs torchvision.ops.nms at 100, 1,000 and 10,000 boxes
``python -m demos.nms scene --save``  the card panel's shipped scene (seed 7) at every IoU threshold
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from demos.claims import add_eval_command, run_cli
from demos.common import LabError, add_common_args, bounded, check_common_args, describe

RESULTS = Path(__file__).resolve().parent / "results"
TRAIN_OUT = Path(__file__).resolve().parents[2] / "artifacts" / "nms" / "shapes_detector.pt"  # git-ignored


def train_command(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from demos.nms.detector import TrainConfig, save, train

    device = check_common_args(args)
    out: Path = args.out
    if out.suffix != ".pt" or out.is_dir():
        raise LabError(f"--out must name a .pt file (its record is written next to it as .json), got {out}")
    config = TrainConfig(seed=args.seed)
    if args.epochs is not None:
        bounded("--epochs", args.epochs, 1, 200)
        config = replace(config, epochs=args.epochs)
    if args.scenes is not None:
        bounded("--scenes", args.scenes, 16, 50_000)
        config = replace(config, train_scenes=args.scenes)
    result = train(
        config, device=device, on_epoch=lambda e, loss: print(f"epoch {e + 1}: loss {loss:.4f}", file=sys.stderr)
    )
    meta = {
        "command": "python -m demos.nms train"
        + (f" --seed {args.seed}" if args.seed else "")
        + (f" --epochs {args.epochs}" if args.epochs is not None else "")
        + (f" --scenes {args.scenes}" if args.scenes is not None else "")
        + (f" --device {device.type}" if device.type != "cpu" else ""),
        "train_config": asdict(config),
        "epoch_losses": [round(v, 4) for v in result.losses],
        "seconds": round(result.seconds, 1),
        "device": str(device),
        "hardware": describe(device),
        "torch": str(torch.__version__),
    }
    save(result.model, out, meta)
    out.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    return {**meta, "checkpoint": str(out)}


def bench_command(args: argparse.Namespace) -> dict[str, Any]:
    from demos.nms.speed import bench

    check_common_args(args)
    for n in args.sizes:
        bounded("--sizes", n, 1, 50_000)
    bounded("--repeat", args.repeat, 1, 100)
    report = bench(args.sizes, args.repeat)
    report["command"] = "python -m demos.nms bench --json"
    if args.save:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "bench.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def scene_command(args: argparse.Namespace) -> dict[str, Any]:
    from demos.nms.panel import PANEL_METHODS, scene_runs

    device = check_common_args(args)
    bounded("--seed", args.seed, 0, 999_999)
    if args.method not in PANEL_METHODS:
        raise LabError(f"--method must be one of {', '.join(PANEL_METHODS)}, got {args.method!r}")
    data = scene_runs(args.seed, args.method, device)
    if args.save:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "panel_scene.json").write_text(json.dumps(data) + "\n")
    return {k: v for k, v in data.items() if k != "image"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.nms", description="Non-max suppression lab tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train the shapes detector (seeded) and write a checkpoint plus its record")
    add_common_args(t)
    t.add_argument(
        "--out",
        type=Path,
        default=TRAIN_OUT,
        help=f"checkpoint to write (default {TRAIN_OUT.relative_to(TRAIN_OUT.parents[2])}; the shipped one is "
        "demos/nms/checkpoints/shapes_detector.pt, replaced only when named here)",
    )
    t.add_argument("--epochs", type=int, help="override the default number of epochs (1..200)")
    t.add_argument("--scenes", type=int, help="override the number of training scenes (16..50000)")
    add_eval_command(sub)
    b = sub.add_parser("bench", help="own nms vs torchvision.ops.nms at several box counts, CPU and CUDA")
    add_common_args(b, seed=None)
    b.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    b.add_argument("--repeat", type=int, default=7)
    b.add_argument("--save", action="store_true", help="also write demos/nms/results/bench.json for the page")
    s = sub.add_parser("scene", help="one scene's boxes at every IoU threshold of the panel's slider")
    add_common_args(s, seed=7)
    s.add_argument("--method", default="greedy", help="greedy or batched (class-aware)")
    s.add_argument("--save", action="store_true", help="write demos/nms/results/panel_scene.json (the card panel)")
    args = parser.parse_args(argv)
    return run_cli("nms", args, argv, {"train": train_command, "bench": bench_command, "scene": scene_command})


if __name__ == "__main__":
    sys.exit(main())
