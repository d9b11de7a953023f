"""The Bayesian CNN demo in Chromium: draw a stroke on the canvas with the mouse and see the predictions."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import settle


def test_drawing_a_digit_shows_each_models_prediction(server, page, shoot) -> None:
    page.goto(f"{server}/demo_bayesian")
    expect(page.get_by_role("heading", name="Bayesian CNN uncertainty")).to_be_visible(timeout=90_000)
    expect(page.get_by_text("Each model's prediction")).to_be_visible(timeout=90_000)  # a test digit first
    settle(page, 90)
    page.locator('[data-testid="stButtonGroup"] button', has_text="Draw a digit").click()
    expect(page.get_by_text("Draw a digit on the black square")).to_be_visible(timeout=60_000)
    settle(page, 60)
    canvas = page.locator("canvas").last  # fabric.js draws on its upper canvas
    expect(canvas).to_be_visible(timeout=30_000)
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 100
    x0, y0 = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.15
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 21):  # a vertical stroke: a "1"
        page.mouse.move(x0 + i * 0.5, y0 + i * box["height"] * 0.035)
    page.mouse.up()
    expect(page.get_by_text("Each model's prediction")).to_be_visible(timeout=90_000)
    settle(page, 90)
    metrics = page.locator('[data-testid="stMetric"]')
    expect(metrics.first).to_be_visible(timeout=30_000)
    assert metrics.count() >= 4
    expect(page.get_by_text("What the models see: your drawing")).to_be_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    shoot(page, "demo_bayesian_drawn")
