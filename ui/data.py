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
from kb.quiz_gen import cloze_from_notes, mcq_from_qa
from kb.search import SemanticIndex, missing_chunks, stored_model, update_index
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


def similar_cards(card_id: str, k: int = 5) -> list[tuple[str, float]]:
    """Nearest cards by meaning, from the vectors already in the database (no model load)."""
    eng = _boot()[0]
    if eng is None:
        return []
    with Session(eng) as session:
        version = content_version(session=session)
    index = _stored_index(version)
    return index.similar(card_id, k) if index is not None else []


def session() -> Session:
    """A database session; when the database cannot be opened, the page shows why and stops there."""
    eng = _boot()[0]
    if eng is None:
        st.error(startup_problem() or "The database is not available.", icon=":material/database:")
        st.stop()
    return Session(eng)


@st.cache_data(show_spinner=False, max_entries=4)
def _quiz_items(version: str) -> dict[str, tuple[Card, QuizItem]]:
    del version
    _, cards = content()
    by_id = {c.id: c for c in cards}
    out: dict[str, tuple[Card, QuizItem]] = {}
    for card in cards:
        neighbours = [by_id[i] for i, _ in similar_cards(card.id, 12) if i in by_id]
        for item in (*card.quiz, *cloze_from_notes(card), *mcq_from_qa(card, neighbours)):
            out.setdefault(f"{card.id}:{item.key}", (card, item))
    return out


def quiz_items(learner_id: int | None = None) -> dict[str, tuple[Card, QuizItem]]:
    """Every quiz item ``learner_id`` may be asked, by id: the cards' own, cloze items from key terms,
    multiple-choice versions of question/answer items whose distractors come from the most similar cards (when
    the search index exists), then the learner's imported items and the shared ones (read fresh on every call,
    so an import reaches the quiz at once). An import whose card is missing (parked) is left out; one that the
    card itself now asks is the card's item."""
    eng = _boot()[0]
    if eng is None:
        return {}
    with Session(eng) as session:
        version = content_version(session=session)
        imported = learner_items(learner_id, session=session)
    items = _quiz_items(version)
    if not imported:
        return items
    by_id = cards_by_id()
    merged = dict(items)
    for imp in imported:
        if imp.card_id in by_id and imp.item_id not in merged:
            merged[imp.item_id] = (by_id[imp.card_id], shown_item(imp))
    return merged


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
