"""Command line for the captioning lab.

``python -m demos.captioning train``          trains a captioner (seeded) into artifacts/captioning/ with a JSON
                                              record of its command, seed, seconds, hardware and test metrics
                                              (``--out demos/captioning/checkpoints/captioner.pt`` replaces the
                                              shipped one; ``--recipe`` picks a named ablation)
``python -m demos.captioning eval --json``     measures the lab's claims on the shipped checkpoint (``--full``:
                                              the README's protocol; ``--save`` for the panel and page)
``python -m demos.captioning metrics --json``  every test metric of any checkpoint (greedy or beam search)
``python -m demos.captioning scene --save``    the card panel's shipped scene: caption and per-word attention
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from demos.claims import add_eval_command, run_cli
from demos.common import LabError, add_common_args, bounded, check_common_args, describe, hardware

if TYPE_CHECKING:
    import torch

    from demos.captioning.model import Captioner
    from demos.captioning.train import Progress, TrainConfig

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
SHIPPED = HERE / "checkpoints" / "captioner.pt"
TRAIN_OUT = HERE.parents[1] / "artifacts" / "captioning" / "captioner.pt"  # git-ignored
MAX_STEPS = 100_000
MAX_SCENES = 1_000_000  # a split's size
MAX_TEST_SCENES = 20_000


def record_path(checkpoint: Path) -> Path:
    return checkpoint.with_suffix(".json")


def make_record(
    model: Captioner,
    config: TrainConfig,
    history: list[Progress],
    seconds: float,
    checkpoint: Path,
    device: torch.device,
    command: str,
    hardware_text: str,
) -> dict[str, object]:
    """The JSON saved next to a checkpoint: how it was made and its test metrics (evaluated on ``device``)."""
    import torch

    from demos.captioning.evaluate import EvalConfig, evaluate

    metrics = evaluate(model, device, replace(EvalConfig(), max_objects=config.max_objects))
    return {
        "command": command,
        "seed": config.seed,
        "train_seconds": round(seconds, 1),
        "hardware": hardware_text,
        "torch": torch.__version__,
        "checkpoint_bytes": checkpoint.stat().st_size,
        "final_loss": round(sum(p.ce for p in history[-50:]) / len(history[-50:]), 4),
        "config": asdict(config),
        "metrics": metrics,
    }


def train_config(args: argparse.Namespace) -> TrainConfig:
    """The recipe named by ``--recipe``, with any option given on the command line put over it."""
    from demos.captioning.train import ABLATIONS

    if args.recipe not in ABLATIONS:
        raise LabError(f"--recipe must be one of {', '.join(ABLATIONS)}, got {args.recipe!r}")
    config = replace(ABLATIONS[args.recipe], seed=args.seed)
    for name, value, low, high in (
        ("--steps", args.steps, 1, MAX_STEPS),
        ("--scenes", args.scenes, 64, MAX_SCENES),
        ("--max-objects", args.max_objects, 1, 6),
        ("--doubly-stochastic", args.doubly_stochastic, 0, 10),
        ("--attention-entropy", args.attention_entropy, 0, 10),
    ):
        if value is not None:
            bounded(name, value, low, high)
    given = {
        "steps": args.steps,
        "train_scenes": args.scenes,
        "max_objects": args.max_objects,
        "doubly_stochastic": args.doubly_stochastic,
        "attention_entropy": args.attention_entropy,
    }
    config = replace(config, **{k: v for k, v in given.items() if v is not None})
    switches = {
        "mid_kernel": args.mid_kernel,
        "head_kernel": args.head_kernel,
        "init_from_image": None if args.init is None else args.init == "image",
        "look_after_word": None if args.attend is None else args.attend == "after-word",
        "feedback": args.feedback,
    }
    return replace(config, model=replace(config.model, **{k: v for k, v in switches.items() if v is not None}))


def train_command(args: argparse.Namespace, argv: Sequence[str] | None) -> dict[str, Any]:
    from demos.captioning.train import save, train

    device = check_common_args(args)
    out: Path = args.out
    if out.suffix != ".pt" or out.is_dir():
        raise LabError(f"--out must name a .pt file (its record is written next to it as .json), got {out}")
    config = train_config(args)
    started = time.perf_counter()
    model, history = train(config, device)
    seconds = time.perf_counter() - started
    save(model, out)
    command = "python -m demos.captioning " + " ".join(sys.argv[1:] if argv is None else argv)
    note = f", {args.note}" if args.note else ""
    record = make_record(model, config, history, seconds, out, device, command, describe(device, threads=True) + note)
    record_path(out).write_text(json.dumps(record, indent=2) + "\n")
    return {**record, "checkpoint": str(out)}


def metrics_command(args: argparse.Namespace) -> dict[str, Any]:
    from demos.captioning.evaluate import EvalConfig, evaluate
    from demos.captioning.train import load

    device = check_common_args(args)
    bounded("--beam", args.beam, 1, 16)
    bounded("--test-scenes", args.test_scenes, 1, MAX_TEST_SCENES)
    bounded("--per-count", args.per_count, 1, MAX_TEST_SCENES)
    model = load(args.checkpoint, device)
    trained_max = EvalConfig.max_objects
    if record_path(args.checkpoint).exists():
        trained_max = json.loads(record_path(args.checkpoint).read_text())["config"]["max_objects"]
    config = EvalConfig(test_scenes=args.test_scenes, per_count=args.per_count, beam=args.beam, max_objects=trained_max)
    started = time.perf_counter()
    metrics = evaluate(model, device, config)
    out = {"checkpoint": str(args.checkpoint), "hardware": hardware(device), **metrics}
    out["eval_seconds"] = round(time.perf_counter() - started, 1)
    return out


def scene_command(args: argparse.Namespace) -> dict[str, Any]:
    from demos.captioning.panel import MAX_OBJECTS, caption_scene, shipped_model

    device = check_common_args(args)
    bounded("--seed", args.seed, 0, 999_999)
    bounded("--objects", args.objects, 1, MAX_OBJECTS)
    model, trained_max = shipped_model(device)
    data = caption_scene(model, {"seed": args.seed, "objects": args.objects}, device, trained_max=trained_max)
    if args.save:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "panel_scene.json").write_text(json.dumps(data) + "\n")
    return {k: v for k, v in data.items() if k not in ("image", "attention")}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m demos.captioning", description="The captioning lab's tools.")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a captioner (seeded); write it and its JSON record")
    add_common_args(t)
    t.add_argument("--recipe", default="shipped", help="a named config of demos.captioning.train.ABLATIONS")
    t.add_argument("--steps", type=int, help="optimiser steps (the recipe's: 4,000)")
    t.add_argument("--scenes", type=int, help="training scenes (8,000)")
    t.add_argument("--max-objects", type=int, help="most objects per training scene (4)")
    t.add_argument("--doubly-stochastic", type=float, help="lambda of the coverage penalty (0.002)")
    t.add_argument("--attention-entropy", type=float, help="weight of each word's attention entropy in the loss")
    t.add_argument("--mid-kernel", type=int, choices=[1, 3], help="kernel at 1/4 resolution (3)")
    t.add_argument("--head-kernel", type=int, choices=[1, 3], help="kernel at the grid (1; 3 = wide cell view)")
    t.add_argument("--init", choices=["image", "zeros"], help="decoder start state (zeros)")
    t.add_argument("--attend", choices=["before-word", "after-word"], help="when attention is queried (after-word)")
    t.add_argument("--feedback", choices=["context", "where"], help="what the LSTM reads of its attention (where)")
    t.add_argument(
        "--out",
        type=Path,
        default=TRAIN_OUT,
        help=f"checkpoint to write (default {TRAIN_OUT.relative_to(TRAIN_OUT.parents[2])}; the shipped one is "
        "demos/captioning/checkpoints/captioner.pt, replaced only when named here)",
    )
    t.add_argument("--note", default="", help="added to the hardware field, e.g. 'shared with other jobs'")
    add_eval_command(sub)
    m = sub.add_parser("metrics", help="every test metric of a checkpoint as one JSON object")
    add_common_args(m, seed=None)
    m.add_argument("--checkpoint", type=Path, default=SHIPPED)
    m.add_argument("--beam", type=int, default=1, help="beam width (1 = greedy)")
    m.add_argument("--test-scenes", type=int, default=1000)
    m.add_argument("--per-count", type=int, default=150, help="scenes per object count in the failure analysis")
    s = sub.add_parser("scene", help="caption one scene with the shipped model; --save writes the panel's scene")
    add_common_args(s, seed=3)
    s.add_argument("--objects", type=int, default=3)
    s.add_argument("--save", action="store_true", help="write demos/captioning/results/panel_scene.json")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return run_cli(
        "captioning",
        args,
        argv,
        {"train": lambda a: train_command(a, argv), "metrics": metrics_command, "scene": scene_command},
    )


if __name__ == "__main__":
    sys.exit(main())
