"""The video and augmentation labs in Chromium: one control per lab changes what its figure shows."""

from __future__ import annotations

import time

from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import settle

FIGURE = '[data-testid="stPlotlyChart"]'


def title(figure: Locator) -> str:
    return figure.locator(".gtitle").first.text_content() or ""


def wait_for_change(read, before: str, timeout_s: float = 60) -> str:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = read()
        if now != before:
            return now
        time.sleep(0.2)
    return read()


def open_lab(page: Page, server: str, name: str, heading: str) -> Locator:
    page.goto(f"{server}/lab?name={name}")
    expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=90_000)
    figure = page.locator(FIGURE).first
    expect(figure.locator(".gtitle")).to_be_attached(timeout=90_000)
    settle(page, 60)
    return figure


def pick(page: Page, label: str, option: str) -> None:
    """Choose ``option`` in the Streamlit select box labelled ``label``."""
    page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()


def test_one_control_per_video_lab_changes_its_figure(server, page, shoot) -> None:  # type: ignore[no-untyped-def]
    # optical flow: the figure's own slider swaps frame pairs in the browser
    figure = open_lab(page, server, "optical-flow", "Optical flow between two frames")
    before = title(figure)
    assert before.startswith("Pair 1 → 2")
    ticks = figure.locator(".slider-tick-rect")
    assert ticks.count() == 15
    ticks.last.scroll_into_view_if_needed()
    box = ticks.last.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] - 4)
    assert wait_for_change(lambda: title(figure), before, 10).startswith("Pair 15 → 16")
    shoot(page, "lab_optical_flow")

    # background subtraction: another background from the segmented control
    figure = open_lab(page, server, "background-subtraction", "Background subtraction")
    before = figure.locator(".g-gtitle").first.text_content() or ""
    page.get_by_text("Brightening", exact=True).click()
    settle(page, 60)
    after = wait_for_change(lambda: page.locator(FIGURE).first.locator(".g-gtitle").first.text_content() or "", before)
    assert after != before
    shoot(page, "lab_background_subtraction")

    # actions: another action from the select box redraws the clip and every model's prediction
    figure = open_lab(page, server, "video-actions", "Actions from motion: one frame to two streams")
    assert "turn-cw" in title(figure)
    pick(page, "Action", "left")
    settle(page, 60)
    assert "“left”" in wait_for_change(lambda: title(page.locator(FIGURE).first), title(figure))
    shoot(page, "lab_video_actions")

    # dense trajectories: the same for the classical pipeline
    figure = open_lab(page, server, "dense-trajectories", "Dense trajectories, flow histograms and an SVM")
    before = title(figure)
    pick(page, "Action", "up")
    settle(page, 60)
    assert "“up” clip" in wait_for_change(lambda: title(page.locator(FIGURE).first), before)
    shoot(page, "lab_dense_trajectories")

    # augmentation: another augmentation from the select box shows its draws
    figure = open_lab(page, server, "augmentation", "Data augmentation")
    before = title(figure)
    pick(page, "Augmentation", "left-right flips")
    settle(page, 60)
    assert wait_for_change(lambda: title(page.locator(FIGURE).first), before) == "left-right flips"
    shoot(page, "lab_augmentation")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []
