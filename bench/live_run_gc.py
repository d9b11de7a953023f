"""How much a watched live run slows down when every script run ends in a full garbage collection.

A live training runs in a background thread (ui.compute.start) while the learner's page reruns its progress
fragment twice a second (ui.compute.watch). Streamlit's ``runner.postScriptGC`` (on by default) ends each of those
reruns with ``gc.collect(2)``, which holds the GIL for as long as it takes to scan the server's heap (torch, plotly
and the app's modules loaded). This runs the float16 panel's live training in a thread, alone and beside a loop
that does that collection every half second, and prints both times. Timings on a shared CPU are upper bounds.

    python bench/live_run_gc.py [--steps 150] [--threads 1]
"""

from __future__ import annotations

import argparse
import gc
import platform
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
    args = parser.parse_args()
    if not 1 <= args.steps <= 1000 or not 1 <= args.threads <= 64:
        parser.error("--steps must be 1..1000 and --threads 1..64")

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

    alone, _ = timed(False)
    beside, pauses = timed(True)
    median = sorted(pauses)[len(pauses) // 2] if pauses else 0.0
    print(f"{platform.machine()} CPU, {args.threads} torch thread(s), {len(gc.get_objects()):,} tracked objects")
    print(f"live training (3 x {args.steps} steps) alone: {alone:.1f} s")
    print(f"beside a full collection every 0.5 s: {beside:.1f} s ({len(pauses)} collections, median {median:.2f} s)")


if __name__ == "__main__":
    main()
