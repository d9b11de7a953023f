"""How long each convolution lab takes to redraw after a learner moves one of its controls, in a real browser.

Starts the app, opens each lab's page in headless Chromium and moves one control several times, each time to a
value the panel has not just shown: the arithmetic lab's stride slider (its animated figure is rebuilt), the
race's image-size buttons, the blocks' comparison, the precision and GPU labs' operation buttons, the upsampling
lab's view. A MutationObserver on the main area records when the page last changed; the latency is the input
event (mouse press or key press) -> that last change, read after the app reports it is idle. Each move is
checked to have changed the panel's text, so a move that drew nothing cannot pass as fast.

It also reports the server's share: the CPU time (process time) the panel's rerun costs for the same moves,
measured with Streamlit's AppTest in this process, so a slow browser figure can be told from slow Python.

Usage: python bench/conv_redraw.py [--moves 6]. Prints JSON. The CPU may be shared; figures are upper bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Page, sync_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, settle, start_server

OBSERVE = """() => {
  window.__muts = [];
  window.__input = null;
  const main = document.querySelector('[data-testid="stMain"]');
  new MutationObserver(() => window.__muts.push(performance.now()))
    .observe(main, {subtree: true, childList: true, attributes: true, characterData: true});
  const mark = () => { if (window.__input === null) window.__input = performance.now(); };
  document.addEventListener('mousedown', mark, true);
  document.addEventListener('keydown', mark, true);
}"""


def panel_text(page: Page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def measure(page: Page, moves: list[Callable[[], None]]) -> list[float]:
    page.evaluate(OBSERVE)
    out = []
    for move in moves:
        time.sleep(0.8)
        before = panel_text(page)
        page.evaluate("() => { window.__muts = []; window.__input = null; }")
        move()
        settle(page, 30)
        time.sleep(1.0)  # generous: let the browser finish drawing
        muts, start = page.evaluate("() => [window.__muts, window.__input]")
        if start is None or not muts or panel_text(page) == before:
            raise RuntimeError("a move did not redraw the panel")
        out.append(max(muts) - start)
    return out


def radio(page: Page, label: str) -> Callable[[], None]:
    return lambda: page.get_by_role("radio", name=label, exact=True).first.click()


def option(page: Page, box: str, label: str) -> Callable[[], None]:
    def pick() -> None:
        page.get_by_label(box).first.click()
        page.get_by_role("option", name=label, exact=True).click()

    return pick


def key(page: Page, slider: str, press: str) -> Callable[[], None]:
    def move() -> None:
        thumb = page.locator('[data-testid="stSlider"]').filter(has_text=slider).get_by_role("slider")
        thumb.focus()
        thumb.press(press)

    return move


def cycle(make: Callable[[str], Callable[[], None]], values: list[str], moves: int) -> list[Callable[[], None]]:
    return [make(values[i % len(values)]) for i in range(moves)]


PANEL = """
import sys
sys.path.insert(0, {root!r})
from demos.registry import by_name
from ui.labs.frame import render_panel
render_panel(by_name()[{name!r}], key="b", full=True)
"""
SERVER_MOVES: dict[str, tuple[str, str, list[object]]] = {  # lab: (widget kind, key, values to set in turn)
    "conv-arithmetic": ("slider", "b-conv-arithmetic-w-s", [2, 1, 3, 1]),
    "conv-im2col-fft": ("button_group", "b-conv-im2col-fft-img", [256, 64, 32, 128]),
    "conv-blocks": ("selectbox", "b-conv-blocks-b-pair", ["5x5-vs-3x3x2", "3x3-vs-bottleneck", "7x7-vs-3x3x3"]),
    "conv-precision": ("button_group", "b-conv-precision-op", ["conv", "matmul", "conv"]),
    "conv-gpus": ("button_group", "b-conv-gpus-op", ["conv", "matmul", "conv"]),
    "conv-upsampling": ("button_group", "b-conv-upsampling-view", ["flat", "photo", "flat"]),
}


def server_cpu_ms() -> dict[str, float]:
    """Median CPU milliseconds of one panel rerun after each move, per lab (AppTest, this process)."""
    from streamlit.testing.v1 import AppTest

    root = str(Path(__file__).resolve().parent.parent)
    out = {}
    for name, (kind, key, values) in SERVER_MOVES.items():
        at = AppTest.from_string(PANEL.format(root=root, name=name), default_timeout=120)
        at.run()
        costs = []
        for value in values:
            getattr(at, kind)(key=key).set_value(value)
            t0 = time.process_time()
            at.run()
            costs.append((time.process_time() - t0) * 1000)
            if at.exception:
                raise RuntimeError(f"{name}: {at.exception}")
        out[name] = round(statistics.median(costs), 1)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=6)
    args = parser.parse_args()
    labs: dict[str, Callable[[Page], list[Callable[[], None]]]] = {
        "conv-arithmetic": lambda p: cycle(lambda k: key(p, "Stride", k), ["ArrowRight", "ArrowLeft"], args.moves),
        "conv-im2col-fft": lambda p: cycle(
            lambda v: radio(p, v), ["256 × 256", "64 × 64", "32 × 32", "128 × 128"], args.moves
        ),
        "conv-blocks": lambda p: cycle(
            lambda v: option(p, "Compare", v),
            ["One 5×5 vs two 3×3", "3×3 vs 1×1 bottleneck", "7×7 vs 1×7 then 7×1", "One 7×7 vs three 3×3"],
            args.moves,
        ),
        "conv-precision": lambda p: cycle(lambda v: radio(p, v), ["3 × 3 convolution", "Matrix multiply"], args.moves),
        "conv-gpus": lambda p: cycle(lambda v: radio(p, v), ["3 × 3 convolution", "Matrix multiply"], args.moves),
        "conv-upsampling": lambda p: cycle(
            lambda v: radio(p, v), ["Flat grey input", "Held-out photo (close-up)"], args.moves
        ),
    }
    db = Path(tempfile.mkdtemp()) / "bench.db"
    proc, url = start_server(db)
    report: dict[str, object] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1400})
            for name, moves in labs.items():
                page.goto(f"{url}/lab?name={name}")
                page.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=180_000)
                settle(page, 120)
                ms = sorted(measure(page, moves(page)))
                report[name] = {
                    "moves": len(ms),
                    "median_ms": round(statistics.median(ms), 1),
                    "max_ms": round(ms[-1], 1),
                    "all_ms": [round(v, 1) for v in ms],
                }
                print(json.dumps({name: report[name]}), file=sys.stderr, flush=True)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    report["server_cpu_ms_per_rerun"] = server_cpu_ms()
    report["hardware"] = f"{os.cpu_count()}-core {platform.machine()} CPU, headless Chromium on the same machine"
    if hasattr(os, "getloadavg"):
        report["load_average_1min"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
