"""The NMS lab in Chromium: the figure's own IoU slider moves its kept count in the browser; the card links back."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from tests.e2e.conftest import click_slider_tick, settle

FIGURE = '[data-testid="stPlotlyChart"]'


def kept(page: Page) -> int:
    """The kept count in the box figure's title ("<b>9</b> kept · 137 suppressed · ...")."""
    title = page.locator(FIGURE).first.locator(".gtitle").text_content() or ""
    return int(title.split(" kept")[0])


def test_the_iou_threshold_changes_the_kept_count(server, page, shoot) -> None:
    page.goto(f"{server}/demo_nms")
    expect(page.get_by_role("heading", name="Non-max suppression")).to_be_visible(timeout=60_000)
    expect(page.locator(FIGURE).first.locator(".gtitle")).to_be_attached(timeout=90_000)
    settle(page, 60)
    before = kept(page)
    for _ in range(4):  # a click that lands while a rerun replaces the figure is lost: click again
        click_slider_tick(page, page.locator(FIGURE).first)  # IoU 0.05: almost any overlap suppresses
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and kept(page) == before:
            time.sleep(0.1)
        if kept(page) != before:
            break
    assert kept(page) < before
    expect(page.locator(FIGURE).first.get_by_text("IoU threshold 0.05")).to_be_visible()
    settle(page)
    shoot(page, "demo_nms")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []

    page.get_by_role("link", name="Non-max suppression (NMS)").first.click()
    expect(page.get_by_role("heading", name="Non-max suppression (NMS)")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("link", name="Non-max suppression", exact=True).last).to_be_visible()
