"""How long the NMS page takes to redraw after an IoU-slider move, with every one of 1,024 raw boxes in play.

Starts the app, opens the NMS demo in headless Chromium, sets the score threshold to 0 (all 1,024 grid-cell
boxes are candidates), then moves the IoU slider one step at a time with the keyboard. A MutationObserver on
the box figure records when the browser finished redrawing it; the latency is key press -> last change of
that redraw. Prints JSON. Usage: python bench/nms_redraw.py [--moves 12]
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Page, sync_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, settle, start_server

OBSERVE = """() => {
  window.__muts = [];
  // the main box figure only (the first chart on the page), not the charts in the tabs below it
  const inPlot = (n) => {
    const el = n && (n.nodeType === 1 ? n : n.parentElement);
    const chart = el && el.closest('[data-testid="stPlotlyChart"]');
    return chart && chart === document.querySelector('[data-testid="stPlotlyChart"]');
  };
  new MutationObserver((records) => {
    if (records.some((r) => inPlot(r.target))) window.__muts.push(performance.now());
  }).observe(document.body, {subtree: true, childList: true, attributes: true});
}"""


def metric(page: Page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--moves", type=int, default=12)
    args = parser.parse_args()
    db = Path(tempfile.mkdtemp()) / "bench.db"
    proc, url = start_server(db)
    latencies: list[float] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/demo_nms")
            page.locator('[data-testid="stMetric"]').filter(has_text="Kept").wait_for(timeout=180_000)
            settle(page, 120)
            score = page.locator('[data-testid="stSlider"]').filter(has_text="Score threshold").get_by_role("slider")
            score.focus()
            score.press("Home")
            deadline = time.monotonic() + 60
            while metric(page, "Raw boxes") != "1024" and time.monotonic() < deadline:
                time.sleep(0.2)
            settle(page, 60)
            iou = page.locator('[data-testid="stSlider"]').filter(has_text="IoU threshold").get_by_role("slider")
            iou.focus()
            page.evaluate(OBSERVE)
            for i in range(args.moves + 2):
                time.sleep(1.0)
                t0 = page.evaluate("() => { window.__muts = []; return performance.now(); }")
                page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
                time.sleep(2.0)  # generous: wait for the whole redraw burst
                muts = page.evaluate("() => window.__muts")
                if i >= 2 and muts:  # the first two moves warm caches
                    latencies.append(max(muts) - t0)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    if not latencies:
        print(json.dumps({"error": "the figure never redrew"}))
        return 1
    latencies.sort()
    report = {
        "raw_boxes": 1024,
        "moves": len(latencies),
        "median_ms": round(statistics.median(latencies), 1),
        "p90_ms": round(latencies[int(0.9 * (len(latencies) - 1))], 1),
        "max_ms": round(latencies[-1], 1),
        "hardware": f"{os.cpu_count()}-core {platform.machine()} CPU, headless Chromium on the same machine",
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
