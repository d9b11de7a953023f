"""The sequence and generative labs in Chromium: one control per lab, each changing what the panel shows.

One server for the module (every lab page is a fresh page load), so eight labs cost one server start."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import settle, start_server

FIGURE = '[data-testid="stPlotlyChart"]'


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = start_server(Path(tmp_path_factory.mktemp("seqgen")) / "e2e.db")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def open_lab(page: Page, server: str, name: str, title: str) -> None:
    page.goto(f"{server}/lab?name={name}")
    expect(page.get_by_role("heading", name=title).first).to_be_visible(timeout=90_000)
    expect(page.locator(FIGURE).first).to_be_visible(timeout=90_000)
    settle(page, 90)


def titles(page: Page) -> str:
    return " | ".join(t or "" for t in page.locator(f"{FIGURE} .gtitle").all_text_contents())


def no_errors(page: Page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_memory_length_slider(lab_server, page, shoot) -> None:
    open_lab(page, lab_server, "seq-memory", "Memory over time: RNN, GRU, LSTM")
    assert "Backprop through time, length 40" in titles(page)
    page.locator(".st-key-page-seq-memory-length input[type=range]").focus()
    page.keyboard.press("ArrowLeft")
    expect(page.locator(f"{FIGURE} .gtitle", has_text="length 20")).to_be_visible(timeout=30_000)
    shoot(page, "lab_seq_memory")
    no_errors(page)


def test_language_model_temperature(lab_server, page, shoot) -> None:
    open_lab(page, lab_server, "seq-lm", "A language model of these notes")
    code = page.locator('[data-testid="stCode"]').first
    before = code.text_content()
    page.locator(".st-key-page-seq-lm-temp input[type=range]").focus()
    page.keyboard.press("ArrowRight")
    expect(code).not_to_have_text(before or "", timeout=30_000)
    expect(page.get_by_text("at temperature 1.0").first).to_be_visible()
    shoot(page, "lab_seq_lm")
    no_errors(page)


def test_attention_typed_letters(lab_server, page, shoot) -> None:
    open_lab(page, lab_server, "seq-attention", "Attention on a toy translation")
    box = page.locator(".st-key-page-seq-attention-typed input")
    box.fill("abcdefghij")
    box.press("Enter")
    expect(page.get_by_text("computed on CPU").first).to_be_visible(timeout=120_000)
    settle(page, 60)
    assert "letters right" in titles(page)
    shoot(page, "lab_seq_attention")
    no_errors(page)


def test_word_vectors_pick_a_word(lab_server, page, shoot) -> None:
    open_lab(page, lab_server, "seq-wordvec", "Word vectors: pretrained vs the notes")
    page.locator(".st-key-page-seq-wordvec-word").click()
    page.keyboard.type("dropout")
    page.keyboard.press("Enter")
    expect(page.get_by_text("`dropout`").or_(page.locator("code", has_text="dropout")).first).to_be_visible(
        timeout=60_000
    )
    shoot(page, "lab_seq_wordvec")
    no_errors(page)


def test_autoencoders_latent_size(lab_server, page, shoot) -> None:
    open_lab(page, lab_server, "gen-autoencoders", "PCA, autoencoders and VAEs")
    page.locator(".st-key-page-gen-autoencoders-latent button", has_text="32").click()
    expect(page.locator(f"{FIGURE} .gtitle", has_text="latent size 32")).to_be_visible(timeout=30_000)
    shoot(page, "lab_gen_autoencoders")
    no_errors(page)


def test_interpolation_pick_a_digit(lab_server, page, shoot) -> None:
    open_lab(page, lab_server, "gen-interpolation", "Walking through latent space")
    page.locator(".st-key-page-gen-interpolation-b").click()
    page.get_by_role("option", name="3", exact=True).click()
    expect(page.get_by_text("to a held-out 3").first).to_be_visible(timeout=120_000)
    shoot(page, "lab_gen_interpolation")
    no_errors(page)


def test_gan2d_replay_slider(lab_server, page, shoot) -> None:
    open_lab(page, lab_server, "gen-gan2d", "A GAN on 2-D points")
    figure = page.locator(FIGURE).first
    before = figure.locator(".gtitle").text_content() or ""
    assert before.startswith("step 1500")
    ticks = figure.locator(".slider-tick-rect")
    ticks.first.scroll_into_view_if_needed()
    box = ticks.first.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] - 4)
    expect(figure.locator(".gtitle")).to_contain_text("step 0:", timeout=10_000)
    shoot(page, "lab_gen_gan2d")
    no_errors(page)


def test_dcgan_new_samples(lab_server, page, shoot) -> None:
    open_lab(page, lab_server, "gen-dcgan", "A DCGAN on MNIST")
    page.get_by_role("button", name="New samples").click()
    expect(page.get_by_text("DCGAN samples (computed on CPU)").first).to_be_visible(timeout=120_000)
    shoot(page, "lab_gen_dcgan")
    no_errors(page)
