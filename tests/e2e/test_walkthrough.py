"""Walk through every page of the app in Chromium as a learner would: open it, use its main control, save a
screenshot (artifacts/walkthrough/, git-ignored), and require no exception box and no browser console error.

The pages are the router's: every st.Page in app.py plus the labs' own pages (ui.widgets.lab_pages), so a
lab merged later is walked through too. Pages without an entry in ACTIONS get the generic one: press their
primary button, or else move their first slider, pick another option of their first segmented control, press
their first button, or type into their first text box.
"""

from __future__ import annotations

import ast
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from kb.cards import load_content
from tests.conftest import REAL_CONTENT, ROOT
from tests.e2e.conftest import click_slider_tick, settle, start_server, stop_server
from ui.widgets import lab_pages

SHOTS = ROOT / "artifacts" / "walkthrough"
N_CARDS = len(load_content(REAL_CONTENT).cards)
MAIN = '[data-testid="stMain"]'


@dataclass(frozen=True)
class RouterPage:
    path: str
    title: str
    hidden: bool = False
    default: bool = False

    @property
    def url_path(self) -> str:
        return "" if self.default else Path(self.path).stem

    @property
    def name(self) -> str:
        return Path(self.path).stem


def router_pages() -> list[RouterPage]:
    """Every st.Page("pages/...") of app.py, then the demo pages this install has."""
    found = []
    for node in ast.walk(ast.parse((ROOT / "app.py").read_text())):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", None) == "Page"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            kw = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
            found.append(
                RouterPage(
                    node.args[0].value, kw.get("title", ""), kw.get("visibility") == "hidden", bool(kw.get("default"))
                )
            )
    return found + [RouterPage(path, title) for path, title, _ in lab_pages()]


PAGES = router_pages()


# ------------------------------------------------------------------------------------------- main controls


def use_home(page: Page, base: str) -> None:
    page.locator(".st-key-topics").get_by_role("link").first.click()
    expect(page.get_by_text(re.compile(rf"Showing \d+ of {N_CARDS} cards"))).to_be_visible(timeout=30_000)


def use_browse(page: Page, base: str) -> None:
    box = page.get_by_label("Find in cards")
    box.fill("optical flow")
    box.press("Enter")
    expect(page.get_by_text(re.compile(rf"Showing \d+ of {N_CARDS} cards"))).not_to_have_text(
        f"Showing {N_CARDS} of {N_CARDS} cards", timeout=30_000
    )


def use_card(page: Page, base: str) -> None:
    link = page.locator(".st-key-related").get_by_role("link").first
    title = link.locator("p").first.inner_text().strip()  # the label, without the icon's ligature text
    target = link.get_attribute("href") or ""
    link.click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=30_000)
    expect(page).to_have_url(re.compile(re.escape(target.split("?")[-1])), timeout=30_000)


def use_search(page: Page, base: str) -> None:
    box = page.get_by_placeholder("e.g. why does my training loss stop going down?")
    box.fill("why does my detector draw several boxes around the same dog?")
    box.press("Enter")
    expect(page.locator('[class*="st-key-hit-"]').first).to_be_visible(timeout=180_000)  # loads the model


def use_quiz(page: Page, base: str) -> None:
    page.get_by_label("New profile").fill("Walker")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("to do now")).to_be_visible(timeout=30_000)
    question = page.get_by_role("button", name="Show answer").or_(page.get_by_label("Your answer"))
    expect(question.or_(page.locator('[data-testid="stRadio"]')).first).to_be_visible(timeout=30_000)
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
    expect(good).to_be_visible(timeout=30_000)
    good.click()
    expect(page.get_by_text("1 answered this session")).to_be_visible(timeout=30_000)


def use_progress(page: Page, base: str) -> None:
    expect(page.get_by_text("Mastery")).to_be_visible(timeout=30_000)  # the quiz step left a profile with history
    page.locator('[data-testid="stButtonGroup"]').get_by_text("tag", exact=True).click()


def use_my_data(page: Page, base: str) -> None:
    download = page.get_by_role("button", name="All my answers (CSV)")
    expect(download).to_be_enabled(timeout=30_000)  # the quiz step's answer is there to take away
    with page.expect_download() as got:
        download.click()
    assert got.value.suggested_filename == "my-reviews.csv"


def use_health(page: Page, base: str) -> None:
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator('[data-testid="stAlert"]').filter(has_text="cards:")).to_be_visible(timeout=30_000)


def use_labs(page: Page, base: str) -> None:
    page.locator('[class*="st-key-labtile-"]').first.get_by_role("link").first.click()
    expect(page.locator('[data-testid="stPlotlyChart"]').first).to_be_visible(timeout=60_000)


def use_lab(page: Page, base: str) -> None:
    expect(page.get_by_text("What this lab shows, measured")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Another scene").click()
    expect(page.locator('[data-testid="stPlotlyChart"]').first).to_be_visible(timeout=60_000)


def use_demo_nms(page: Page, base: str) -> None:
    """Click the box figure's own IoU slider at its lowest step: the figure keeps fewer boxes, in the browser."""
    figure = page.locator('[data-testid="stPlotlyChart"]').first
    title = figure.locator(".gtitle")
    expect(title).to_be_attached(timeout=90_000)
    before = title.text_content()
    click_slider_tick(page, figure)
    expect(title).not_to_have_text(before or "", timeout=30_000)
    expect(figure.get_by_text("IoU threshold 0.05")).to_be_visible(timeout=10_000)


def use_demo_captioning(page: Page, base: str) -> None:
    """Click the first word on the attention figure's slider: the map and its title switch in the browser."""
    figure = page.locator('[data-testid="stPlotlyChart"]:has(.slider-container)').first
    expect(figure.locator(".gtitle")).to_be_attached(timeout=90_000)
    click_slider_tick(page, figure)
    expect(figure.locator(".gtitle")).to_contain_text("1. a", timeout=10_000)


def use_demo_transfer(page: Page, base: str) -> None:
    expect(page.get_by_text("MNIST digits: test accuracy of five strategies")).to_be_visible(timeout=90_000)
    page.locator('[data-testid="stButtonGroup"] button', has_text="Fashion-MNIST").first.click()
    expect(page.get_by_text("Fashion-MNIST clothes: test accuracy of five strategies")).to_be_visible(timeout=30_000)


def use_demo_bayesian(page: Page, base: str) -> None:
    expect(page.get_by_text("(shipped result)")).to_be_visible(timeout=90_000)
    slider = page.get_by_role("slider", name="Turn the digit").first
    slider.focus()
    slider.press("ArrowRight")  # the four models run on the digit turned 5 degrees further
    expect(page.get_by_text("computed on CPU in")).to_be_visible(timeout=90_000)


def use_generic(page: Page, base: str) -> None:
    main = page.locator(MAIN)
    primary = main.locator('button[kind="primary"], button[data-testid="stBaseButton-primary"]')
    slider = main.locator('[data-testid="stSlider"] [role="slider"]')
    segmented = main.locator('[data-testid="stButtonGroup"] button')
    button = main.locator('[data-testid="stButton"] button')
    text = main.locator('[data-testid="stTextInput"] input')
    if primary.count():
        primary.first.click()
    elif slider.count():
        slider.first.focus()
        slider.first.press("ArrowRight")
    elif segmented.count() > 1:
        segmented.nth(1).click()
    elif button.count():
        button.first.click()
    elif text.count():
        text.first.fill("test")
        text.first.press("Enter")


ACTIONS: dict[str, tuple[str, Callable[[Page, str], None]]] = {
    # page path: (query string to open it with, what to do there)
    "pages/home.py": ("", use_home),
    "pages/browse.py": ("", use_browse),
    "pages/card.py": ("?id=non-max-suppression", use_card),
    "pages/search.py": ("", use_search),
    "pages/quiz.py": ("", use_quiz),
    "pages/progress.py": ("?learner=Walker", use_progress),  # a new session picks no profile by itself
    "pages/my_data.py": ("?learner=Walker", use_my_data),
    "pages/health.py": ("", use_health),
    "pages/labs.py": ("", use_labs),
    "pages/lab.py": ("?name=nms", use_lab),
    "pages/demo_nms.py": ("", use_demo_nms),
    "pages/demo_captioning.py": ("", use_demo_captioning),
    "pages/demo_transfer.py": ("", use_demo_transfer),
    "pages/demo_bayesian.py": ("", use_demo_bayesian),
}
ORDER = list(ACTIONS)  # the progress page needs the answer the quiz page gives


@pytest.fixture(scope="module")
def walk_server(indexed_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the whole walk (on a copy of the database with the real search index)."""
    db = tmp_path_factory.mktemp("walk") / "walk.db"
    shutil.copy(indexed_db, db)
    proc, url = start_server(db)
    yield url
    stop_server(proc)


def test_the_walk_covers_every_page_the_router_lists() -> None:
    paths = [p.path for p in PAGES]
    assert len(paths) == len(set(paths)) and set(ACTIONS) <= set(paths)
    assert {"pages/home.py", "pages/quiz.py", "pages/health.py"} <= set(paths)
    assert all((ROOT / p).exists() for p in paths)


@pytest.mark.parametrize(
    "router_page",
    sorted(PAGES, key=lambda p: ORDER.index(p.path) if p.path in ORDER else len(ORDER)),
    ids=lambda p: p.name,
)
def test_walk_through(walk_server: str, page: Page, router_page: RouterPage) -> None:
    query, action = ACTIONS.get(router_page.path, ("", use_generic))
    page.goto(f"{walk_server}/{router_page.url_path}{query}")
    expect(page.locator('[data-testid="stMain"]')).to_be_visible(timeout=60_000)
    settle(page, timeout_s=60)
    if not router_page.hidden:
        nav = page.locator('[data-testid="stSidebarNav"]')
        expect(nav.get_by_text(router_page.title, exact=True)).to_be_visible(timeout=30_000)
    action(page, walk_server)
    settle(page, timeout_s=120)
    page.mouse.move(0, 0)  # no tooltip over the shot
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{router_page.name}.png"))
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []  # type: ignore[attr-defined]
