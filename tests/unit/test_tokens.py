"""The keyword terms PostgreSQL indexes are exactly SQLite FTS5's (porter unicode61): SQLite itself is the
oracle, on every column of the real content and on random words built around Porter's suffixes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db.fts import column_texts
from db.fts_pg import tsquery_literal, tsvector_literal
from db.tokens import stem, tokens
from kb.cards import load_content
from tests.conftest import REAL_CONTENT

SUFFIXES = (
    "ational tional enci anci izer logi bli alli entli eli ousli ization ation ator alism iveness fulness ousness "
    "aliti iviti biliti icate ative alize iciti ical ful ness al ance ence er ic able ible ant ement ment ent ion "
    "ou ism ate iti ous ive ize eed ed ing sses ies ss s y ll e at bl iz"
).split()


@pytest.fixture(scope="module")
def fts5() -> Iterator[sqlite3.Connection]:
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='porter unicode61')")
    con.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    yield con
    con.close()


def sqlite_tokens(con: sqlite3.Connection, text: str) -> list[str]:
    con.execute("DELETE FROM t")
    con.execute("INSERT INTO t (rowid, x) VALUES (1, ?)", (text,))
    return [r[0] for r in con.execute("SELECT term FROM v ORDER BY offset")]


def test_every_term_of_the_real_content_matches_fts5(fts5) -> None:
    cards = load_content(REAL_CONTENT).cards
    compared = 0
    for card in cards:
        for text in column_texts(card):
            assert tokens(text) == sqlite_tokens(fts5, text), (card.id, text[:60])
            compared += len(tokens(text))
    assert compared > 20_000


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(alphabet="aeiouybcdlmnrstgzxw", max_size=7), st.sampled_from(SUFFIXES)),
        min_size=1,
        max_size=30,
    )
)
def test_random_words_stem_like_fts5(fts5, parts) -> None:
    words = [stem_part + suffix for stem_part, suffix in parts]
    text = " ".join(words)
    assert tokens(text) == sqlite_tokens(fts5, text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("aeiouyAEIOUbcdlstnrxz09 -_.,'éäçñÆλσ²×\u0303"), max_size=60))
def test_punctuation_case_and_accents_split_and_fold_like_fts5(fts5, text) -> None:
    assert tokens(text) == sqlite_tokens(fts5, text)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("caresses", "caress"),
        ("ponies", "poni"),
        ("relational", "relat"),
        ("generalization", "gener"),
        ("im2col", "im2col"),
    ],
)
def test_textbook_stems(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_literals_quote_their_terms() -> None:
    assert tsvector_literal(["drop", "out", "drop"]) == "'drop':1,3 'out':2"
    assert tsvector_literal(["it's"]) == "'it''s':1"
    assert tsquery_literal([["im2col"], ["max", "pool"]]) == "('im2col') | ('max' <-> 'pool')"
