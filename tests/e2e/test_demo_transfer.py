"""The transfer lab in Chromium: the panel's dataset switch redraws the shipped curves, and a live run can be
stopped: the run ends, its slot is given back, and the learner is told."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import settle


def test_switching_the_dataset_and_stopping_a_live_run(server, page, shoot) -> None:
    page.goto(f"{server}/demo_transfer")
    expect(page.get_by_role("heading", name="Transfer learning").first).to_be_visible(timeout=90_000)
    expect(page.get_by_text("MNIST digits: test accuracy of five strategies")).to_be_visible(timeout=90_000)
    settle(page, 90)
    page.locator('[data-testid="stButtonGroup"] button', has_text="Fashion-MNIST").first.click()
    expect(page.get_by_text("Fashion-MNIST clothes: test accuracy of five strategies")).to_be_visible(timeout=30_000)
    shoot(page, "demo_transfer")

    page.get_by_role("button", name="Train frozen vs scratch").click()
    # the run's progress names the strategy training now (the frozen head can be done within a second or two)
    running = re.compile(r"(Frozen ImageNet features \+ linear head|MobileNetV2 from scratch): (epoch|features)")
    expect(page.get_by_text(running)).to_be_visible(timeout=180_000)
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("Stopped frozen vs scratch")).to_be_visible(timeout=60_000)
    settle(page, 60)
    assert page.get_by_text("Your run (stars)").count() == 0  # nothing half-trained is kept
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []  # type: ignore[attr-defined]
