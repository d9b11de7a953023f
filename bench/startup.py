"""Time to first paint of Home in a real browser (Debian's Chromium via Playwright).

Starts `streamlit run` on a free port with a fresh SQLite database, then measures, for several fresh browser
contexts, the time from navigation start until Home's title is painted. The first load after the server starts
is reported on its own (it includes the one-time content sync). For scale, the same is measured for an empty
Streamlit app that only draws a title: the floor set by Streamlit's own front end. Prints JSON. A benchmark,
not a test.

    .venv/bin/python bench/startup.py [--runs 5]
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

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server

TITLE = "Deep-learning study notes"


def first_paint_ms(browser, url: str) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(url)
    page.get_by_role("heading", name=TITLE).wait_for(state="visible", timeout=60_000)
    elapsed = (time.perf_counter() - t0) * 1000
    context.close()
    return elapsed


EMPTY_APP = f"import streamlit as st\nst.title({TITLE!r})\n"


def measure(script: Path | None, db: Path, runs: int) -> dict[str, object]:
    t0 = time.perf_counter()
    proc, url = start_server(db, script=script)
    server_ready_ms = (time.perf_counter() - t0) * 1000
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            cold = first_paint_ms(browser, url)
            warm = [first_paint_ms(browser, url) for _ in range(runs)]
            browser.close()
    finally:
        stop_server(proc)
    return {
        "server_ready_ms": round(server_ready_ms),
        "first_load_after_start_ms": round(cold),
        "warm_first_paint_ms": {
            "median": round(statistics.median(warm)),
            "min": round(min(warm)),
            "max": round(max(warm)),
            "runs": len(warm),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="warm loads to time after the first (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty_app.py"
        empty.write_text(EMPTY_APP)
        report = {
            "home": measure(None, Path(tmp) / "bench.db", args.runs),
            "empty_streamlit_app": measure(empty, Path(tmp) / "empty.db", args.runs),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Chromium {CHROMIUM}",
        }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
