"""Small rendering helpers shared by the pages."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from demos.registry import LABS, by_name, cards_with_labs
from kb.browse import teaser
from kb.cards import Card, Post

ROOT = Path(__file__).resolve().parent.parent
CARD_PAGE = "pages/card.py"
BROWSE_PAGE = "pages/browse.py"
LAB_PAGE = "pages/lab.py"
LABS_PAGE = "pages/labs.py"

_CSS = """
<style>
[class*="st-key-tile-"], [class*="st-key-labtile-"] { transition: box-shadow .15s ease, transform .15s ease; }
[class*="st-key-tile-"]:hover, [class*="st-key-labtile-"]:hover {
  box-shadow: 0 4px 18px rgba(30, 41, 90, .10); transform: translateY(-1px); }
[class*="st-key-tile-"] [data-testid="stPageLink"] p { font-weight: 600; font-size: 1.02rem; line-height: 1.35; }
[class*="st-key-labtile-"] > div > [data-testid="stPageLink"] p { font-weight: 600; font-size: 1.05rem; }
[class*="st-key-labcards-"] [data-testid="stPageLink"] a {
  border: 1px solid #E3E5F0; border-radius: 999px; padding: 0 .7rem; }
.st-key-hero h1 { margin-bottom: .2rem; }
.st-key-topics [data-testid="stPageLink"] a { border: 1px solid #E3E5F0; border-radius: 999px; padding: 0 .7rem; }
[class*="st-key-notes-"] ul { margin-bottom: 0; }
/* Let long card titles wrap instead of being cut off. */
[data-testid="stPageLink"] a, [data-testid="stPageLink"] a * { white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; height: auto; }
/* Links to other cards sit on the card page itself: do not mark them as the current page. */
.st-key-related [data-testid="stPageLink"] a, .st-key-similar [data-testid="stPageLink"] a {
  background: transparent !important; }
.st-key-related [data-testid="stPageLink"] a p, .st-key-similar [data-testid="stPageLink"] a p {
  font-weight: 400 !important; }
[class*="st-key-hit-"] [data-testid="stPageLink"] p { font-weight: 600; font-size: 1.05rem; }
/* Demo images drawn under plotly traces: show small rendered scenes as crisp pixels, not a blur. */
.js-plotly-plot .layer-below image { image-rendering: pixelated; }
.st-key-demo-cards [data-testid="stPageLink"] a { border: 1px solid #E3E5F0; border-radius: 999px; padding: 0 .7rem; }
</style>
"""


def inject_css() -> None:
    """The few style touches the theme cannot express (tile hover, link weight). Static, no user text."""
    st.markdown(_CSS, unsafe_allow_html=True)


def post_label(post: Post, short: bool = False) -> str:
    if short:
        return f"Day #{post.day}" if post.day is not None else post.date.strftime("%d %b")
    return post.label


def tag_badges(tags: tuple[str, ...] | list[str]) -> str:
    """Markdown badges for tags (tags are validated slugs, so they are safe in badge syntax)."""
    return " ".join(f":violet-badge[{t}]" for t in tags)


def lab_pages() -> list[tuple[str, str, str]]:
    """(page path, title, icon) of every lab that has a full page, in registry order."""
    return [(lab.page, lab.title, lab.icon) for lab in LABS if lab.page is not None]


def card_tile(card: Card) -> None:
    with st.container(border=True, key=f"tile-{card.id}"):
        st.page_link(CARD_PAGE, label=card.title, query_params={"id": card.id})
        st.caption(teaser(card))
        lab = ":green-badge[:material/science: lab] " if card.id in cards_with_labs() else ""
        st.markdown(lab + tag_badges(card.tags))


def card_grid(cards: list[Card], columns: int = 3) -> None:
    for start in range(0, len(cards), columns):
        cols = st.columns(columns)
        for col, card in zip(cols, cards[start : start + columns], strict=False):
            with col:
                card_tile(card)


def lab_header(name: str, device: str | None = None) -> None:
    """Title of a lab's full page, the device its compute runs on, and links to the cards it illustrates (as
    the registry lists them); those cards show the lab's panel and link back here."""
    from ui.data import cards_by_id  # local import: widgets is imported by the router before the data layer

    lab = by_name()[name]
    st.title(lab.title)
    by_id = cards_by_id()
    linked = [by_id[c] for c in lab.cards if c in by_id]
    if linked:
        with st.container(horizontal=True, vertical_alignment="center", gap="small", key="demo-cards"):
            st.caption("Concept cards:", width="content")
            for card in linked:
                st.page_link(
                    CARD_PAGE,
                    label=card.title,
                    query_params={"id": card.id},
                    icon=":material/article:",
                    width="content",
                )
    if device is not None:
        st.caption(f"Compute runs on **{device}**.")
