"""Cached access to the database for pages. The engine is created (and content synced) once per process."""

from __future__ import annotations

import logging

import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlmodel import Session

from db.engine import database_url, make_engine, redact, where
from db.queries import content_version, list_cards, list_posts
from db.sync import SyncRefused, sync_content
from kb.cards import Card, LoadResult, Post, QuizItem, load_content
from kb.embed import Embedder, load_minilm
from kb.exchange import ImportedItem, learner_items
from kb.items import NEIGHBOURS, ItemSet, build_items, matching_cards, with_imported
from kb.search import SemanticIndex, missing_chunks, stored_model, update_index
from kb.similar import Ranker, cosine_from
from ui.text import md_escape

log = logging.getLogger(__name__)


def _where() -> str:
    """The database for messages: never its user, password or query string (see db.engine.where)."""
    return where(database_url())


@st.cache_resource(show_spinner=False)
def _boot() -> tuple[Engine | None, str | None]:
    """Create the engine and sync content/ into it once. Returns (engine or None, problem message or None)."""
    try:
        eng = make_engine()
    except (ArgumentError, SQLAlchemyError, ValueError) as exc:
        return None, (
            f"Cannot open the database at `{_where()}`: {redact(str(exc))}. Check DATABASE_URL, or unset it "
            "to use the SQLite file db/study.db."
        )
    try:
        with Session(eng) as session:
            report = sync_content(load_content(), session=session)
        log.info("content sync at start-up: %s", report.summary())
    except SyncRefused as exc:
        return eng, f"content/ was not synced: {exc}. Showing what the database already holds."
    except SQLAlchemyError as exc:
        return eng, (
            f"Could not sync content/ into the database at `{_where()}` ({type(exc).__name__}); showing "
            "what it already holds. If another process holds a lock, retry with “Sync now” on the "
            "Content health page."
        )
    return eng, None


def startup_problem() -> str | None:
    return _boot()[1]


@st.cache_data(show_spinner=False)
def _content(version: str) -> tuple[list[Post], list[Card]]:
    del version  # only the cache key
    eng = _boot()[0]
    assert eng is not None
    with Session(eng) as session:
        return list_posts(session=session), list_cards(session=session)


def content() -> tuple[list[Post], list[Card]]:
    """Posts and cards from the database, re-read only when a sync changed something."""
    eng = _boot()[0]
    if eng is None:
        return [], []
    with Session(eng) as session:
        version = content_version(session=session)
    return _content(version)


def cards_by_id() -> dict[str, Card]:
    return {c.id: c for c in content()[1]}


def health() -> LoadResult:
    """Validate content/ now (not cached: the health page must show the files as they are)."""
    return load_content()


def resync() -> str:
    """Sync content/ into the database now; raises RuntimeError with a readable message if it cannot."""
    eng = _boot()[0]
    if eng is None:
        raise RuntimeError(startup_problem() or "the database is not available")
    try:
        with Session(eng) as session:
            return sync_content(load_content(), session=session).summary()
    except SyncRefused as exc:
        raise RuntimeError(str(exc)) from exc
    except SQLAlchemyError as exc:
        raise RuntimeError(
            f"The database is busy or locked ({type(exc).__name__}); nothing was changed. Try again in a moment."
        ) from exc


# --------------------------------------------------------------------------------------------- search


@st.cache_resource(show_spinner="Loading the language model (first search only)…")
def embedder() -> Embedder:
    """all-MiniLM-L6-v2, loaded once per process (this is where torch gets imported, not before)."""
    return load_minilm()


@st.cache_resource(show_spinner="Updating the search index…", max_entries=4)
def _semantic_index(model: str, version: str) -> SemanticIndex:
    del version  # only the cache key
    eng = _boot()[0]
    assert eng is not None
    with Session(eng) as session:
        cards = list_cards(session=session)
        if missing_chunks(cards, model, session=session):
            update_index(cards, embedder(), session=session)
        return SemanticIndex.load(model, session=session)


def semantic_index() -> SemanticIndex:
    """The index for the loaded model, embedding any card that changed since the last sync."""
    eng = _boot()[0]
    if eng is None:
        raise RuntimeError(startup_problem() or "the database is not available")
    with Session(eng) as session:
        version = content_version(session=session)
    return _semantic_index(embedder().name, version)


@st.cache_resource(show_spinner=False, max_entries=4)
def _stored_index(version: str) -> SemanticIndex | None:
    del version
    eng = _boot()[0]
    if eng is None:
        return None
    with Session(eng) as session:
        model = stored_model(session=session)
        return SemanticIndex.load(model, session=session) if model else None


@st.cache_resource(show_spinner=False, max_entries=4)
def _ranker(version: str) -> Ranker:
    cards = cards_by_id()
    return Ranker(cards, cosine_from(_stored_index(version), len(cards)))


def similar_cards(card_id: str, k: int = 5) -> list[tuple[str, float]]:
    """The most similar cards by meaning (the vectors already in the database; no model load), tags and curated
    links (kb.similar), best first."""
    eng = _boot()[0]
    if eng is None:
        return []
    with Session(eng) as session:
        version = content_version(session=session)
    return _ranker(version).similar(card_id, k)


@st.cache_data(show_spinner="Searching the cards…", max_entries=32)
def _matching(words: str, version: str) -> list[str]:
    eng = _boot()[0]
    assert eng is not None
    index = _stored_index(version)
    model = embedder() if index is not None and len(index) else None  # keywords alone until there is an index
    with Session(eng) as db:
        return matching_cards(words, cards=cards_by_id(), session=db, index=index, embedder=model)


def matching(words: str) -> list[str]:
    """Card ids a quiz scope of ``words`` covers, found by the search engine (kb.items.matching_cards)."""
    eng = _boot()[0]
    if eng is None or not words.strip():
        return []
    with Session(eng) as db:
        version = content_version(session=db)
    return _matching(" ".join(words.split()).lower(), version)


def session() -> Session:
    """A database session; when the database cannot be opened, the page shows why and stops there."""
    eng = _boot()[0]
    if eng is None:
        st.error(startup_problem() or "The database is not available.", icon=":material/database:")
        st.stop()
    return Session(eng)


@st.cache_data(show_spinner=False, max_entries=4)
def _item_set(version: str) -> ItemSet:
    del version  # only the cache key
    _, cards = content()
    return build_items(cards, neighbours=lambda card_id: [i for i, _ in similar_cards(card_id, NEIGHBOURS)])


def item_set(learner_id: int | None = None) -> ItemSet:
    """The quiz's items (kb.items) for ``learner_id``: the cards' own, multiple-choice versions of question/answer
    items whose distractors come from the most similar cards (when the search index exists), the computed
    questions, and the learner's imported items with the shared ones (read fresh on every call, so an import
    reaches the quiz at once; shown escaped; parked ones, whose card is missing, left out). Home, the quiz,
    Progress and the export all count this one set."""
    eng = _boot()[0]
    if eng is None:
        return ItemSet({})
    with Session(eng) as session:
        version = content_version(session=session)
        imported = learner_items(learner_id, session=session)
    return with_imported(_item_set(version), [(imp.item_id, imp.card_id, shown_item(imp)) for imp in imported])


def quiz_items(learner_id: int | None = None) -> dict[str, tuple[Card, QuizItem]]:
    """{item id: (card, item)} of :func:`item_set`, for pages that only need the prompts."""
    return {e.id: (e.card, e.item) for e in item_set(learner_id)}


def shown_item(imp: ImportedItem) -> QuizItem:
    """An imported item as pages show it: its text escaped, so Markdown in it (an image, a link, a heading)
    shows as the characters typed and the browser fetches nothing."""
    return QuizItem(kind="qa", prompt=md_escape(imp.prompt), answer=md_escape(imp.answer))


def imported_items(learner_id: int | None) -> list[ImportedItem]:
    """The imports ``learner_id`` sees (their own and the shared ones), parked ones included, as plain text."""
    eng = _boot()[0]
    if eng is None:
        return []
    with Session(eng) as session:
        return learner_items(learner_id, session=session)
