"""Filtering and grouping cards for browsing. Pure functions over kb.cards dataclasses."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from kb.cards import Card, Post


def _haystack(card: Card) -> str:
    return " ".join((card.title, card.section, " ".join(card.tags), card.notes, card.explained)).lower()


def query_words(text: str) -> list[str]:
    return [w for w in re.split(r"[^\w+#.-]+", text.lower()) if w.strip(".-")]


def filter_cards(
    cards: Iterable[Card],
    *,
    text: str = "",
    posts: Iterable[str] = (),
    tags: Iterable[str] = (),
    only: set[str] | None = None,
) -> list[Card]:
    """Cards in any of ``posts`` (all if empty) having every tag in ``tags`` and every word of ``text``, and (when
    ``only`` is given) whose id is in ``only`` -- e.g. the cards that have a lab.

    Text matching is case-insensitive on title, section, tags, notes and explanation.
    """
    post_set, tag_set, words = set(posts), set(tags), query_words(text)
    out = []
    for card in cards:
        if only is not None and card.id not in only:
            continue
        if post_set and card.post_slug not in post_set:
            continue
        if not tag_set.issubset(card.tags):
            continue
        hay = _haystack(card)
        if all(w in hay for w in words):
            out.append(card)
    return out


def group_by_post_and_section(
    cards: Iterable[Card], posts: list[Post]
) -> list[tuple[Post, list[tuple[str, list[Card]]]]]:
    """[(post, [(section, cards), ...]), ...] in the posts' and sections' own order, skipping empty groups."""
    by_post: dict[str, dict[str, list[Card]]] = {}
    for card in cards:
        by_post.setdefault(card.post_slug, {}).setdefault(card.section, []).append(card)
    grouped = []
    for post in posts:
        sections = by_post.get(post.slug)
        if not sections:
            continue
        ordered = [(s, sections[s]) for s in post.sections if s in sections]
        ordered += [(s, c) for s, c in sections.items() if s not in post.sections]
        grouped.append((post, ordered))
    return grouped


def tag_counts(cards: Iterable[Card]) -> Counter[str]:
    return Counter(tag for card in cards for tag in card.tags)


def teaser(card: Card, max_chars: int = 160) -> str:
    """The first sentence or so of the explanation, for a card tile."""
    text = " ".join(card.explained.split())
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
