"""The Bayesian lab in Chromium: the panel's slider turns the digit and the models answer; a digit drawn on the
canvas, which fits its column whole, gets every model's prediction."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import settle


def test_turning_the_digit_and_drawing_one(server, page, shoot) -> None:
    page.goto(f"{server}/demo_bayesian")
    expect(page.get_by_role("heading", name="Bayesian CNN uncertainty").first).to_be_visible(timeout=90_000)
    expect(page.get_by_text("(shipped result)")).to_be_visible(timeout=90_000)
    settle(page, 90)
    slider = page.get_by_role("slider", name="Turn the digit").first
    slider.focus()
    slider.press("ArrowRight")  # 45 -> 50 degrees: the four models run on the turned digit
    expect(page.get_by_text("turned 50°")).to_be_visible(timeout=90_000)
    expect(page.get_by_text("computed on CPU in")).to_be_visible(timeout=30_000)

    canvas = page.locator("canvas").last  # fabric.js draws on its upper canvas
    canvas.scroll_into_view_if_needed()
    expect(canvas).to_be_visible(timeout=30_000)
    box = canvas.bounding_box()
    column = page.locator('[data-testid="stColumn"]', has=page.locator("iframe, canvas")).last.bounding_box()
    assert box is not None and column is not None and box["width"] > 200
    assert box["x"] + box["width"] <= column["x"] + column["width"] + 1  # the whole canvas shows (ux B14)
    x0, y0 = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.15
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 21):  # a vertical stroke: a "1"
        page.mouse.move(x0 + i * 0.5, y0 + i * box["height"] * 0.035)
    page.mouse.up()
    expect(page.get_by_text("What the models see is your drawing")).to_be_visible(timeout=90_000)
    settle(page, 90)
    assert page.locator('[data-testid="stMetric"]').count() >= 4
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []  # type: ignore[attr-defined]
    shoot(page, "demo_bayesian_drawn")
