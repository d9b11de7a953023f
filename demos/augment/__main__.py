"""Command line for the augmentation lab.

``python -m demos.augment train --threads 1``  every setting x seed on the 10-labels-per-class shape task; writes
                                               checkpoints/cnns.pt (all runs) and cnns.json (the record)
``python -m demos.augment eval --json``        measures the lab's claims from the shipped runs; ``--full``
                                               retrains seed 0 of every setting and checks it reproduces
``python -m demos.augment panel --save``       each augmentation drawn 8 times on photos (the panel's figure)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from demos.claims import add_eval_command, run_cli
from demos.common import LabError, add_common_args, bounded, check_common_args, hardware

RESULTS = Path(__file__).resolve().parent / "results"


def train_command(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from demos.augment.task import (
        RECORD,
        SEEDS,
        SETTINGS,
        RunConfig,
        accuracy,
        load_states,
        read_record,
        run_key,
        save_all,
        test_set,
        train_run,
    )

    device = check_common_args(args)
    settings = args.settings or list(SETTINGS)
    unknown = [s for s in settings if s not in SETTINGS]
    if unknown:
        raise LabError(f"--settings: {', '.join(unknown)} not among {', '.join(SETTINGS)}")
    seeds = args.seeds or list(SEEDS)
    for s in seeds:
        bounded("--seeds", s, 0, 1000)
    test = test_set()
    # runs of other settings or seeds already shipped are kept; the ones trained now replace theirs
    states = load_states()
    previous = read_record()
    runs = dict(previous.get("runs", {}))
    command = f"python -m demos.augment train --threads {torch.get_num_threads()}"
    command += f" --settings {' '.join(settings)}" if args.settings else ""
    command += f" --seeds {' '.join(map(str, seeds))}" if args.seeds else ""
    for setting in settings:
        for seed in seeds:
            config = RunConfig(setting, seed)
            model, losses, seconds = train_run(config, device)
            key = run_key(setting, seed)
            states[key] = {k: v.cpu() for k, v in model.state_dict().items()}
            runs[key] = {
                "command": command,
                "config": asdict(config),
                "test_accuracy": round(accuracy(model, test, device), 4),
                "losses_every_10_steps": losses,
                "seconds": round(seconds, 1),
            }
            print(f"{key}: accuracy {runs[key]['test_accuracy']:.3f} in {seconds:.1f} s", file=sys.stderr)
    save_all(states)
    record = {
        "command": previous.get("command", command) if previous else command,
        "settings": [s for s in SETTINGS if any(k.startswith(f"{s}/") for k in runs)],
        "seeds": sorted({int(k.split("/seed")[1]) for k in runs}),
        "test_scenes": len(test.labels),
        "hardware": hardware(device),
        "runs": {k: runs[k] for k in sorted(runs, key=lambda k: (list(SETTINGS).index(k.split("/")[0]), k))},
    }
    RECORD.write_text(json.dumps(record, indent=1) + "\n")
    return {run_key(s, k): runs[run_key(s, k)]["test_accuracy"] for s in settings for k in seeds}


def panel_command(args: argparse.Namespace) -> dict[str, Any]:
    from demos.augment.gallery import gallery

    check_common_args(args)
    data = gallery(args.seed)
    if args.save:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "panel_gallery.json").write_text(json.dumps(data, separators=(",", ":")) + "\n")
    return {"photos": list(data["photos"]), "bytes": len(json.dumps(data))}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.augment", description="Data augmentation lab.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="every setting x seed on the 10-labels-per-class task (the shipped runs)")
    add_common_args(t)
    t.add_argument("--settings", nargs="+", help="only these settings (default: all)")
    t.add_argument("--seeds", type=int, nargs="+", help="only these seeds (default: 0 1 2 3 4)")
    add_eval_command(sub)
    p = sub.add_parser("panel", help="each augmentation drawn 8 times on photos, as JSON")
    add_common_args(p)
    p.add_argument("--save", action="store_true", help="write demos/augment/results/panel_gallery.json")
    args = parser.parse_args(argv)
    return run_cli("augment", args, argv, {"train": train_command, "panel": panel_command})


if __name__ == "__main__":
    sys.exit(main())
