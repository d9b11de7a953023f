"""How long the vision labs take to redraw after a learner moves a control that shows a shipped result: the
server's rerun of the panel, measured with Streamlit's AppTest in this process (wall and CPU time per move).

Moves: the semantic-segmentation lab's held-out-scene slider, the superpixel lab's method and picture buttons,
the detector lab's method buttons, the early-layers lab's photo back to the shipped one. The spatial
transformer's rotation slider and the superpixel scale slider are plotly sliders: the browser swaps frames
without calling the server, so they have no server share. Each move is checked to change the panel's figure or
text, so a move that drew nothing cannot pass as fast. AppTest adds its own overhead, so these are upper bounds;
the CPU may be shared by other processes.

Usage: python bench/vision_redraw.py [--moves 6]. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streamlit.testing.v1 import AppTest

Move = Callable[[AppTest, int], object]


def _lab_script(name: str) -> None:
    from demos.registry import by_name
    from ui.labs.frame import render_panel

    render_panel(by_name()[name], key="b", full=True)


def _state(at: AppTest) -> str:
    charts = [c.proto.spec for c in at.get("plotly_chart")]
    return "".join(charts) + "".join(c.value for c in at.caption)


MOVES: dict[str, tuple[str, Move]] = {
    "semantic scene slider": (
        "semantic-segmentation",
        lambda at, i: at.select_slider(key="b-semantic-segmentation-scene").set_value(1 + i % 2).run(),
    ),
    "superpixel method": (
        "superpixels",
        lambda at, i: at.segmented_control(key="b-superpixels-method").set_value(("felzenszwalb", "slic")[i % 2]).run(),
    ),
    "superpixel picture": (
        "superpixels",
        lambda at, i: at.segmented_control(key="b-superpixels-pic").set_value(("photo", "scene")[i % 2]).run(),
    ),
    "detector method": (
        "detector-families",
        lambda at, i: (
            at.segmented_control(key="b-detector-families-method")
            .set_value(("windows", "yolo", "ssd", "fpn")[i % 4])
            .run()
        ),
    ),
}


def measure(name: str, lab: str, move: Move, moves: int) -> dict[str, object]:
    at = AppTest.from_function(_lab_script, args=(lab,), default_timeout=120)
    at.run()
    move(at, 0)  # warm the caches of both values
    move(at, 1)
    walls, cpus = [], []
    before = _state(at)
    for i in range(moves):
        w0, c0 = time.perf_counter(), time.process_time()
        move(at, i)
        walls.append((time.perf_counter() - w0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
        assert not at.exception, at.exception
        after = _state(at)
        assert after != before, f"{name}: the move changed nothing"
        before = after
    return {
        "lab": lab,
        "move": name,
        "wall_ms_median": round(statistics.median(walls), 1),
        "wall_ms_max": round(max(walls), 1),
        "cpu_ms_median": round(statistics.median(cpus), 1),
    }


def main() -> None:
    import torch

    from demos.common import hardware

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=6, help="moves per control (default 6)")
    args = parser.parse_args()
    if args.moves < 2:
        parser.error("--moves must be at least 2")
    rows = [measure(name, lab, move, args.moves) for name, (lab, move) in MOVES.items()]
    print(
        json.dumps(
            {"moves": rows, "target_ms": 300, "hardware": hardware(torch.device("cpu")), "side": "server (AppTest)"},
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
