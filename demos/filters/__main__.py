"""Command line for the early-layers lab.

``python -m demos.filters train --threads 1``  trains the digits network on MobileNetV2's first layer (seeded) and
                                               writes checkpoints/digits.pt and its JSON record
``python -m demos.filters eval --json``        measures the lab's claims; ``--save`` for the panel
``python -m demos.filters panel --save``       the panel's filters and photo (results/panel.json)
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
from demos.common import add_common_args, bounded, check_common_args, run_record

RESULTS = Path(__file__).resolve().parent / "results"


def train_command(args: argparse.Namespace) -> dict[str, Any]:

    from demos.filters.layers import CHECKPOINT, DigitsTrainConfig, save_digits, train_digits

    device = check_common_args(args)
    config = DigitsTrainConfig(seed=args.seed)
    if args.epochs is not None:
        bounded("--epochs", args.epochs, 1, 100)
        config = replace(config, epochs=args.epochs)
    result = train_digits(
        config, device=device, on_epoch=lambda e, v: print(f"epoch {e + 1}: loss {v:.4f}", file=sys.stderr)
    )
    words = ["python -m demos.filters train"]
    words += [f"--seed {args.seed}"] if args.seed else []
    words += [f"--epochs {args.epochs}"] if args.epochs is not None else []
    words += [f"--threads {args.threads}"] if args.threads else []
    meta = {
        "command": " ".join(words),
        "seed": args.seed,
        "train_config": asdict(config),
        "epoch_losses": [round(v, 4) for v in result.losses],
        "held_out_accuracy": round(result.accuracy, 4),
        "seconds": round(result.seconds, 1),
        **run_record(device),
    }
    save_digits(result, CHECKPOINT, meta)
    CHECKPOINT.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def panel_command(args: argparse.Namespace) -> dict[str, Any]:
    from demos.filters.panel import shipped

    check_common_args(args)
    data = shipped()
    if args.save:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "panel.json").write_text(json.dumps(data) + "\n")
    return {"low_frequency_share": data["low_frequency_share"], "edge_alignment": data["photo"]["edge_alignment"]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.filters", description="Early-layers lab tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train the digits network (seeded) and write its checkpoint and record")
    add_common_args(t)
    t.add_argument("--epochs", type=int, help="override the default number of epochs (1..100)")
    add_eval_command(sub)
    p = sub.add_parser("panel", help="compute the panel's filters and photo")
    add_common_args(p)
    p.add_argument("--save", action="store_true", help="write demos/filters/results/panel.json")
    args = parser.parse_args(argv)
    return run_cli("filters", args, argv, {"train": train_command, "panel": panel_command})


if __name__ == "__main__":
    sys.exit(main())
