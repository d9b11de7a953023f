"""First paint of a card page with a lab panel against a card without one, in a real browser.

Starts `streamlit run` on a free port with a fresh SQLite database, opens each card several times in fresh
browser contexts (alternating, after one untimed load of each), and times two moments from navigation start:
the card's title painted, and the page complete (the lab panel's figure drawn, or the last section of a card
without a lab). The target: a card with a lab paints its title within 1.2x of a card without one. Prints JSON.
A benchmark, not a test.

    .venv/bin/python bench/card_paint.py [--runs 7] [--with-lab non-max-suppression] [--without-lab caffe]
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

from playwright.sync_api import Browser, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.cards import load_content
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server


def load_ms(browser: Browser, url: str, title: str, done_selector: str) -> tuple[float, float]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(url)
    page.get_by_role("heading", name=title, exact=True).wait_for(state="visible", timeout=60_000)
    title_ms = (time.perf_counter() - t0) * 1000
    page.locator(done_selector).first.wait_for(state="attached", timeout=60_000)
    done_ms = (time.perf_counter() - t0) * 1000
    context.close()
    return title_ms, done_ms


def summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values)), "min": round(min(values)), "max": round(max(values))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed loads of each card (default 7)")
    parser.add_argument("--with-lab", default="non-max-suppression", help="a card that shows a lab panel")
    parser.add_argument("--without-lab", default="caffe", help="a card without one")
    args = parser.parse_args()
    titles = {c.id: c.title for c in load_content().cards}
    cards = {
        "with_lab": (args.with_lab, '[data-testid="stPlotlyChart"] .main-svg'),
        "without_lab": (args.without_lab, '[data-testid="stExpander"]'),
    }
    times: dict[str, dict[str, list[float]]] = {k: {"title": [], "complete": []} for k in cards}
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_server(Path(tmp) / "bench.db")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for card_id, selector in cards.values():  # untimed: the first load syncs content, warms caches
                    load_ms(browser, f"{url}/card?id={card_id}", titles[card_id], selector)
                for _ in range(args.runs):
                    for name, (card_id, selector) in cards.items():
                        title, done = load_ms(browser, f"{url}/card?id={card_id}", titles[card_id], selector)
                        times[name]["title"].append(title)
                        times[name]["complete"].append(done)
                browser.close()
        finally:
            stop_server(proc)
    report: dict[str, object] = {name: {k: summary(v) for k, v in t.items()} for name, t in times.items()}
    ratio = statistics.median(times["with_lab"]["title"]) / statistics.median(times["without_lab"]["title"])
    report["title_paint_ratio"] = round(ratio, 2)
    report["target"] = "title_paint_ratio <= 1.2"
    report["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, {CHROMIUM}"
    report["cards"] = {name: card_id for name, (card_id, _) in cards.items()}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
