"""The vision labs in Chromium: one control per lab changes what it shows."""

from __future__ import annotations

import time
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import settle

FIGURE = '[data-testid="stPlotlyChart"]'


def title(figure: Locator) -> str:
    return figure.locator(".gtitle").first.text_content() or ""


def captions(page: Page) -> str:
    return " ".join(page.locator('[data-testid="stCaptionContainer"]').all_text_contents())


def wait_for(read: Callable[[], str], ok: Callable[[str], bool], timeout_s: float = 90) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = read()
        if ok(now):
            return now
        time.sleep(0.2)
    return read()


def open_lab(page: Page, server: str, name: str, heading: str) -> None:
    page.goto(f"{server}/lab?name={name}")
    expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=90_000)
    expect(page.locator(FIGURE).first).to_be_attached(timeout=90_000)
    settle(page, 60)


def test_one_control_per_vision_lab(server, page, shoot) -> None:  # type: ignore[no-untyped-def]
    # semantic segmentation: the held-out-scene slider, moved with the keyboard
    open_lab(page, server, "semantic-segmentation", "Semantic segmentation: patches, FCNs, hypercolumns")
    assert "held-out scene 1 (shipped)" in captions(page)
    page.get_by_role("slider").first.focus()
    page.keyboard.press("ArrowRight")
    settle(page, 60)
    assert "held-out scene 2 (shipped)" in wait_for(lambda: captions(page), lambda t: "scene 2 (shipped)" in t)
    shoot(page, "lab_semantic_segmentation")

    # instances: another crowded scene, detected and segmented now
    open_lab(page, server, "instance-segmentation", "Instance vs semantic segmentation")
    page.get_by_role("button", name="Another crowded scene").click()
    settle(page, 90)
    assert "computed on CPU" in wait_for(lambda: captions(page), lambda t: "computed on" in t)

    # superpixels: Felzenszwalb instead of SLIC
    open_lab(page, server, "superpixels", "Superpixels at several scales")
    assert title(page.locator(FIGURE).first).startswith("SLIC")
    page.get_by_role("radio", name="Felzenszwalb").click()
    settle(page, 60)
    assert wait_for(lambda: title(page.locator(FIGURE).first), lambda t: t.startswith("Felzenszwalb"))

    # detector families: sliding windows instead of the pyramid
    open_lab(page, server, "detector-families", "Detector families: windows, proposals, YOLO, SSD, FPN")
    page.get_by_role("radio", name="Sliding windows").click()
    settle(page, 60)
    assert "2,389 crops" in wait_for(lambda: captions(page), lambda t: "2,389 crops" in t)
    shoot(page, "lab_detector_families")

    # spatial transformer: the figure's own rotation slider swaps digits in the browser
    open_lab(page, server, "spatial-transformer", "Spatial transformer on warped digits")
    figure = page.locator(FIGURE).first
    assert title(figure).startswith("+45°")
    ticks = figure.locator(".slider-tick-rect")
    ticks.last.scroll_into_view_if_needed()
    box = ticks.last.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] - 4)
    assert wait_for(lambda: title(figure), lambda t: t.startswith("+90°"), 10).startswith("+90°")

    # early layers: the three first layers on another photo, computed now
    open_lab(page, server, "early-layers", "What early layers see")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Photo").first.click()
    page.get_by_role("option", name="coffee", exact=True).click()
    settle(page, 120)
    assert "'coffee' photo (computed on CPU" in wait_for(lambda: captions(page), lambda t: "'coffee' photo (c" in t)
    shoot(page, "lab_early_layers")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []
