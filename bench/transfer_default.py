"""How long the transfer demo's default run takes from a cold start: frozen MobileNetV2 features + a linear
head, MNIST, 10 labels per class, on the CPU.

Runs ``python -m demos.transfer --device cpu run --dataset mnist --labels-per-class 10 --strategy frozen --seed 0
--json`` in a fresh process with an empty feature cache, so the time includes starting Python, importing torch,
loading the weights and the data, extracting every feature (100 training and 1,000 test images) and training the
head. Prints JSON with the wall-clock seconds of each run and their median. A benchmark, not a test.

    .venv/bin/python bench/transfer_default.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [
    "-m",
    "demos.transfer",
    "--device",
    "cpu",
    "run",
    "--dataset",
    "mnist",
    "--labels-per-class",
    "10",
    "--strategy",
    "frozen",
    "--seed",
    "0",
    "--json",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    walls, results = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "TRANSFER_CACHE_DIR": cache}
            env.pop("TRANSFER_SPLITS_NPZ", None)  # build the split from the packaged data, as a first run does
            t0 = time.perf_counter()
            done = subprocess.run(
                [sys.executable, *COMMAND], cwd=ROOT, env=env, capture_output=True, text=True, check=False
            )
            walls.append(time.perf_counter() - t0)
        if done.returncode != 0:
            print(json.dumps({"error": done.stderr.strip()[-2000:]}))
            return 1
        results.append(json.loads(done.stdout))
    report = {
        "command": "python " + " ".join(COMMAND),
        "runs": args.runs,
        "wall_seconds": [round(w, 2) for w in walls],
        "median_wall_seconds": round(statistics.median(walls), 2),
        "inside_run_seconds": [r["seconds"] for r in results],
        "features_computed": [r["features_computed"] for r in results],
        "accuracy": [r["accuracy"] for r in results],
        "goal_seconds": 30,
        "hardware": f"{os.cpu_count()}-core {platform.machine()} CPU, torch's default threads",
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
