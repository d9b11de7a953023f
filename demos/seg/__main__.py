"""Command line for the segmentation labs.

``python -m demos.seg train --model fcn --threads 1``  trains one shipped model (seeded) and writes
                                                       checkpoints/<model>.pt and its JSON record
                                                       (models: patch, fcn, fcn-skips, hypercolumns, refine,
                                                       mask-head; ``--model all`` trains them in turn)
``python -m demos.seg eval --json``                    measures the three labs' claims; ``--full`` on more
                                                       scenes, ``--save`` for the panels
``python -m demos.seg panel --save``                   the panels' shipped scenes (results/panel_*.json)
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
SEMANTIC = ("patch", "fcn", "fcn-skips", "hypercolumns", "refine")
MODELS = (*SEMANTIC, "mask-head")


def _command(args: argparse.Namespace, model: str) -> str:
    words = ["python -m demos.seg train --model", model]
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

    device = check_common_args(args)

    def log(epoch: int, loss: float) -> None:
        print(f"{model} epoch {epoch + 1}: loss {loss:.4f}", file=sys.stderr)

    if model == "mask-head":
        from demos.seg import instance

        config: Any = instance.MaskTrainConfig(seed=args.seed)
        if args.epochs is not None:
            config = replace(config, epochs=args.epochs)
        if args.scenes is not None:
            config = replace(config, scenes=args.scenes)
        result: Any = instance.train_mask_head(config, device=device, on_epoch=log)
        path = instance.MASK_HEAD
    else:
        from demos.seg.train import TrainConfig, checkpoint_path, train

        config = TrainConfig(seed=args.seed)
        if args.epochs is not None:
            config = replace(config, epochs=args.epochs)
        if args.scenes is not None:
            config = replace(config, scenes=args.scenes)
        result = train(model, config, device=device, on_epoch=log)
        path = checkpoint_path(model)
    meta = {
        "command": _command(args, model),
        "seed": args.seed,
        "train_config": asdict(config),
        "epoch_losses": [round(v, 4) for v in result.losses],
        "seconds": round(result.seconds, 1),
        **run_record(device),
    }
    if model == "mask-head":
        from demos.seg import instance

        instance.save_mask_head(result.model, path, meta)
    else:
        from demos.seg.train import save

        save(result.model, model, path, meta)
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def train_command(args: argparse.Namespace) -> dict[str, Any]:
    return train_each(args, MODELS, train_one)


def panel_command(args: argparse.Namespace) -> dict[str, Any]:
    from demos.seg import panel

    device = check_common_args(args)
    out = panel.write_all(RESULTS, device) if args.save else {}
    return {"written": sorted(out)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.seg", description="Segmentation lab tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train one shipped model (seeded) and write its checkpoint and record")
    add_common_args(t)
    t.add_argument("--model", required=True, help=f"one of {', '.join(MODELS)}, or all")
    t.add_argument("--epochs", type=int, help="override the default number of epochs (1..200)")
    t.add_argument("--scenes", type=int, help="override the number of training scenes (16..20000)")
    add_eval_command(sub)
    p = sub.add_parser("panel", help="compute the panels' shipped scenes")
    add_common_args(p)
    p.add_argument("--save", action="store_true", help="write demos/seg/results/panel_*.json")
    args = parser.parse_args(argv)
    return run_cli("seg", args, argv, {"train": train_command, "panel": panel_command})


if __name__ == "__main__":
    sys.exit(main())
