"""``python -m demos.gpu_check``: run each demo's GPU path once and print its timings as JSON.

Each demo that has a GPU path provides ``demos/<name>/gpu.py`` with ``gpu_check(device) -> dict``: a short,
self-contained run (seconds, not minutes) that returns its timings and a few numbers that show the result
is right. Without CUDA this exits 2 with a message, unless ``--allow-cpu`` asks for the same run on the CPU.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import traceback

import torch

from kb.cards import KNOWN_DEMOS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.gpu_check", description=__doc__)
    parser.add_argument("--allow-cpu", action="store_true", help="run on the CPU when CUDA is not available")
    parser.add_argument("--only", nargs="*", choices=sorted(KNOWN_DEMOS), help="run just these demos")
    args = parser.parse_args(argv)
    if not torch.cuda.is_available() and not args.allow_cpu:
        print("CUDA is not available here: run this on a machine with an NVIDIA GPU, or pass --allow-cpu.")
        return 2
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    report: dict[str, object] = {
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "torch": torch.__version__,
    }
    failed = False
    for name in args.only or list(KNOWN_DEMOS):
        try:
            module = importlib.import_module(f"demos.{name}.gpu")
        except ModuleNotFoundError as exc:
            if exc.name in (f"demos.{name}", f"demos.{name}.gpu"):
                report[name] = {"status": "no GPU path yet"}
                continue
            raise
        t0 = time.perf_counter()
        try:
            result = module.gpu_check(device)
            report[name] = {"status": "ok", "seconds": round(time.perf_counter() - t0, 3), **result}
        except Exception as exc:  # one demo failing must not hide the others' results
            failed = True
            report[name] = {"status": "failed", "error": repr(exc), "trace": traceback.format_exc(limit=5)}
        print(json.dumps({name: report[name]}), file=sys.stderr, flush=True)
    print(json.dumps(report, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
