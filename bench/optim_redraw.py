"""How long the optimiser race redraws after a slider move, in headless Chromium against a real server.

Two kinds of move on /lab?name=optimisers:

* the figure's own learning-rate slider (every rule's best rate times 1/8 .. 8): all 7 states are in the figure,
  so the browser swaps paths, loss curves and legend without asking the server. Each of the 6 other steps is
  clicked twice; latency = mouse press -> the figure's last DOM change (a MutationObserver).
* a Streamlit slider (the condition number κ): the server recomputes the race (7 rules x 47 learning rates x 200
  steps in numpy) and sends a new figure. Each press of the right-arrow key moves κ one step; latency = key press
  -> the figure's last DOM change.

The legend (each rule's rate and steps to the minimum) and the drawn paths are read back after every move, so a
move that drew nothing cannot pass as fast. Prints JSON. Usage: python bench/optim_redraw.py
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Page, sync_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, settle, start_server

FIGURE = '[data-testid="stPlotlyChart"]'
OBSERVE = """() => {
  window.__muts = [];
  window.__t0 = null;
  // watch the whole page (a server rerun may replace the chart's element) but count only the race figure's changes
  const inFigure = (node) => {
    const el = node.nodeType === 1 ? node : node.parentElement;
    const chart = el && el.closest('[data-testid="stPlotlyChart"]');
    return chart !== null && chart === document.querySelector('[data-testid="stPlotlyChart"]');
  };
  new MutationObserver((records) => {
    if (records.some((r) => inFigure(r.target))) window.__muts.push(performance.now());
  }).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  document.addEventListener('mousedown', () => { window.__t0 = performance.now(); }, true);
  document.addEventListener('keydown', () => { window.__t0 = performance.now(); }, true);
}"""


def legend(page: Page) -> list[str]:
    """What the figure shows: the legend (rates, steps to the minimum) and the drawn paths' SVG."""
    fig = page.locator(FIGURE).first
    texts = fig.locator(".legendtext")
    lines = fig.locator(".scatterlayer .js-line")
    return [texts.nth(i).text_content() or "" for i in range(texts.count())] + [
        (lines.nth(i).get_attribute("d") or "")[:200] for i in range(min(lines.count(), 4))
    ]


def summary(ms: list[float]) -> dict[str, float]:
    ms = sorted(ms)
    return {
        "moves": len(ms),
        "median_ms": round(statistics.median(ms), 1),
        "p90_ms": round(ms[int(0.9 * (len(ms) - 1))], 1),
        "max_ms": round(ms[-1], 1),
    }


def measure(page: Page, act: object, wait_s: float) -> tuple[float | None, list[str]]:
    page.evaluate("() => { window.__muts = []; window.__t0 = null; }")
    act()  # type: ignore[operator]
    time.sleep(wait_s)
    muts, t0 = page.evaluate("() => [window.__muts, window.__t0]")
    return (max(muts) - t0 if muts and t0 is not None else None), legend(page)


def main() -> int:
    db = Path(tempfile.mkdtemp()) / "bench.db"
    proc, url = start_server(db)
    browser_ms: list[float] = []
    server_ms: list[float] = []
    legends: list[list[str]] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1400})
            page.goto(f"{url}/lab?name=optimisers")
            page.locator(FIGURE).first.locator(".legendtext").first.wait_for(timeout=180_000)
            settle(page, 120)
            fig = page.locator(FIGURE).first
            fig.scroll_into_view_if_needed()
            page.evaluate(OBSERVE)
            ticks = fig.locator(".slider-tick-rect")
            centres = []
            for i in range(ticks.count()):
                box = ticks.nth(i).bounding_box()
                assert box is not None
                centres.append((box["x"] + box["width"] / 2, box["y"] - 4))
            start = len(centres) // 2  # the figure starts at x1
            order = [*range(start - 1, -1, -1), *range(start + 1, len(centres))] * 2  # each other step, twice
            for i in order:
                time.sleep(0.5)
                ms, shown = measure(page, lambda i=i: page.mouse.click(*centres[i]), 1.0)
                if ms is not None:
                    browser_ms.append(ms)
                legends.append(shown)
            kappa = page.locator('[data-testid="stSlider"]').filter(has_text="Condition").get_by_role("slider")
            for _ in range(4):  # kappa 50 -> 100 -> 200 -> 500 -> 1000
                settle(page, 60)
                time.sleep(1.0)
                before = legend(page)
                kappa.focus()
                ms, shown = measure(page, lambda: kappa.press("ArrowRight"), 1.0)
                settle(page, 60)  # a loaded machine may take longer: wait for the run to end, then read again
                ms, shown = page.evaluate("() => [window.__muts, window.__t0]"), legend(page)
                muts, t0 = ms
                if muts and t0 is not None and shown != before:
                    server_ms.append(max(muts) - t0)
                legends.append(shown)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    distinct = len({tuple(x) for x in legends})
    if len(browser_ms) < 12 or len(server_ms) < 4 or distinct < 8:
        print(
            json.dumps(
                {
                    "error": "the figure did not redraw on every move",
                    "browser_moves": len(browser_ms),
                    "server_moves": len(server_ms),
                    "distinct_legends": distinct,
                }
            )
        )
        return 1
    report = {
        "figure_learning_rate_slider": summary(browser_ms),
        "streamlit_condition_slider": summary(server_ms),
        "distinct_legends": distinct,
        "hardware": f"{os.cpu_count()}-core {platform.machine()} CPU, headless Chromium on the same machine",
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
