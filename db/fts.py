"""Keyword search, BM25-ranked, with each engine's own full-text search: FTS5 on SQLite (the ``card_fts``
table), tsvector with a GIN index on PostgreSQL (``card_search``, see :mod:`db.fts_pg`). Both index the same
terms and rank them with the same formula, so a query gives the same cards in the same order on either. The
tables are made by the migrations and kept up to date by the content sync."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import text
from sqlmodel import Session

from db import fts_pg
from kb.cards import Card

FTS_TABLE = "card_fts"
# Column weights for bm25(): card_id (unindexed), title, tags, section, notes, explained.
BM25_WEIGHTS = (0.0, 6.0, 3.0, 1.5, 1.5, 1.0)

STOPWORDS = frozenset(
    (
        "a an and are as at be but by can could did do does doing for from had has have how i if in "
        "into is it its me my of on or our should so than that the their them then there these they "
        "this to was we were what when where which while who why will with would you your about "
        "between vs versus get got use used using"
    ).split()
)


ENGINES = ("sqlite", "postgresql")


def _engine(session: Session) -> str:
    return session.get_bind().dialect.name


def supported(session: Session) -> bool:
    return _engine(session) in ENGINES


def column_texts(card: Card) -> tuple[str, str, str, str, str]:
    """The indexed columns of a card: title, tags, section, notes, explained."""
    return card.title, " ".join(card.tags), card.section, card.notes, card.explained


def upsert(session: Session, cards: Iterable[Card]) -> None:
    if _engine(session) == "postgresql":
        session.flush()  # the search rows refer to the card rows
        fts_pg.upsert(session, ((c.id, column_texts(c)) for c in cards))
        return
    for card in cards:
        session.exec(text(f"DELETE FROM {FTS_TABLE} WHERE card_id = :id").bindparams(id=card.id))  # type: ignore[call-overload]
        session.exec(
            text(  # type: ignore[call-overload]
                f"INSERT INTO {FTS_TABLE} (card_id, title, tags, section, notes, explained) "
                "VALUES (:id, :title, :tags, :section, :notes, :explained)"
            ).bindparams(
                id=card.id,
                title=card.title,
                tags=" ".join(card.tags),
                section=card.section,
                notes=card.notes,
                explained=card.explained,
            )
        )


def delete(session: Session, card_ids: Iterable[str]) -> None:
    if _engine(session) == "postgresql":
        fts_pg.delete(session, card_ids)
        return
    for card_id in card_ids:
        session.exec(text(f"DELETE FROM {FTS_TABLE} WHERE card_id = :id").bindparams(id=card_id))  # type: ignore[call-overload]


def row_ids(session: Session) -> set[str]:
    if _engine(session) == "postgresql":
        return fts_pg.row_ids(session)
    return {r[0] for r in session.exec(text(f"SELECT card_id FROM {FTS_TABLE}"))}  # type: ignore[call-overload]


def query_terms(query: str) -> list[str]:
    """The words of a query that are worth matching: lower-case, no stop words, no FTS syntax."""
    words = re.findall(r"[a-z0-9]+(?:[-+][a-z0-9]+)*", query.lower())
    seen: list[str] = []
    for w in words:
        for part in w.split("-") if "-" in w else [w]:
            if part and part not in STOPWORDS and part not in seen:
                seen.append(part)
    return seen


def match_expression(terms: list[str]) -> str:
    """An FTS5 MATCH expression that ORs the quoted terms (quoting makes every term a literal)."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def search(session: Session, query: str, *, limit: int = 50) -> list[tuple[str, float]]:
    """[(card_id, bm25 score)] best first, ties by card id; the score is positive, higher is better."""
    terms = query_terms(query)
    if not terms:
        return []
    if _engine(session) == "postgresql":
        return fts_pg.search(session, terms, BM25_WEIGHTS[1:], limit=limit)
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    rows = session.exec(
        text(  # type: ignore[call-overload]
            f"SELECT card_id, -bm25({FTS_TABLE}, {weights}) AS score FROM {FTS_TABLE} "
            f"WHERE {FTS_TABLE} MATCH :q ORDER BY score DESC, card_id LIMIT :limit"
        ).bindparams(q=match_expression(terms), limit=limit)
    )
    return [(r[0], float(r[1])) for r in rows]
