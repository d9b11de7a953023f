"""Browse filters and grouping."""

from __future__ import annotations

from kb.browse import filter_cards, group_by_post_and_section, query_words, tag_counts, teaser
from kb.cards import load_content
from tests.conftest import REAL_CONTENT

RESULT = load_content(REAL_CONTENT)
CARDS, POSTS = RESULT.cards, RESULT.posts


def test_no_filter_keeps_everything_in_order() -> None:
    assert filter_cards(CARDS) == CARDS


def test_text_filter_needs_every_word_case_insensitively() -> None:
    shown = filter_cards(CARDS, text="OPTICAL flow")
    assert "optical-flow" in {c.id for c in shown}
    for card in shown:
        hay = (card.title + card.notes + card.explained + card.section).lower()
        assert "optical" in hay and "flow" in hay
    assert filter_cards(CARDS, text="optical zzzzqqq") == []


def test_exact_technical_terms_are_found() -> None:
    assert "im2col" in {c.id for c in filter_cards(CARDS, text="im2col")}
    assert "c3d" in {c.id for c in filter_cards(CARDS, text="C3D")}


def test_post_and_tag_filters_combine() -> None:
    shown = filter_cards(CARDS, posts=["day-172"], tags=["detection"])
    assert shown and all(c.post_slug == "day-172" and "detection" in c.tags for c in shown)
    assert {"non-max-suppression", "yolo"} <= {c.id for c in shown}
    assert len(shown) < len(filter_cards(CARDS, tags=["detection"])) or all(
        c.post_slug == "day-172" for c in filter_cards(CARDS, tags=["detection"])
    )


def test_grouping_follows_the_posts_and_their_sections() -> None:
    grouped = group_by_post_and_section(CARDS, POSTS)
    assert [post.slug for post, _ in grouped] == [p.slug for p in POSTS]
    for post, sections in grouped:
        names = [s for s, _ in sections]
        assert names == [s for s in post.sections if s in names]
    assert sum(len(cs) for _, sections in grouped for _, cs in sections) == len(CARDS)


def test_tag_counts_and_teaser() -> None:
    counts = tag_counts(CARDS)
    assert counts["detection"] >= 6
    card = next(c for c in CARDS if len(c.explained) > 200)
    short = teaser(card, 120)
    assert len(short) <= 121 and short.endswith("…")


def test_query_words_drop_punctuation_but_keep_terms() -> None:
    assert query_words("  3x3, 1x1?  C3D ") == ["3x3", "1x1", "c3d"]
