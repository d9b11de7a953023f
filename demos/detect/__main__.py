"""Command line for the detector-families lab.

``python -m demos.detect train --model ssd --threads 1``  trains one shipped model (seeded) and writes
                                                          checkpoints/<model>.pt and its JSON record (models:
                                                          windows, yolo, ssd, ssd-fine, fpn; ``--model all``)
``python -m demos.detect eval --json``                    measures the lab's claims; ``--full`` on more scenes,
                                                          ``--save`` for the panel
``python -m demos.detect panel --save``                   the panel's shipped scene (results/panel_scene.json)
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
from demos.common import (
    add_common_args,
    check_common_args,
    run_record,
    train_each,
)

RESULTS = Path(__file__).resolve().parent / "results"
MODELS = ("windows", "yolo", "ssd", "ssd-fine", "fpn")


def _command(args: argparse.Namespace, model: str) -> str:
    words = ["python -m demos.detect train --model", model]
    if args.seed:
        words.append(f"--seed {args.seed}")
    if args.epochs is not None:
        words.append(f"--epochs {args.epochs}")
    if args.scenes is not None:
        words.append(f"--scenes {args.scenes}")
    if args.threads:
        words.append(f"--threads {args.threads}")
    return " ".join(words)


def train_one(model: str, args: argparse.Namespace) -> dict[str, Any]:

    from demos.detect.train import DEFAULT_EPOCHS, TrainConfig, checkpoint_path, save, train

    device = check_common_args(args)
    config = TrainConfig(seed=args.seed, epochs=DEFAULT_EPOCHS.get(model, TrainConfig.epochs))
    if args.epochs is not None:
        config = replace(config, epochs=args.epochs)
    if args.scenes is not None:
        config = replace(config, scenes=args.scenes)
    result = train(
        model,
        config,
        device=device,
        on_epoch=lambda e, loss: print(f"{model} epoch {e + 1}: loss {loss:.4f}", file=sys.stderr),
    )
    path = checkpoint_path(model)
    meta = {
        "command": _command(args, model),
        "seed": args.seed,
        "train_config": asdict(config),
        "epoch_losses": [round(v, 4) for v in result.losses],
        "seconds": round(result.seconds, 1),
        **run_record(device),
    }
    save(result.model, model, path, meta)
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def train_command(args: argparse.Namespace) -> dict[str, Any]:
    return train_each(args, MODELS, train_one)


def panel_command(args: argparse.Namespace) -> dict[str, Any]:
    from demos.detect.panel import shipped

    device = check_common_args(args)
    data = shipped(device)
    if args.save:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "panel_scene.json").write_text(json.dumps(data) + "\n")
    return {k: {"boxes": len(v["boxes"]), "ms": v["ms"]} for k, v in data["methods"].items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.detect", description="Detector-families lab tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train one shipped model (seeded) and write its checkpoint and record")
    add_common_args(t)
    t.add_argument("--model", required=True, help=f"one of {', '.join(MODELS)}, or all")
    t.add_argument("--epochs", type=int, help="override the default number of epochs (1..200)")
    t.add_argument("--scenes", type=int, help="override the number of training scenes (16..20000)")
    add_eval_command(sub)
    p = sub.add_parser("panel", help="compute the panel's shipped scene")
    add_common_args(p)
    p.add_argument("--save", action="store_true", help="write demos/detect/results/panel_scene.json")
    args = parser.parse_args(argv)
    return run_cli("detect", args, argv, {"train": train_command, "panel": panel_command})


if __name__ == "__main__":
    sys.exit(main())
