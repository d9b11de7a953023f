"""The NMS demo in Chromium: moving the IoU slider changes how many boxes are kept; the card links back."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from tests.e2e.conftest import settle


def kept(page: Page) -> int:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Kept")
    return int(metric.locator('[data-testid="stMetricValue"]').inner_text())


def test_moving_the_iou_slider_changes_the_kept_count(server, page, shoot) -> None:
    page.goto(f"{server}/demo_nms")
    expect(page.get_by_role("heading", name="Non-max suppression")).to_be_visible(timeout=60_000)
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="Kept")).to_be_visible(timeout=90_000)
    settle(page, 60)
    before = kept(page)
    thumb = page.locator('[data-testid="stSlider"]').filter(has_text="IoU threshold").get_by_role("slider")
    thumb.focus()
    thumb.press("Home")  # IoU threshold 0.05: almost any overlap suppresses
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and kept(page) == before:
        time.sleep(0.2)
    after = kept(page)
    assert after < before
    settle(page)
    shoot(page, "demo_nms")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []

    page.get_by_role("link", name="Non-max suppression (NMS)").first.click()
    expect(page.get_by_role("heading", name="Non-max suppression (NMS)")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("link", name="Non-max suppression", exact=True).last).to_be_visible()
