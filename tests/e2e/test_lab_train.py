"""The training labs in Chromium, one control each: the optimiser race, the learning rate, stale gradients,
backprop by hand, activations, batch norm, regularisation, bias-variance, losses and embeddings. One server for
the module; each lab on its own page (/lab?name=...)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import settle, start_server

FIGURE = '[data-testid="stPlotlyChart"]'


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = start_server(Path(tmp_path_factory.mktemp("labs")) / "e2e.db")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def open_lab(page: Page, url: str, name: str, title: str) -> None:
    page.goto(f"{url}/lab?name={name}")
    expect(page.get_by_role("heading", name=title).first).to_be_visible(timeout=90_000)
    expect(page.locator(FIGURE).first).to_be_attached(timeout=90_000)
    settle(page, 90)


def figure(page: Page, index: int = 0) -> Locator:
    return page.locator(FIGURE).nth(index)


def click_tick(fig: Locator, label: str) -> None:
    """Click the figure's own slider at the step whose label is ``label``."""
    fig.scroll_into_view_if_needed()
    labels = fig.locator(".slider-labels text")
    ticks = fig.locator(".slider-tick-rect")
    names = [labels.nth(i).text_content() or "" for i in range(labels.count())]
    i = names.index(label)
    box = ticks.nth(i).bounding_box()
    assert box is not None
    fig.page.mouse.click(box["x"] + box["width"] / 2, box["y"] - 4)


def wait_for(check: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def title_of(fig: Locator) -> str:
    return fig.locator(".gtitle").first.text_content() or ""


def no_errors(page: Page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_optimiser_race_learning_rate_slider_redraws_in_the_browser(lab_server: str, page: Page, shoot) -> None:  # type: ignore[no-untyped-def]
    open_lab(page, lab_server, "optimisers", "Optimisers race")
    fig = figure(page)
    legend = fig.locator(".legendtext")
    before = [legend.nth(i).text_content() for i in range(legend.count())]
    assert any((t or "").startswith("Adam · lr") for t in before)
    click_tick(fig, "×8")
    assert wait_for(lambda: [legend.nth(i).text_content() for i in range(legend.count())] != before)
    after = [legend.nth(i).text_content() or "" for i in range(legend.count())]
    assert any("diverged" in t for t in after)  # eight times the best rate throws some rules off
    shoot(page, "lab_optimisers")
    no_errors(page)


def test_learning_rate_slider_names_the_regime(lab_server: str, page: Page) -> None:
    open_lab(page, lab_server, "learning-rate", "The learning rate")
    fig = figure(page)
    click_tick(fig, "0.25")
    assert wait_for(lambda: "divergent" in title_of(fig))
    no_errors(page)


def test_sync_async_staleness_slider(lab_server: str, page: Page) -> None:
    open_lab(page, lab_server, "sync-async", "Synchronous vs asynchronous SGD")
    fig = figure(page)
    click_tick(fig, "32")
    assert wait_for(lambda: title_of(fig).startswith("Staleness 32"))
    no_errors(page)


def test_backprop_steps_back_to_the_start(lab_server: str, page: Page) -> None:
    open_lab(page, lab_server, "backprop", "Backpropagation by hand")
    fig = figure(page)
    click_tick(fig, "start")
    assert wait_for(lambda: "The inputs, weights and target are known" in title_of(fig))
    assert "?" in (fig.locator(".textpoint").last.text_content() or "")  # the loss is not computed yet
    no_errors(page)


def test_activations_batch_norm_toggle_measures_live(lab_server: str, page: Page) -> None:
    open_lab(page, lab_server, "activations", "Activations and vanishing gradients")
    page.get_by_text("Batch norm", exact=True).click()
    expect(page.get_by_text("computed just now on CPU")).to_be_visible(timeout=90_000)
    no_errors(page)


def test_batch_norm_learning_rate_slider(lab_server: str, page: Page) -> None:
    open_lab(page, lab_server, "batch-norm", "Batch normalisation")
    fig = figure(page)
    click_tick(fig, "0.1")
    assert wait_for(lambda: title_of(fig).startswith("lr 0.1:"))
    no_errors(page)


def test_regularisation_histogram_buttons(lab_server: str, page: Page) -> None:
    open_lab(page, lab_server, "regularisation", "Regularisation")
    fig = figure(page, 1)
    fig.scroll_into_view_if_needed()
    fig.locator(".updatemenu-button").filter(has_text="L1 vs L2").click()
    assert wait_for(lambda: fig.locator(".legendtext").count() == 2)
    no_errors(page)


def test_bias_variance_degree_slider(lab_server: str, page: Page) -> None:
    open_lab(page, lab_server, "bias-variance", "Bias and variance")
    fig = figure(page)
    click_tick(fig, "15")
    assert wait_for(lambda: title_of(fig).startswith("Degree 15"))
    no_errors(page)


def test_losses_temperature_slider(lab_server: str, page: Page) -> None:
    open_lab(page, lab_server, "losses", "Loss functions")
    page.get_by_role("tab", name="Softmax & NLL").click()
    fig = figure(page, 2)
    expect(fig).to_be_visible(timeout=10_000)
    click_tick(fig, "100")
    assert wait_for(lambda: title_of(fig).startswith("T = 100"))
    no_errors(page)


def test_embeddings_step_slider_goes_back_to_the_untrained_network(lab_server: str, page: Page) -> None:
    open_lab(page, lab_server, "embeddings", "Contrastive and triplet losses")
    fig = figure(page)
    assert "step 600" in title_of(fig)
    click_tick(fig, "0")
    assert wait_for(lambda: title_of(fig).startswith("step 0"))
    no_errors(page)
