"""The convolution labs in Chromium: one control per lab on its page, and what it changes on screen. One server
for the module."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import settle, start_server

FIGURE = '[data-testid="stPlotlyChart"]'


@pytest.fixture(scope="module")
def conv_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = start_server(Path(tmp_path_factory.mktemp("conv")) / "e2e.db")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def open_lab(page: Page, url: str, name: str, heading: str) -> None:
    page.goto(f"{url}/lab?name={name}")
    expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=90_000)
    settle(page, 60)


def click_segment(page: Page, label: str) -> None:
    page.get_by_role("radio", name=label, exact=True).first.click()
    settle(page)


def no_errors(page: Page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_arithmetic_play_button_moves_the_window(conv_server: str, page: Page, shoot) -> None:
    open_lab(page, conv_server, "conv-arithmetic", "Convolution arithmetic")
    slider = page.locator(FIGURE).first.locator(".slider-container")
    expect(slider).to_contain_text("Output pixel (row, column): 0,0", timeout=30_000)
    page.locator(FIGURE).first.locator(".updatemenu-button").first.click()  # ▶ Play, animated in the browser
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "column): 0,0" in (slider.text_content() or ""):
        time.sleep(0.2)
    assert re.search(r"column\): \d,[1-9]", slider.text_content() or "")
    shoot(page, "lab_conv_arithmetic")
    no_errors(page)


def test_three_ways_image_size_redraws_the_race(conv_server: str, page: Page) -> None:
    open_lab(page, conv_server, "conv-im2col-fft", "Three ways to compute a convolution")
    expect(page.get_by_text("One 3-channel 128 × 128 image")).to_be_visible()
    click_segment(page, "256 × 256")
    expect(page.get_by_text("One 3-channel 256 × 256 image")).to_be_visible(timeout=15_000)
    no_errors(page)


def test_strassen_runs_a_product_live(conv_server: str, page: Page) -> None:
    open_lab(page, conv_server, "conv-strassen", "Strassen's matrix multiply")
    page.get_by_role("button", name="Run it now").click()
    expect(page.get_by_text(re.compile(r"On CPU, n = 256, leaf 64 \(depth 2\)"))).to_be_visible(timeout=90_000)
    no_errors(page)


def test_blocks_comparison_follows_the_selectbox(conv_server: str, page: Page) -> None:
    open_lab(page, conv_server, "conv-blocks", "Efficient convolution blocks")
    page.get_by_label("Compare").first.click()
    page.get_by_role("option", name="7×7 vs 1×7 then 7×1").click()
    settle(page)
    expect(page.get_by_text(re.compile(r"blue: 1×7 → 7×1, both C → C = 64"))).to_be_visible(timeout=15_000)
    no_errors(page)


def test_precision_switches_to_convolution_error(conv_server: str, page: Page) -> None:
    open_lab(page, conv_server, "conv-precision", "16-bit arithmetic")
    click_segment(page, "3 × 3 convolution")
    expect(page.locator(FIGURE).nth(1).locator(".xtitle")).to_contain_text("image side", timeout=15_000)
    no_errors(page)


def test_gpus_says_there_is_no_gpu_curve_and_switches_operation(conv_server: str, page: Page) -> None:
    open_lab(page, conv_server, "conv-gpus", "Where a GPU pays off")
    expect(page.get_by_text("No GPU curve has been recorded yet")).to_be_visible()
    click_segment(page, "3 × 3 convolution")
    expect(page.locator(FIGURE).first.locator(".xtitle")).to_contain_text("image side", timeout=15_000)
    no_errors(page)


def test_upsampling_shows_the_flat_input_responses(conv_server: str, page: Page, shoot) -> None:
    open_lab(page, conv_server, "conv-upsampling", "Transposed convolution and checkerboards")
    click_segment(page, "Flat grey input")
    expect(page.get_by_text(re.compile("fed a perfectly flat grey image"))).to_be_visible(timeout=15_000)
    shoot(page, "lab_conv_upsampling")
    no_errors(page)
