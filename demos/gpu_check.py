"""``python -m demos.gpu_check``: run each lab family's GPU path once and print its timings as JSON.

Each family with a GPU path names it in its registry entry (``gpu_check="demos.<family>.gpu:gpu_check"``): a
function ``gpu_check(device) -> dict``, a short, self-contained run (seconds, not minutes) that returns its
timings and a few numbers that show the result is right. Without CUDA this exits 2 with a message, unless
``--allow-cpu`` asks for the same run on the CPU.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback

import torch

from demos.registry import LABS, resolve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.gpu_check", description=__doc__)
    parser.add_argument("--allow-cpu", action="store_true", help="run on the CPU when CUDA is not available")
    checks = {lab.family: lab.gpu_check for lab in LABS if lab.gpu_check is not None}
    parser.add_argument("--only", nargs="*", choices=sorted(checks), help="run just these families")
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
    for name in args.only or list(checks):
        t0 = time.perf_counter()
        try:
            result = resolve(checks[name])(device)
            report[name] = {"status": "ok", "seconds": round(time.perf_counter() - t0, 3), **result}
        except Exception as exc:  # one demo failing must not hide the others' results
            failed = True
            report[name] = {"status": "failed", "error": repr(exc), "trace": traceback.format_exc(limit=5)}
        print(json.dumps({name: report[name]}), file=sys.stderr, flush=True)
    print(json.dumps(report, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
