"""Command line for the video labs.

``python -m demos.video train --threads 1``   trains every action model on the same seeded clips and writes the
                                              shipped checkpoints (``--models`` for some of them)
``python -m demos.video eval --json``         measures the labs' claims; ``--full`` for more clips, ``--save``
                                              writes results/claims.json
``python -m demos.video panels --save``       the panels' shipped clips (flow, background, actions, trajectories)
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from demos.claims import add_eval_command, run_cli
from demos.common import LabError, add_common_args, bounded, check_common_args, hardware

RESULTS = Path(__file__).resolve().parent / "results"


def train_command(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from demos.video.actions import make_actions
    from demos.video.models import MODELS
    from demos.video.train import RECORD, TRAIN_DATA_SEED, TrainConfig, read_record, save, train

    device = check_common_args(args)
    names = args.models or [*MODELS, "hof-svm"]
    unknown = [m for m in names if m not in (*MODELS, "hof-svm")]
    if unknown:
        raise LabError(f"--models: {', '.join(unknown)} not among {', '.join(MODELS)}, hof-svm")
    if args.epochs is not None:
        bounded("--epochs", args.epochs, 1, 200)
    base = TrainConfig(model=names[0], seed=args.seed)
    if args.epochs is not None:
        base = replace(base, epochs=args.epochs)
    print(f"rendering {base.train_clips} training clips ...", file=sys.stderr)
    data = make_actions(base.train_clips, TRAIN_DATA_SEED)
    record = read_record()
    models = record.setdefault("models", {})
    if "hof-svm" in names:
        models["hof-svm"] = train_svm(data, args.seed, device)
    for name in (n for n in names if n != "hof-svm"):
        config = replace(base, model=name)
        result = train(
            config,
            data,
            device,
            on_epoch=functools.partial(_log_epoch, name),
        )
        save(result.model, config)
        words = ["python -m demos.video train", f"--models {name}", f"--threads {torch.get_num_threads()}"]
        words += [f"--seed {args.seed}"] if args.seed else []
        words += [f"--epochs {args.epochs}"] if args.epochs is not None else []
        words += [f"--device {device.type}"] if device.type != "cpu" else []
        models[name] = {
            "command": " ".join(words),
            "train_config": asdict(config),
            "train_data_seed": TRAIN_DATA_SEED,
            "epoch_losses": [round(v, 4) for v in result.losses],
            "seconds": round(result.seconds, 1),
            "parameters": sum(p.numel() for p in result.model.parameters()),
            "hardware": hardware(device),
        }
    RECORD.write_text(json.dumps(record, indent=1) + "\n")
    return {name: models[name] for name in names}


def _log_epoch(name: str, epoch: int, loss: float) -> None:
    print(f"{name} epoch {epoch + 1}: loss {loss:.4f}", file=sys.stderr)


def train_svm(data: Any, seed: int, device: Any) -> dict[str, Any]:
    """The classical baseline: flow histograms along dense tracks, a linear SVM (local and whole-frame)."""
    import time

    from demos.video.trajectories import SVM_FILE, descriptors, fit_svm, save_svm

    t0 = time.perf_counter()
    fitted = {
        "local": fit_svm(descriptors(data.flows, local=True), data.labels, local=True, seed=seed),
        "global": fit_svm(descriptors(data.flows, local=False), data.labels, local=False, seed=seed),
    }
    meta = {
        "command": "python -m demos.video train --models hof-svm" + (f" --seed {seed}" if seed else ""),
        "train_clips": len(data.labels),
        "seconds": round(time.perf_counter() - t0, 1),
        "hardware": hardware(device),
    }
    save_svm(fitted, meta)
    return {**meta, "file": SVM_FILE.name}


def panels_command(args: argparse.Namespace) -> dict[str, Any]:
    from demos.video.panels import PANELS, build_panel

    device = check_common_args(args)
    chosen = args.only or list(PANELS)
    out = {}
    for name in chosen:
        if name not in PANELS:
            raise LabError(f"--only: {name!r} is not one of {', '.join(PANELS)}")
        data = build_panel(name, device)
        if args.save:
            RESULTS.mkdir(exist_ok=True)
            (RESULTS / f"panel_{name}.json").write_text(json.dumps(data, separators=(",", ":")) + "\n")
        out[name] = {"bytes": len(json.dumps(data))}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.video", description="Motion and video labs.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train the action models (seeded) and write the shipped checkpoints")
    add_common_args(t)
    t.add_argument("--models", nargs="+", help="only these models (default: all)")
    t.add_argument("--epochs", type=int, help="override the number of epochs (1..200)")
    add_eval_command(sub)
    p = sub.add_parser("panels", help="the panels' shipped clips, as JSON")
    add_common_args(p)
    p.add_argument("--only", nargs="+", help="only these panels")
    p.add_argument("--save", action="store_true", help="write demos/video/results/panel_<name>.json")
    args = parser.parse_args(argv)
    return run_cli("video", args, argv, {"train": train_command, "panels": panels_command})


if __name__ == "__main__":
    sys.exit(main())
