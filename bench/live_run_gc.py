"""How much a watched live run slows down when every script run ends in a full garbage collection.

A live training runs in a background thread (ui.compute.start) while the learner's page reruns its progress
fragment twice a second (ui.compute.watch). Streamlit's ``runner.postScriptGC`` (on by default) ends each of those
reruns with ``gc.collect(2)``, which holds the GIL for as long as it takes to scan the server's heap (torch, plotly
and the app's modules loaded). This runs the float16 panel's live training in a thread, alone and beside a loop
that does that collection every half second, and prints both times. Timings on a shared CPU are upper bounds.

    python bench/live_run_gc.py [--steps 150] [--threads 1] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=150, help="steps of each of the three runs (default 150)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each kind (default 3)")
    args = parser.parse_args()
    if not 1 <= args.steps <= 1000 or not 1 <= args.threads <= 64 or not 1 <= args.repeat <= 20:
        parser.error("--steps must be 1..1000, --threads 1..64 and --repeat 1..20")

    import plotly.graph_objects  # noqa: F401  (the server's heap, roughly)
    import sklearn  # noqa: F401
    import torch

    import ui.labs.captioning
    import ui.labs.conv_precision as precision
    import ui.labs.optim
    import ui.labs.train  # noqa: F401
    from demos.conv.precision import load_train

    torch.set_num_threads(args.threads)
    load_train(4096)  # cached for both runs

    def quiet(fraction: float, text: str = "", partial: Any = None) -> None:
        pass

    def timed(collect: bool) -> tuple[float, list[float]]:
        took: list[float] = []

        def job() -> None:
            t0 = time.perf_counter()
            precision.train_run(quiet, seed=1, steps=args.steps, dev=torch.device("cpu"))  # type: ignore[arg-type]
            took.append(time.perf_counter() - t0)

        thread = threading.Thread(target=job)
        thread.start()
        pauses: list[float] = []
        while thread.is_alive():
            time.sleep(0.5)
            if collect:
                t0 = time.perf_counter()
                gc.collect(2)
                pauses.append(time.perf_counter() - t0)
        thread.join()
        return took[0], pauses

    timed(False)  # warm up
    alone, beside, pauses = [], [], []
    for _ in range(args.repeat):  # alternate, so that a change in the machine's load hits both alike
        alone.append(timed(False)[0])
        seconds, paused = timed(True)
        beside.append(seconds)
        pauses += paused
    mid = statistics.median
    print(f"{platform.machine()} CPU, {args.threads} torch thread(s), {len(gc.get_objects()):,} tracked objects")
    print(f"live training (3 x {args.steps} steps) alone: median {mid(alone):.1f} s of {args.repeat}")
    print(
        f"beside a full collection every 0.5 s: median {mid(beside):.1f} s ({len(pauses)} collections, "
        f"median {mid(pauses) if pauses else 0.0:.2f} s each)"
    )


if __name__ == "__main__":
    main()
