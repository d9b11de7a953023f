"""Command line for the optimiser labs (optimisers race, learning rate, synchronous vs asynchronous SGD).

``python -m demos.optim eval --json [--full] [--save]``  measure the three labs' claims
``python -m demos.optim race --save``   the seven rules training the MNIST MLP (results/race.json, the panel's curves)
``python -m demos.optim lr --save``     SGD at four learning rates on the MLP, and a range test (results/lr.json)
``python -m demos.optim sync --save``   SGD with stale gradients at several stalenesses (results/sync.json)
``python -m demos.optim tune``          each rule's best learning rate on the MLP (how NETWORK_LRS was chosen)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from demos.claims import add_eval_command, run_eval
from demos.common import LabError, add_common_args, apply_threads, bounded, check_common_args

STALENESS = (0, 1, 2, 4, 8, 16, 32)


def _command(args: argparse.Namespace, name: str) -> str:
    extra = f" --seed {args.seed}" if args.seed else ""
    return f"python -m demos.optim {name}{extra} --save"


def race_command(args: argparse.Namespace) -> dict[str, Any]:
    from demos.optim.network import NETWORK_LRS, race_network
    from demos.optim.rules import RULES
    from demos.train import records

    device = check_common_args(args)
    bounded("--steps", args.steps, 10, 5000)
    t0 = time.perf_counter()
    runs = race_network(tuple(RULES), args.steps, seed=args.seed, device=device)
    out = {
        "steps": args.steps,
        "lrs": NETWORK_LRS,
        "runs": {r: {"lr": run.lr, **run.curve.as_dict()} for r, run in runs.items()},
    }
    if args.save:
        records.write(
            "optim",
            "race",
            out,
            command=_command(args, "race"),
            seed=args.seed,
            seconds=time.perf_counter() - t0,
            device=device,
        )
    return out


def lr_command(args: argparse.Namespace) -> dict[str, Any]:
    from demos.optim.network import LR_REGIMES, range_test, train_with_rule
    from demos.train import records
    from demos.train.core import mnist

    device = check_common_args(args)
    t0 = time.perf_counter()
    data = mnist(device=device)
    regimes = {
        name: {
            "lr": lr,
            **train_with_rule(data, "sgd", lr, 250, seed=args.seed, eval_every=50, device=device).curve.as_dict(),
        }
        for name, lr in LR_REGIMES.items()
    }
    test = range_test(data, low=1e-3, high=10.0, steps=300, seed=args.seed, device=device)
    out = {"regimes": regimes, "range_test": test}
    if args.save:
        records.write(
            "optim",
            "lr",
            out,
            command=_command(args, "lr"),
            seed=args.seed,
            seconds=time.perf_counter() - t0,
            device=device,
        )
    return out


def sync_command(args: argparse.Namespace) -> dict[str, Any]:
    from dataclasses import asdict

    from demos.optim.sync import stale_sgd
    from demos.train import records
    from demos.train.core import mnist

    device = check_common_args(args)
    t0 = time.perf_counter()
    data = mnist(device=device)
    runs = [asdict(stale_sgd(data, s, lr, 400, seed=args.seed, device=device)) for lr in (0.1, 0.02) for s in STALENESS]
    out = {"steps": 400, "runs": runs}
    if args.save:
        records.write(
            "optim",
            "sync",
            out,
            command=_command(args, "sync"),
            seed=args.seed,
            seconds=time.perf_counter() - t0,
            device=device,
        )
    return out


def tune_command(args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    from demos.optim.network import NETWORK_LRS, train_with_rule
    from demos.train.core import mnist

    device = check_common_args(args)
    data = mnist(device=device)
    out: dict[str, Any] = {}
    for rule, base in NETWORK_LRS.items():
        scores = {}
        for e in range(-3, 4):
            curve = train_with_rule(data, rule, base * 2.0**e, 250, seed=args.seed, device=device).curve
            scores[base * 2.0**e] = float(np.mean(curve.loss[-50:])) if not curve.diverged else float("inf")
        out[rule] = {"best_lr": min(scores, key=lambda k: scores[k]), "mean_loss_last_50": scores}
        print(rule, out[rule]["best_lr"], file=sys.stderr)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.optim", description="The optimiser labs.")
    sub = parser.add_subparsers(dest="command", required=True)
    add_eval_command(sub)
    r = sub.add_parser("race", help="the seven rules training the MNIST MLP")
    add_common_args(r)
    r.add_argument("--steps", type=int, default=250, help="training steps per rule (10..5000)")
    r.add_argument("--save", action="store_true", help="write demos/optim/results/race.json for the panel")
    for name, text in (
        ("lr", "SGD at four learning rates and a range test"),
        ("sync", "stale-gradient SGD sweep"),
        ("tune", "each rule's best learning rate on the MLP"),
    ):
        p = sub.add_parser(name, help=text)
        add_common_args(p)
        if name != "tune":
            p.add_argument("--save", action="store_true", help=f"write demos/optim/results/{name}.json")
    args = parser.parse_args(argv)
    commands = {"race": race_command, "lr": lr_command, "sync": sync_command, "tune": tune_command}
    try:
        apply_threads(args.threads)
        out = run_eval("optim", args, argv) if args.command == "eval" else commands[args.command](args)
    except (LabError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command == "eval":
        print(json.dumps(out, indent=2))
        return 0 if out["summary"]["holding"] == out["summary"]["claims"] else 1
    print(json.dumps(brief(out), indent=2))
    return 0


def brief(obj: Any, limit: int = 12) -> Any:
    """``obj`` with every list longer than ``limit`` replaced by its length and last item (for the terminal;
    the saved file keeps everything)."""
    if isinstance(obj, dict):
        return {str(k): brief(v, limit) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        if len(obj) > limit:
            return {"items": len(obj), "last": brief(obj[-1], limit)}
        return [brief(v, limit) for v in obj]
    return obj


if __name__ == "__main__":
    sys.exit(main())
