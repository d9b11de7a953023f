"""Command line for the spatial-transformer lab.

``python -m demos.stn train --model stn --threads 1``  trains one shipped model (seeded; cnn or stn, or all)
                                                       and writes checkpoints/<model>.pt and its JSON record
``python -m demos.stn eval --json``                    measures the lab's claims; ``--save`` for the panel
``python -m demos.stn panel --save``                   the panel's shipped digits (results/panel.json)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
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
MODELS = ("cnn", "stn")


def train_one(model: str, args: argparse.Namespace) -> dict[str, Any]:

    from demos.stn.train import TrainConfig, checkpoint_path, config_record, save, train

    device = check_common_args(args)
    config = TrainConfig(seed=args.seed)
    if args.epochs is not None:
        config = replace(config, epochs=args.epochs)
    result = train(
        model, config, device=device, on_epoch=lambda e, v: print(f"{model} epoch {e + 1}: {v:.4f}", file=sys.stderr)
    )
    words = ["python -m demos.stn train --model", model]
    words += [f"--seed {args.seed}"] if args.seed else []
    words += [f"--epochs {args.epochs}"] if args.epochs is not None else []
    words += [f"--threads {args.threads}"] if args.threads else []
    meta = {
        "command": " ".join(words),
        "seed": args.seed,
        "train_config": config_record(config),
        "epoch_losses": [round(v, 4) for v in result.losses],
        "seconds": round(result.seconds, 1),
        **run_record(device),
    }
    path = checkpoint_path(model)
    save(result.model, model, path, meta)
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def train_command(args: argparse.Namespace) -> dict[str, Any]:
    return train_each(args, MODELS, train_one)


def panel_command(args: argparse.Namespace) -> dict[str, Any]:
    from demos.stn.panel import shipped

    device = check_common_args(args)
    data = shipped(device)
    if args.save:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "panel.json").write_text(json.dumps(data) + "\n")
    return {k: v for k, v in data.items() if k in ("degrees", "accuracy_by_angle")}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.stn", description="Spatial-transformer lab tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train one shipped model (seeded) and write its checkpoint and record")
    add_common_args(t)
    t.add_argument("--model", required=True, help="cnn, stn or all")
    t.add_argument("--epochs", type=int, help="override the default number of epochs (1..200)")
    add_eval_command(sub)
    p = sub.add_parser("panel", help="compute the panel's shipped digits")
    add_common_args(p)
    p.add_argument("--save", action="store_true", help="write demos/stn/results/panel.json")
    args = parser.parse_args(argv)
    return run_cli("stn", args, argv, {"train": train_command, "panel": panel_command})


if __name__ == "__main__":
    sys.exit(main())
