"""Read the synced content back as the plain dataclasses of kb.cards (no ORM objects leave this module)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import cast

from sqlalchemy import func
from sqlmodel import Session, col, select

from db.models import CardLinkRow, CardRow, CardTagRow, PostRow, QuizItemRow
from kb.cards import Card, Post, QuizItem, QuizKind


def list_posts(*, session: Session) -> list[Post]:
    rows = session.exec(select(PostRow).order_by(col(PostRow.position))).all()
    return [
        Post(
            slug=r.slug,
            day=r.day,
            date=r.date,
            title=r.title,
            blurb=r.blurb,
            sections=tuple(json.loads(r.sections_json)),
            start_here=r.start_here,
        )
        for r in rows
    ]


def content_version(*, session: Session) -> str:
    """A string that changes whenever a sync changes anything; use it as a cache key."""
    cards = session.exec(select(func.count(), func.max(CardRow.synced_at))).one()
    posts = ",".join(session.exec(select(PostRow.content_hash).order_by(PostRow.slug)))
    return f"{cards[0]}|{cards[1]}|{posts}"


def list_cards(*, session: Session) -> list[Card]:
    """Every card, in study order: post (as listed in posts.yaml), section (as in the post), title."""
    posts = list_posts(session=session)
    order = {p.slug: (i, {s: j for j, s in enumerate(p.sections)}) for i, p in enumerate(posts)}
    tags: dict[str, list[str]] = defaultdict(list)
    for row in session.exec(select(CardTagRow).order_by(col(CardTagRow.tag))):
        tags[row.card_id].append(row.tag)
    links: dict[str, list[str]] = defaultdict(list)
    for link in session.exec(select(CardLinkRow).order_by(col(CardLinkRow.position))):
        links[link.card_id].append(link.related_id)
    quiz: dict[str, list[QuizItem]] = defaultdict(list)
    for q in session.exec(select(QuizItemRow).order_by(col(QuizItemRow.position))):
        quiz[q.card_id].append(
            QuizItem(
                kind=cast(QuizKind, q.kind),
                prompt=q.prompt,
                answer=q.answer,
                options=tuple(json.loads(q.options_json)),
                accept=tuple(json.loads(q.accept_json)),
                hint=q.hint,
            )
        )
    cards = [
        Card(
            id=r.id,
            title=r.title,
            post_slug=r.post_slug,
            section=r.section,
            tags=tuple(tags[r.id]),
            related=tuple(links[r.id]),
            notes=r.notes,
            explained=r.explained,
            quiz=tuple(quiz[r.id]),
            missing=r.missing,
            source=r.source,
        )
        for r in session.exec(select(CardRow))
    ]

    def key(card: Card) -> tuple[int, int, str]:
        post_index, sections = order.get(card.post_slug, (len(order), {}))
        return post_index, sections.get(card.section, len(sections)), card.title.lower()

    return sorted(cards, key=key)
