"""How long the NMS page's box figure takes to redraw after a move of its IoU slider, with every one of the
1,024 raw boxes in play.

Starts the app, opens the NMS demo in headless Chromium, sets the score threshold to 0 (all 1,024 grid-cell
boxes are candidates), then clicks the figure's IoU slider at every other threshold in turn (each value new, so
no cache helps). A MutationObserver on the figure records when the browser last changed it; the latency is the
mouse press -> that last change. The kept count in the figure's title is read back after every move so a move
that drew nothing cannot pass as fast. Prints JSON. Usage: python bench/nms_redraw.py
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

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, settle, start_server, stop_server

FIGURE = '[data-testid="stPlotlyChart"]'
OBSERVE = """() => {
  window.__muts = [];
  window.__down = null;
  const figure = document.querySelector('[data-testid="stPlotlyChart"]');  // the box figure comes first
  new MutationObserver(() => window.__muts.push(performance.now()))
    .observe(figure, {subtree: true, childList: true, attributes: true, characterData: true});
  document.addEventListener('mousedown', (e) => { window.__down = performance.now(); }, true);
}"""


def metric(page: Page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def figure_title(page: Page) -> str:
    return page.locator(FIGURE).first.locator(".gtitle").text_content() or ""


def tick_centres(page: Page) -> list[tuple[float, float]]:
    """Screen position of every step of the figure's slider, in step order."""
    ticks = page.locator(FIGURE).first.locator(".slider-tick-rect")
    out = []
    for i in range(ticks.count()):
        box = ticks.nth(i).bounding_box()
        assert box is not None
        out.append((box["x"] + box["width"] / 2, box["y"] - 4))  # just above the tick: on the rail
    return out


def main() -> int:
    db = Path(tempfile.mkdtemp()) / "bench.db"
    proc, url = start_server(db)
    latencies: list[float] = []
    titles: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1400})
            page.goto(f"{url}/demo_nms")
            page.locator('[data-testid="stMetric"]').filter(has_text="Raw boxes").wait_for(timeout=180_000)
            settle(page, 120)
            score = page.locator('[data-testid="stSlider"]').filter(has_text="Score threshold").get_by_role("slider")
            score.focus()
            score.press("Home")
            deadline = time.monotonic() + 60
            while metric(page, "Raw boxes") != "1024" and time.monotonic() < deadline:
                time.sleep(0.2)
            settle(page, 60)
            page.locator(FIGURE).first.locator(".slider-container").scroll_into_view_if_needed()
            ticks = tick_centres(page)
            start = 9  # the slider starts at 0.50
            order = [*range(start - 1, -1, -1), *range(start + 1, len(ticks))]  # every other value, once each
            page.evaluate(OBSERVE)
            for i in order:
                time.sleep(0.6)
                page.evaluate("() => { window.__muts = []; window.__down = null; }")
                page.mouse.click(*ticks[i])
                time.sleep(1.2)  # generous: wait for the whole redraw
                muts, down = page.evaluate("() => [window.__muts, window.__down]")
                if muts and down is not None:
                    latencies.append(max(muts) - down)
                titles.append(figure_title(page))
            browser.close()
    finally:
        stop_server(proc)
    kept = [int(t.split(" kept")[0]) for t in titles]
    if len(latencies) < len(titles) or len(set(kept)) < 3:
        print(json.dumps({"error": "the figure did not redraw on every move", "titles": titles}))
        return 1
    per_move = [{"kept": k, "ms": round(ms, 1)} for k, ms in zip(kept, latencies, strict=True)]
    latencies.sort()
    report = {
        "raw_boxes": 1024,
        "moves": len(latencies),
        "kept_range": [min(kept), max(kept)],
        "median_ms": round(statistics.median(latencies), 1),
        "p90_ms": round(latencies[int(0.9 * (len(latencies) - 1))], 1),
        "max_ms": round(latencies[-1], 1),
        "per_move": per_move,
        "hardware": f"{os.cpu_count()}-core {platform.machine()} CPU, headless Chromium on the same machine",
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
