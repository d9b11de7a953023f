"""The NMS demo in Chromium: moving the figure's IoU slider changes how many boxes are kept; the card links
back."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from tests.e2e.conftest import settle

FIGURE = '[data-testid="stPlotlyChart"]'


def kept(page: Page) -> int:
    """The kept count in the box figure's title ("<b>9</b> kept · 137 suppressed · ...")."""
    title = page.locator(FIGURE).first.locator(".gtitle").text_content() or ""
    return int(title.split(" kept")[0])


def test_moving_the_iou_slider_changes_the_kept_count(server, page, shoot) -> None:
    page.goto(f"{server}/demo_nms")
    expect(page.get_by_role("heading", name="Non-max suppression")).to_be_visible(timeout=60_000)
    expect(page.locator(FIGURE).first.locator(".gtitle")).to_be_attached(timeout=90_000)
    settle(page, 60)
    before = kept(page)
    figure = page.locator(FIGURE).first
    figure.scroll_into_view_if_needed()
    ticks = figure.locator(".slider-tick-rect")
    assert ticks.count() == 19  # IoU 0.05 .. 0.95
    ticks.first.scroll_into_view_if_needed()  # the slider sits under the image, maybe below the fold
    box = ticks.first.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] - 4)  # IoU threshold 0.05: almost any overlap
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and kept(page) == before:
        time.sleep(0.1)
    after = kept(page)
    assert after < before
    assert "IoU threshold 0.05" in (figure.locator(".slider-container").text_content() or "")
    settle(page)
    shoot(page, "demo_nms")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []

    page.get_by_role("link", name="Non-max suppression (NMS)").first.click()
    expect(page.get_by_role("heading", name="Non-max suppression (NMS)")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("link", name="Non-max suppression", exact=True).last).to_be_visible()
