"""Command line for the training labs (activations, batch norm, regularisation, bias-variance, losses,
embeddings). Each ``<figure> --save`` command writes ``demos/train/results/<figure>.json``, which its panel draws
at once.

``python -m demos.train eval --json [--full] [--save]``  measure the six labs' claims
``python -m demos.train gradients --save``  per-layer gradient norms, the three activations at depth 20
``python -m demos.train batchnorm --save``  with and without batch norm at five learning rates; train vs eval mode
``python -m demos.train regularise --save`` the five regularisers on 500 noisy-label digits
``python -m demos.train biasvar --save``    the polynomial capacity sweep
``python -m demos.train losses --save``     cross-entropy vs MSE curves, gradients, NLL, SVM vs softmax heads
``python -m demos.train embed --save``      2-D embeddings trained with contrastive and triplet losses
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from demos.claims import add_eval_command, run_eval
from demos.common import LabError, add_common_args, apply_threads, check_common_args
from demos.optim.__main__ import brief


def gradients(args: argparse.Namespace, device: Any) -> dict[str, Any]:
    from demos.train.activations import DeepConfig, curves, gradient_norms

    runs = {
        act: gradient_norms(DeepConfig(depth=20, act=act, init="xavier"), args.seed, device)
        for act in ("sigmoid", "tanh", "relu")
    }
    return {"config": asdict(DeepConfig(depth=20, init="xavier")), "runs": runs, "curves": curves()}


def batchnorm(args: argparse.Namespace, device: Any) -> dict[str, Any]:
    from demos.train.batchnorm import BN_MLP, mode_effects, train_bn
    from demos.train.core import mnist

    data = mnist(device=device)
    runs, effects = [], {}
    for lr in (0.03, 0.1, 0.3, 1.0, 3.0):
        for bn in (False, True):
            run, model = train_bn(data, lr, bn, 300, seed=args.seed, device=device)
            runs.append(
                {"lr": lr, "batch_norm": bn, "steps_to_target": run.steps_to_target, **run.curve.as_dict(every=3)}
            )
            if bn and lr == 1.0:
                effects = mode_effects(model, data, seed=args.seed)
    return {"config": asdict(BN_MLP), "runs": runs, "mode_effects": effects}


def regularise(args: argparse.Namespace, device: Any) -> dict[str, Any]:
    from demos.train.regularise import EPOCHS, LABEL_NOISE, METHODS, TRAIN_PER_CLASS, compare

    runs = compare(seed=args.seed, device=device)
    return {
        "train_per_class": TRAIN_PER_CLASS,
        "label_noise": LABEL_NOISE,
        "epochs": EPOCHS,
        "methods": {m: asdict(v) for m, v in METHODS.items()},
        "runs": [{**asdict(r), "gap": r.gap} for r in runs],
    }


def biasvar(args: argparse.Namespace, device: Any) -> dict[str, Any]:
    from demos.train.biasvar import sweep

    return asdict(sweep(seed=args.seed))


def losses(args: argparse.Namespace, device: Any) -> dict[str, Any]:
    from demos.train.losses import confidence_sweep, heads_on_features, nll_vs_cross_entropy, train_with_loss

    runs = [
        asdict(train_with_loss(loss, lr, 300, seed=args.seed, device=device))
        for loss, lr in (("cross_entropy", 0.3), ("mse", 0.3), ("mse", 10.0))
    ]
    return {
        "confidence": confidence_sweep(),
        "runs": runs,
        "nll": nll_vs_cross_entropy(seed=args.seed),
        "heads": heads_on_features(seed=args.seed),
    }


def embed(args: argparse.Namespace, device: Any) -> dict[str, Any]:
    from demos.train.core import mnist
    from demos.train.embed import shown_index, train_embedding

    data = mnist(device=device)
    out: dict[str, Any] = {"labels": data.y_test[shown_index(len(data.y_test), 500)].tolist(), "runs": {}}
    for name in ("contrastive", "triplet"):
        run, _ = train_embedding(data, name, 600, seed=args.seed, device=device)
        out["runs"][name] = {
            "recall": run.recall,
            "losses": [round(v, 4) for v in run.losses[::5]],
            "snapshots": run.snapshots,
            "seconds": round(run.seconds, 2),
        }
    return out


FIGURES: dict[str, tuple[str, Callable[[argparse.Namespace, Any], dict[str, Any]]]] = {
    "gradients": ("per-layer gradient norms of the three activations at depth 20", gradients),
    "batchnorm": ("with and without batch norm at five learning rates", batchnorm),
    "regularise": ("the five regularisers on 500 noisy-label digits", regularise),
    "biasvar": ("the polynomial capacity sweep", biasvar),
    "losses": ("cross-entropy vs MSE, NLL, SVM vs softmax heads", losses),
    "embed": ("2-D embeddings with contrastive and triplet losses", embed),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.train", description="The training labs.")
    sub = parser.add_subparsers(dest="command", required=True)
    add_eval_command(sub)
    for name, (text, _) in FIGURES.items():
        p = sub.add_parser(name, help=text)
        add_common_args(p)
        p.add_argument("--save", action="store_true", help=f"write demos/train/results/{name}.json for the panel")
    args = parser.parse_args(argv)
    try:
        apply_threads(args.threads)
        if args.command == "eval":
            record = run_eval("train", args, argv)
            print(json.dumps(record, indent=2))
            return 0 if record["summary"]["holding"] == record["summary"]["claims"] else 1
        from demos.train import records

        device = check_common_args(args)
        t0 = time.perf_counter()
        out = FIGURES[args.command][1](args, device)
        if args.save:
            command = (
                f"python -m demos.train {args.command}" + (f" --seed {args.seed}" if args.seed else "") + " --save"
            )
            records.write(
                "train",
                args.command,
                out,
                command=command,
                seed=args.seed,
                seconds=time.perf_counter() - t0,
                device=device,
            )
    except (LabError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(brief(out), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
