"""The captioning lab in Chromium: the word slider under the scene switches the attention map in the browser, and
the Compose controls show their values at laptop widths (they were clipped at 1400 px and blank at 1280 px)."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from tests.e2e.conftest import settle

ATTENTION = '[data-testid="stPlotlyChart"]:has(.slider-container)'


def title(page: Page) -> str:
    return page.locator(ATTENTION).first.locator(".gtitle").text_content() or ""


def click_word(page: Page, index: int) -> None:
    """Click the attention figure's slider at word ``index`` (0-based)."""
    ticks = page.locator(ATTENTION).first.locator(".slider-tick-rect")
    ticks.nth(index).scroll_into_view_if_needed()
    box = ticks.nth(index).bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] - 4)


def test_the_word_slider_switches_the_attention_map(server, page, shoot) -> None:
    page.goto(f"{server}/demo_captioning")
    expect(page.get_by_role("heading", name="Captioning with soft attention")).to_be_visible(timeout=60_000)
    expect(page.locator(ATTENTION).first.locator(".gtitle")).to_be_attached(timeout=90_000)
    settle(page, 60)
    before = title(page)
    assert "the peak is" in before  # it opens on the first shape word, with its check
    click_word(page, 0)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and title(page) == before:
        time.sleep(0.1)
    assert title(page).startswith("1. a")
    settle(page)
    shoot(page, "demo_captioning")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []


def test_compose_controls_show_their_values_at_1280_px(server, browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{server}/demo_captioning")
        expect(page.get_by_role("heading", name="Captioning with soft attention")).to_be_visible(timeout=60_000)
        settle(page, 90)
        page.locator('[data-testid="stButtonGroup"]').get_by_text("Compose", exact=True).click()
        settle(page, 60)
        for label, value in (("Shape 1", "circle"), ("Colour 1", "red"), ("Size 1", "small"), ("Shape 2", "square")):
            shown = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).get_by_role("combobox")
            expect(shown).to_have_value(value, timeout=10_000)
            clipped = shown.evaluate("el => el.scrollWidth > el.clientWidth + 1")
            width = (shown.bounding_box() or {"width": 0})["width"]
            assert not clipped and width >= 60, (label, width)  # the value is readable, not cut to "tı" or blank
    finally:
        context.close()
