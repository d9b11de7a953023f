"""Live runs are shared fairly and stoppable (ui.compute.start / watch in a real server and browser): with one
training slot, a second learner's run waits, sees its place in line and starts by itself when the first ends;
Stop, pressed inside a panel while a run goes on in the background, ends it at its next progress report."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import ROOT
from tests.e2e.conftest import start_server, stop_server


@pytest.fixture
def slot_server(tmp_path: Path) -> Iterator[str]:
    proc, url = start_server(
        tmp_path / "slots.db", script=ROOT / "tests/e2e/apps/slot_app.py", env={"LAB_TRAINING_SLOTS": "1"}
    )
    yield url
    stop_server(proc)


def test_a_second_run_waits_for_the_free_slot_and_then_runs(slot_server: str, browser: Browser) -> None:
    first, second = browser.new_page(), browser.new_page()
    for page in (first, second):
        page.goto(slot_server)
        expect(page.get_by_role("button", name="Run")).to_be_visible(timeout=60_000)
    first.get_by_role("button", name="Run").click()
    expect(first.get_by_text(re.compile(r"step \d+ of 20"))).to_be_visible(timeout=30_000)
    second.get_by_role("button", name="Run").click()
    expect(second.get_by_text("Waiting for a free slot to run the test run: you are number 1 in line")).to_be_visible(
        timeout=30_000
    )
    expect(first.get_by_text("done: all 20 steps")).to_be_visible(timeout=60_000)
    expect(second.get_by_text("done: all 20 steps")).to_be_visible(timeout=60_000)  # it started by itself
    for page in (first, second):
        page.close()


def test_stop_inside_a_panel_ends_the_run(slot_server: str, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(slot_server)
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_text(re.compile(r"step \d+ of 20"))).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("Stopped the test run after")).to_be_visible(timeout=30_000)
    assert page.get_by_text("done: all 20 steps").count() == 0
    page.close()
