"""The NMS lab in Chromium: the one IoU threshold moves the figure's kept count; the card links back."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from tests.e2e.conftest import settle

FIGURE = '[data-testid="stPlotlyChart"]'


def kept(page: Page) -> int:
    """The kept count in the box figure's title ("<b>9</b> kept · 137 suppressed · ...")."""
    title = page.locator(FIGURE).first.locator(".gtitle").text_content() or ""
    return int(title.split(" kept")[0])


def move_iou_to_lowest(page: Page) -> None:
    """Press Home on the page's IoU threshold slider (0.05: almost any overlap suppresses)."""
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="IoU threshold").get_by_role("slider")
    slider.focus()
    slider.press("Home")


def test_the_iou_threshold_changes_the_kept_count(server, page, shoot) -> None:
    page.goto(f"{server}/demo_nms")
    expect(page.get_by_role("heading", name="Non-max suppression")).to_be_visible(timeout=60_000)
    expect(page.locator(FIGURE).first.locator(".gtitle")).to_be_attached(timeout=90_000)
    settle(page, 60)
    before = kept(page)
    move_iou_to_lowest(page)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and kept(page) == before:
        time.sleep(0.1)
    assert kept(page) < before
    expect(page.get_by_text("boxes survive at IoU 0.05")).to_be_visible(timeout=10_000)  # the same threshold
    settle(page)
    shoot(page, "demo_nms")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []

    page.get_by_role("link", name="Non-max suppression (NMS)").first.click()
    expect(page.get_by_role("heading", name="Non-max suppression (NMS)")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("link", name="Non-max suppression", exact=True).last).to_be_visible()
