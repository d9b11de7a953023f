"""The sequence and generative labs in Chromium, on the cards that show them: one control per lab, each changing
what its panel shows, with the other panels of the card beside it.

One server for the module and four card pages for the eight labs (a page load is the costly part on a busy CPU);
each card page also checks that its panels draw side by side without their widgets colliding."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import settle, start_server

FIGURE = '[data-testid="stPlotlyChart"]'


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = start_server(Path(tmp_path_factory.mktemp("seqgen")) / "e2e.db")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def open_card(page: Page, server: str, card: str, labs: list[str]) -> dict[str, Locator]:
    """Open a card's page and wait for every lab panel on it; each lab's box by lab name."""
    page.goto(f"{server}/card?id={card}")
    boxes = {name: page.locator(f".st-key-lab-card-{card}-{name}") for name in labs}
    for box in boxes.values():
        expect(box.locator(FIGURE).first).to_be_visible(timeout=120_000)
    settle(page, 90)
    return boxes


def titles(box: Locator) -> str:
    return " | ".join(t or "" for t in box.locator(f"{FIGURE} .gtitle").all_text_contents())


def no_errors(page: Page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_gru_card_memory_length_slider_and_language_model_temperature(lab_server, page, shoot) -> None:
    card = "gru"
    boxes = open_card(page, lab_server, card, ["seq-memory", "seq-lm"])
    memory, lm = boxes["seq-memory"], boxes["seq-lm"]
    assert "Backprop through time, length 40" in titles(memory)
    memory.locator(f".st-key-card-{card}-seq-memory-length input[type=range]").focus()
    page.keyboard.press("ArrowLeft")
    expect(memory.locator(f"{FIGURE} .gtitle", has_text="length 20")).to_be_visible(timeout=30_000)
    code = lm.locator('[data-testid="stCode"]').first
    before = code.text_content()
    lm.locator(f".st-key-card-{card}-seq-lm-temp input[type=range]").focus()
    page.keyboard.press("ArrowRight")
    expect(code).not_to_have_text(before or "", timeout=30_000)
    expect(lm.get_by_text("at temperature 1.0").first).to_be_visible()
    assert "length 20" in titles(memory)  # the other panel kept its state
    shoot(page, "lab_seq_memory_lm")
    no_errors(page)


def test_attention_card_typed_letters(lab_server, page, shoot) -> None:
    card = "attention-translation"
    box = open_card(page, lab_server, card, ["seq-attention"])["seq-attention"]
    typed = box.locator(f".st-key-card-{card}-seq-attention-typed input")
    typed.fill("abcdefghij")
    typed.press("Enter")
    expect(box.get_by_text("computed on CPU").first).to_be_visible(timeout=120_000)
    settle(page, 60)
    assert "letters right" in titles(box)
    shoot(page, "lab_seq_attention")
    no_errors(page)


def test_unsupervised_card_word_latent_size_and_gan_replay(lab_server, page, shoot) -> None:
    card = "unsupervised-learning"
    boxes = open_card(page, lab_server, card, ["seq-wordvec", "gen-autoencoders", "gen-gan2d"])
    words, codes, gan = boxes["seq-wordvec"], boxes["gen-autoencoders"], boxes["gen-gan2d"]
    words.locator(f".st-key-card-{card}-seq-wordvec-word").click()
    page.keyboard.type("dropout")
    page.keyboard.press("Enter")
    expect(words.get_by_text("`dropout`").or_(words.locator("code", has_text="dropout")).first).to_be_visible(
        timeout=60_000
    )
    codes.locator(f".st-key-card-{card}-gen-autoencoders-latent button", has_text="32").click()
    expect(codes.locator(f"{FIGURE} .gtitle", has_text="latent size 32")).to_be_visible(timeout=30_000)
    figure = gan.locator(FIGURE).first
    before = figure.locator(".gtitle").text_content() or ""
    assert before.startswith("step 1500")
    ticks = figure.locator(".slider-tick-rect")
    ticks.first.scroll_into_view_if_needed()
    box = ticks.first.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] - 4)
    expect(figure.locator(".gtitle")).to_contain_text("step 0:", timeout=10_000)
    shoot(page, "lab_unsupervised")
    no_errors(page)


def test_interpolation_card_pick_a_digit_and_new_dcgan_samples(lab_server, page, shoot) -> None:
    card = "latent-space-interpolation"
    boxes = open_card(page, lab_server, card, ["gen-interpolation", "gen-dcgan"])
    walk, gan = boxes["gen-interpolation"], boxes["gen-dcgan"]
    walk.locator(f".st-key-card-{card}-gen-interpolation-b").click()
    page.get_by_role("option", name="3", exact=True).click()
    expect(walk.get_by_text("to a held-out 3").first).to_be_visible(timeout=120_000)
    gan.get_by_role("button", name="New samples").click()
    expect(gan.get_by_text("DCGAN samples (computed on CPU)").first).to_be_visible(timeout=120_000)
    shoot(page, "lab_gen_interpolation_dcgan")
    no_errors(page)
