"""Open the app in Chromium: Home and Browse render the cards, filtering and card links work."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from kb.cards import load_content
from tests.conftest import REAL_CONTENT
from tests.e2e.conftest import settle

N_CARDS = len(load_content(REAL_CONTENT).cards)
TILES = '[class*="st-key-tile-"]'


def test_home_browse_filter_and_open_a_card(server, page, shoot) -> None:
    page.goto(server)
    expect(page.get_by_role("heading", name="Deep-learning study notes")).to_be_visible(timeout=30_000)
    settle(page)
    expect(page.get_by_text("Where to start")).to_be_visible()
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text() == str(N_CARDS)
    shoot(page, "home")

    page.goto(f"{server}/browse")
    expect(page.get_by_text(f"Showing {N_CARDS} of {N_CARDS} cards")).to_be_visible(timeout=30_000)
    settle(page)
    assert page.locator(TILES).count() == N_CARDS
    shoot(page, "browse")

    box = page.get_by_label("Find in cards")
    box.fill("optical flow")
    box.press("Enter")
    expect(page.get_by_text(re.compile(rf"Showing \d+ of {N_CARDS} cards"))).not_to_have_text(
        f"Showing {N_CARDS} of {N_CARDS} cards", timeout=15_000
    )
    settle(page)
    shown = page.locator(TILES).count()
    assert 0 < shown < N_CARDS
    assert "q=optical" in page.url  # the filtered view is shareable

    page.locator(TILES).get_by_role("link", name="Optical flow", exact=True).click()
    expect(page.get_by_role("heading", name="Optical flow", exact=True)).to_be_visible(timeout=15_000)
    settle(page)
    assert "id=optical-flow" in page.url
    expect(page.get_by_text("From the notes")).to_be_visible()
    shoot(page, "card")

    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []


def test_a_shared_card_link_opens_through_the_router_on_a_fresh_server(server, page) -> None:
    page.goto(f"{server}/card?id=non-max-suppression")  # the very first request this server sees
    expect(page.get_by_role("heading", name="Non-max suppression (NMS)")).to_be_visible(timeout=30_000)
    settle(page)
    nav = page.locator('[data-testid="stSidebarNav"]')
    expect(nav.get_by_text("Browse cards")).to_be_visible()  # app.py's menu, not raw file names
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_tag_link_on_a_card_opens_browse_filtered(server, page) -> None:
    page.goto(f"{server}/card?id=yolo")
    expect(page.get_by_role("heading", name="YOLO", exact=True)).to_be_visible(timeout=30_000)
    settle(page)
    page.get_by_role("link", name="detection", exact=True).click()
    expect(page.get_by_text(re.compile(rf"Showing \d+ of {N_CARDS} cards"))).to_be_visible(timeout=15_000)
    settle(page)
    titles = page.locator(TILES).all_inner_texts()
    assert titles and all("detection" in t for t in titles)
    assert len(titles) < N_CARDS


def test_search_answers_a_question_in_the_learners_words(indexed_server, page, shoot) -> None:
    page.goto(f"{indexed_server}/search")
    box = page.get_by_placeholder("e.g. why does my training loss stop going down?")
    expect(box).to_be_visible(timeout=30_000)
    settle(page)
    box.fill("why does my detector draw several boxes around the same dog?")
    box.press("Enter")
    first = page.locator('[class*="st-key-hit-"]').first
    expect(first).to_be_visible(timeout=90_000)  # the first search loads the model
    settle(page, timeout_s=60)
    titles = page.locator('[class*="st-key-hit-"]').all_inner_texts()
    assert any("Non-max suppression (NMS)" in t for t in titles[:3])
    expect(page.get_by_text(re.compile(r"\d+ results · \d+ ms"))).to_be_visible()
    shoot(page, "search")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []

    # open a result, then Back: the question and its results are still there, and so is the URL's query
    first.get_by_role("link").first.click()
    expect(page.get_by_text("From the notes")).to_be_visible(timeout=30_000)
    settle(page)
    page.go_back()
    expect(page.locator('[class*="st-key-hit-"]').first).to_be_visible(timeout=60_000)
    assert box.input_value() == "why does my detector draw several boxes around the same dog?"
    assert "q=why" in page.url and "id=" not in page.url


def test_quiz_create_a_profile_and_answer_one_item(server, page, shoot) -> None:
    page.goto(f"{server}/quiz")
    expect(page.get_by_text("Create a profile to start")).to_be_visible(timeout=30_000)
    settle(page)
    page.get_by_label("New profile").fill("Ada")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("to do now")).to_be_visible(timeout=30_000)
    settle(page)
    if page.get_by_role("button", name="Show answer").count():
        page.get_by_role("button", name="Show answer").click()
    elif page.get_by_label("Your answer").count():
        page.get_by_label("Your answer").fill("a guess")
        page.get_by_role("button", name="Check").click()
    else:
        page.locator('[data-testid="stRadio"] label').first.click()
        page.get_by_role("button", name="Check").click()
    good = page.get_by_role("button", name=re.compile(r"^Good"))
    expect(good).to_be_visible(timeout=15_000)
    settle(page)
    shoot(page, "quiz")
    good.click()
    expect(page.get_by_text("1 answered this session")).to_be_visible(timeout=15_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []


def test_the_four_showpiece_cards_show_their_lab_panels_inline(server, page) -> None:
    """A card a lab illustrates shows the lab's panel under its explanation, with its shipped figure and claims."""
    for card, name, lab in (
        ("non-max-suppression", "nms", "Non-max suppression"),
        ("transfer-learning", "transfer", "Transfer learning"),
        ("attention-captioning", "captioning", "Captioning with soft attention"),
        ("bayesian-cnn", "bayesian", "Bayesian CNN uncertainty"),
    ):
        page.goto(f"{server}/card?id={card}")
        panel = page.locator(f".st-key-lab-card-{card}-{name}")  # ui.labs.frame.render_panel's box
        expect(panel.get_by_text(f"Try it: {lab}")).to_be_visible(timeout=60_000)
        expect(panel.locator('[data-testid="stPlotlyChart"]').first).to_be_visible(timeout=60_000)  # shipped figure
        expect(panel.get_by_text("What this lab shows, measured")).to_be_visible()
        settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0, card
    assert page.console_errors == []
