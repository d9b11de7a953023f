"""Keyword search on PostgreSQL: its own full-text search (tsvector, tsquery, a GIN index) ranked by BM25.

Each card has a row in ``card_search`` (made by migration 0002) with one tsvector per column, the
concatenation of them as ``document`` (GIN-indexed), and its length in tokens. The terms are those of
:mod:`db.tokens`, the same as SQLite's FTS5 stores, written as tsvector literals so PostgreSQL's own parser
and stemmers never change them. A query finds its candidate cards through the GIN index; their term positions
and the table's statistics then give FTS5's BM25, computed the way SQLite computes it, so both engines return
the same cards with the same scores in the same order.

Limits PostgreSQL sets: a tsvector keeps positions up to 16,383 and at most 256 positions per term. A card
column would need more than 16,000 words, or one word more than 256 times, before the two engines differ.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import bindparam, text
from sqlmodel import Session

from db.tokens import tokens

TABLE = "card_search"
COLUMNS = ("title", "tags", "section", "notes", "explained")
BM25_K1 = 1.2  # FTS5's constants
BM25_B = 0.75


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(words: Sequence[str]) -> str:
    """A tsvector literal holding ``words`` (already tokenized) at positions 1, 2, ... in order."""
    positions: dict[str, list[int]] = defaultdict(list)
    for i, word in enumerate(words, start=1):
        positions[word].append(min(i, 16383))
    return " ".join(f"{_quote(w)}:{','.join(map(str, ps))}" for w, ps in positions.items())


def tsquery_literal(phrases: Sequence[Sequence[str]]) -> str:
    """``(a) | (b <-> c)``: any of the phrases, each a run of adjacent tokens."""
    return " | ".join("(" + " <-> ".join(_quote(t) for t in phrase) + ")" for phrase in phrases)


def upsert(session: Session, rows: Iterable[tuple[str, Sequence[str]]]) -> None:
    """Index cards given as (card id, the texts of COLUMNS)."""
    statement = text(
        f"INSERT INTO {TABLE} (card_id, {', '.join(COLUMNS)}, n_tokens) VALUES (:id, "
        + ", ".join(f"CAST(:{c} AS tsvector)" for c in COLUMNS)
        + ", :n_tokens) ON CONFLICT (card_id) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in (*COLUMNS, "n_tokens"))
    )
    for card_id, texts in rows:
        words = [tokens(t) for t in texts]
        params = {c: tsvector_literal(w) for c, w in zip(COLUMNS, words, strict=True)}
        session.exec(statement.bindparams(id=card_id, n_tokens=sum(map(len, words)), **params))  # type: ignore[call-overload]


def delete(session: Session, card_ids: Iterable[str]) -> None:
    ids = list(card_ids)
    if ids:
        session.exec(  # type: ignore[call-overload]
            text(f"DELETE FROM {TABLE} WHERE card_id IN :ids").bindparams(bindparam("ids", ids, expanding=True))
        )


def row_ids(session: Session) -> set[str]:
    return {r[0] for r in session.exec(text(f"SELECT card_id FROM {TABLE}"))}  # type: ignore[call-overload]


def _matches(param: str) -> str:
    """SQL that is true when a row holds the phrase bound to ``param`` inside one column."""
    per_column = " OR ".join(f"{c} @@ CAST(:{param} AS tsquery)" for c in COLUMNS)
    return f"document @@ CAST(:{param} AS tsquery) AND ({per_column})"


def _phrase_count(cols: dict[int, dict[str, list[int]]], phrase: Sequence[str], weights: Sequence[float]) -> float:
    """FTS5's weighted phrase frequency: each occurrence adds its column's weight."""
    total = 0.0
    for col, lexemes in cols.items():
        starts = lexemes.get(phrase[0], [])
        if len(phrase) == 1:
            n = len(starts)
        else:
            sets = [set(lexemes.get(t, ())) for t in phrase[1:]]
            n = sum(all(p + k in s for k, s in enumerate(sets, start=1)) for p in starts)
        for _ in range(n):
            total += weights[col]
    return total


def search(
    session: Session, terms: Sequence[str], weights: Sequence[float], *, limit: int = 50
) -> list[tuple[str, float]]:
    """[(card id, BM25 score)] best first (ties by card id): what SQLite's ``bm25()`` gives for the query
    ``"term" OR "term" ...`` over the same cards. ``weights`` are the per-column weights of COLUMNS."""
    phrases = [p for p in (tokens(t) for t in terms) if p]
    if not phrases:
        return []
    n_rows, n_tokens = session.exec(text(f"SELECT count(*), coalesce(sum(n_tokens), 0) FROM {TABLE}")).one()  # type: ignore[call-overload]
    if not n_rows:
        return []
    params = {f"p{i}": tsquery_literal([p]) for i, p in enumerate(phrases)}
    counts = " UNION ALL ".join(
        f"SELECT {i} AS i, count(*) AS n FROM {TABLE} WHERE {_matches(f'p{i}')}" for i in range(len(phrases))
    )
    hits = dict(session.exec(text(counts).bindparams(**params)).all())  # type: ignore[call-overload]
    idf = []
    for i in range(len(phrases)):
        value = math.log((n_rows - hits[i] + 0.5) / (hits[i] + 0.5))
        idf.append(value if value > 0.0 else 1e-6)
    avgdl = float(n_tokens) / float(n_rows)

    columns = ", ".join(f"({i}, s.{c})" for i, c in enumerate(COLUMNS))
    rows = session.exec(  # type: ignore[call-overload]
        text(
            f"SELECT s.card_id, s.n_tokens, c.col, u.lexeme, u.positions FROM {TABLE} AS s "
            f"CROSS JOIN LATERAL (VALUES {columns}) AS c(col, vec) "
            "CROSS JOIN LATERAL unnest(c.vec) AS u(lexeme, positions, weights) "
            "WHERE s.document @@ CAST(:q AS tsquery) AND u.lexeme = ANY(:lexemes)"
        ).bindparams(q=tsquery_literal(phrases), lexemes=sorted({t for p in phrases for t in p}))
    ).all()
    cards: dict[str, tuple[int, dict[int, dict[str, list[int]]]]] = {}
    for card_id, length, col, lexeme, positions in rows:
        cards.setdefault(card_id, (length, defaultdict(dict)))[1][col][lexeme] = list(positions)

    scored = []
    for card_id, (length, cols) in cards.items():
        freqs = [_phrase_count(cols, p, weights) for p in phrases]
        if not any(freqs):
            continue  # a phrase split across two columns: FTS5 does not match it either
        score = 0.0
        for i, f in enumerate(freqs):
            score += idf[i] * ((f * (BM25_K1 + 1.0)) / (f + BM25_K1 * (1 - BM25_B + BM25_B * length / avgdl)))
        scored.append((card_id, score))
    scored.sort(key=lambda cs: (-cs[1], cs[0]))
    return scored[:limit]
