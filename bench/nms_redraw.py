"""How long the NMS lab's controls take to redraw, with every one of the 1,024 raw boxes in play.

Starts the app and drives headless Chromium:

* the lab page (/demo_nms) with the score threshold at 0 (all 1,024 grid-cell boxes compete): the box figure's own
  IoU slider (precomputed states swapped in the browser), the closer look's IoU threshold (arrow keys, each press a
  new threshold, a server round trip), the step-through's step slider, the "Show suppressed boxes" toggle, and the
  method (a method's first choice computes NMS at all 19 thresholds; later ones are cached);
* the card panel (/lab?name=nms): the figure's own IoU slider, as on the page.

A MutationObserver on the page's main area records when the browser last changed it; a control's latency is the
key or mouse press -> that last change (the server's rerun and the browser's redraw both included). Every move is
checked to have changed what it should (the figure's title or a caption), so a move that drew nothing cannot pass
as fast. Prints JSON. Usage: python bench/nms_redraw.py [--repeat N]
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

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, settle, start_server, stop_server

FIGURE = '[data-testid="stPlotlyChart"]'
OBSERVE = """() => {
  window.__muts = [];
  window.__down = null;
  const main = document.querySelector('[data-testid="stMain"]');
  new MutationObserver(() => window.__muts.push(performance.now()))
    .observe(main, {subtree: true, childList: true, attributes: true, characterData: true});
  for (const kind of ['mousedown', 'keydown']) {
    document.addEventListener(kind, () => { if (window.__down === null) window.__down = performance.now(); }, true);
  }
}"""


def title(page: Page) -> str:
    return page.locator(FIGURE).first.locator(".gtitle").text_content() or ""


def slider(page: Page, label: str):  # type: ignore[no-untyped-def]
    return page.locator('[data-testid="stSlider"]').filter(has_text=label).get_by_role("slider")


def timed(page: Page, act: Callable[[], None], quiet_s: float = 0.8, limit_s: float = 30) -> float:
    """Milliseconds from the press ``act`` makes to the main area's last change, once it has been quiet."""
    page.evaluate("() => { window.__muts = []; window.__down = null; }")
    act()
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        time.sleep(0.1)
        muts, now = page.evaluate("() => [window.__muts, performance.now()]")
        busy = page.locator('[data-testid="stStatusWidget"]').count()
        if muts and not busy and now - max(muts) > quiet_s * 1000:
            break
    muts, down = page.evaluate("() => [window.__muts, window.__down]")
    if not muts or down is None:
        raise RuntimeError("the control changed nothing on the page")
    return max(muts) - down


def summary(ms: list[float]) -> dict[str, float | int]:
    ordered = sorted(ms)
    return {
        "moves": len(ms),
        "median_ms": round(statistics.median(ordered), 1),
        "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
        "max_ms": round(ordered[-1], 1),
    }


def page_controls(page: Page, url: str, repeat: int) -> dict[str, object]:
    page.goto(f"{url}/demo_nms")
    page.locator('[data-testid="stMetric"]').filter(has_text="Raw boxes").wait_for(timeout=180_000)
    settle(page, 120)
    score = slider(page, "Score threshold")
    score.focus()
    score.press("Home")  # every raw box competes
    deadline = time.monotonic() + 60
    while "1024" not in page.locator('[data-testid="stMetric"]').first.inner_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    settle(page, 60)
    page.evaluate(OBSERVE)
    out: dict[str, object] = {}

    out["figure_slider"] = figure_slider(page)
    settle(page, 30)
    page.evaluate(OBSERVE)

    closer = []
    for i in range(2 * repeat):
        key = "ArrowLeft" if i < repeat else "ArrowRight"  # 0.50 down, then back up: each value new at its turn
        here = slider(page, "IoU threshold for this closer look")
        closer.append(timed(page, lambda key=key, here=here: (here.focus(), page.keyboard.press(key))))
    out["closer_look_iou_threshold"] = summary(closer)

    step = []
    for _ in range(repeat):
        step.append(timed(page, lambda: (slider(page, "Step").focus(), page.keyboard.press("ArrowRight"))))
    out["step_slider"] = summary(step)

    toggle = page.locator('[data-testid="stCheckbox"]').filter(has_text="Show suppressed boxes")
    flips = [timed(page, lambda: toggle.locator("label").click()) for _ in range(repeat)]
    out["show_suppressed_toggle"] = summary(flips)

    method = page.locator('[data-testid="stSelectbox"]').filter(has_text="Method").get_by_role("combobox")

    def choose(name: str) -> None:
        method.click()
        page.get_by_role("option", name=name).click()

    first = timed(page, lambda: choose("Greedy, class-aware (batched)"))
    back = timed(page, lambda: choose("Greedy NMS (class-blind)"))
    again = timed(page, lambda: choose("Greedy, class-aware (batched)"))
    out["method"] = {"first_choice_ms": round(first, 1), "cached_ms": [round(back, 1), round(again, 1)]}
    return out


def figure_slider(page: Page) -> dict[str, object]:
    """Click the first figure's own IoU slider at each of the 18 other thresholds (0.50 down to 0.05, then up to
    0.95): the browser swaps precomputed states. Checks the title (its kept count) changed."""
    figure = page.locator(FIGURE).first
    figure.locator(".slider-container").scroll_into_view_if_needed()
    ticks = figure.locator(".slider-tick-rect")
    centres = []
    for i in range(ticks.count()):
        box = ticks.nth(i).bounding_box()
        assert box is not None
        centres.append((box["x"] + box["width"] / 2, box["y"] - 4))  # just above the tick: on the rail
    page.evaluate(OBSERVE)
    start = 9  # the slider starts at 0.50
    ms, titles = [], []
    for i in [*range(start - 1, -1, -1), *range(start + 1, len(centres))]:
        time.sleep(0.4)
        ms.append(timed(page, lambda i=i: page.mouse.click(*centres[i]), quiet_s=0.6))
        titles.append(title(page))
    if len(set(titles)) < 3:
        raise RuntimeError(f"the figure's slider did not change the figure: {titles}")
    return summary(ms) | {"kept": sorted({int(t.split(" kept")[0]) for t in titles})}


def panel_slider(page: Page, url: str) -> dict[str, object]:
    page.goto(f"{url}/lab?name=nms")
    page.locator(FIGURE).first.locator(".slider-tick-rect").first.wait_for(timeout=180_000)
    settle(page, 120)
    return figure_slider(page)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="moves per page control (default 5)")
    args = parser.parse_args()
    db = Path(tempfile.mkdtemp()) / "bench.db"
    proc, url = start_server(db)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1400})
            report: dict[str, object] = {"page": page_controls(page, url, args.repeat)}
            report["card_panel_figure_slider"] = panel_slider(page, url)
            browser.close()
    finally:
        stop_server(proc)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    report["raw_boxes"] = 1024
    report["hardware"] = f"{os.cpu_count()}-core {platform.machine()} CPU, headless Chromium on the same machine"
    report["load_average_1min_after"] = load
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
