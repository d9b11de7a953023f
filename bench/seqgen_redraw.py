"""The sequence and generative panels' server time: the first draw of each (its shipped result, no torch) and each
redraw after a learner moves one control, run with Streamlit's AppTest in this process.

For every lab: the first draw, then ``--moves`` redraws from shipped data (a slider or a choice the panel draws
from its results JSON), then, where the panel computes on demand, the same interaction repeated once its model is
loaded (sampling, translating typed letters, a new pair of digits, new DCGAN samples): the target is 300 ms.
Each move is checked to change what the panel shows, so a move that drew nothing cannot pass as fast.

    python bench/seqgen_redraw.py [--moves 4]   # prints JSON; nothing is asserted

This is the server's share of a redraw (the browser's drawing comes on top; see bench/conv_redraw.py for that
measure on the convolution labs). Torch runs on one thread, as in the tests. The CPU may be shared with other
jobs: figures are upper bounds, and the load average is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PANEL = """
import sys
sys.path.insert(0, {root!r})
from demos.registry import by_name
from ui.labs.frame import render_panel
render_panel(by_name()[{name!r}], key="b", full=True)
"""

# lab: (widget kind, key, values in turn) for a redraw from shipped data
SHIPPED_MOVES: dict[str, tuple[str, str, list[Any]]] = {
    "seq-memory": ("select_slider", "b-seq-memory-length", [10, 80, 20, 40]),
    "seq-lm": ("select_slider", "b-seq-lm-temp", [0.3, 1.3, 0.6, 0.8]),
    "seq-attention": ("selectbox", "b-seq-attention-example", []),  # its options, in turn
    "seq-wordvec": ("selectbox", "b-seq-wordvec-word", ["dropout", "gradient", "filter", "lstm"]),
    "gen-autoencoders": ("segmented_control", "b-gen-autoencoders-latent", [2, 32, 8, 2]),
    "gen-interpolation": ("segmented_control", "b-gen-interpolation-latent", [2, 8, 2, 8]),
    "gen-gan2d": ("segmented_control", "b-gen-gan2d-target", ["grid", "ring", "grid", "ring"]),
    "gen-dcgan": ("button", "b-gen-dcgan-new", [None, None, None, None]),  # no shipped control: new samples
}
# lab: an interaction that computes with a loaded model (repeated; the first, which loads it, is reported apart)
COMPUTE_MOVES: dict[str, tuple[str, str, list[Any]]] = {
    "seq-lm": ("button", "b-seq-lm-resample", [None, None, None, None]),
    "seq-attention": ("text_input", "b-seq-attention-typed", ["abcdefgh", "tsrqponm", "abcabcabcabc", "hgfedcba"]),
    "gen-interpolation": ("selectbox", "b-gen-interpolation-a", [0, 4, 6, 9]),
}


def shown(at: Any) -> str:
    """Everything the panel draws, as text (figures' specs included)."""
    parts = [str(e.value) for e in at.markdown] + [str(e.value) for e in at.caption] + [str(e.value) for e in at.code]
    parts += [c.proto.spec for c in at.get("plotly_chart")]
    return "\n".join(parts)


def move(at: Any, kind: str, key: str, value: Any) -> tuple[float, float]:
    """Set ``key`` to ``value`` (or click it), rerun; (wall ms, CPU ms) of the rerun."""
    widget = getattr(at, kind)(key=key)
    if kind == "button":
        widget.click()
    elif kind == "text_input":
        widget.input(value)
    else:
        widget.set_value(value)
    before = shown(at)
    w, c = time.perf_counter(), time.process_time()
    at.run()
    wall, cpu = (time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000
    if at.exception:
        raise RuntimeError(f"{key}: {at.exception}")
    if shown(at) == before:
        raise RuntimeError(f"moving {key} to {value!r} did not change the panel")
    return wall, cpu


def stats(pairs: list[tuple[float, float]]) -> dict[str, Any]:
    walls, cpus = [p[0] for p in pairs], [p[1] for p in pairs]
    return {
        "moves": len(pairs),
        "wall_ms_median": round(statistics.median(walls), 1),
        "wall_ms_max": round(max(walls), 1),
        "cpu_ms_median": round(statistics.median(cpus), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=4)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    from streamlit.testing.v1 import AppTest

    root = str(Path(__file__).resolve().parent.parent)
    report: dict[str, Any] = {"load_average_1min_before": round(os.getloadavg()[0], 2)}
    for name, (kind, key, values) in SHIPPED_MOVES.items():
        at = AppTest.from_string(PANEL.format(root=root, name=name), default_timeout=180)
        w, c = time.perf_counter(), time.process_time()
        at.run()
        wall, cpu = (time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000
        first = {"wall_ms": round(wall, 1), "cpu_ms": round(cpu, 1)}
        if at.exception:
            raise RuntimeError(f"{name}: {at.exception}")
        if not values:
            options = list(getattr(at, kind)(key=key).options)
            values = (options[1:] + options[:1]) * args.moves
        values = [values[i % len(values)] for i in range(args.moves)]
        entry: dict[str, Any] = {"first_draw": first}
        if kind == "button":  # it computes: the first click loads the model
            load = move(at, kind, key, None)
            entry["first_click_ms"] = round(load[0], 1)
            entry["compute"] = stats([move(at, kind, key, v) for v in values])
        else:
            entry["shipped_redraw"] = stats([move(at, kind, key, v) for v in values])
        if name in COMPUTE_MOVES:
            ckind, ckey, cvalues = COMPUTE_MOVES[name]
            cvalues = [cvalues[i % len(cvalues)] for i in range(args.moves + 1)]
            load = move(at, ckind, ckey, cvalues[0])
            entry["first_compute_ms"] = round(load[0], 1)
            entry["compute"] = stats([move(at, ckind, ckey, v) for v in cvalues[1:]])
        report[name] = entry
        print(json.dumps({name: entry}), file=sys.stderr, flush=True)
    report["hardware"] = f"{os.cpu_count()}-core {platform.machine()} CPU, torch on 1 thread"
    report["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
