"""Cached access to the database for pages. The engine is created (and content synced) once per process."""

from __future__ import annotations

import logging

import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.engine import make_engine
from db.queries import content_version, list_cards, list_posts
from db.sync import sync_content
from kb.cards import Card, LoadResult, Post, load_content

log = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def engine() -> Engine:
    """The engine, with content/ synced into it once when the process starts."""
    eng = make_engine()
    with Session(eng) as session:
        report = sync_content(load_content(), session=session)
    log.info("content sync at start-up: %s", report.summary())
    return eng


@st.cache_data(show_spinner=False)
def _content(version: str) -> tuple[list[Post], list[Card]]:
    del version  # only the cache key
    with Session(engine()) as session:
        return list_posts(session=session), list_cards(session=session)


def content() -> tuple[list[Post], list[Card]]:
    """Posts and cards from the database, re-read only when a sync changed something."""
    with Session(engine()) as session:
        version = content_version(session=session)
    return _content(version)


def cards_by_id() -> dict[str, Card]:
    return {c.id: c for c in content()[1]}


def health() -> LoadResult:
    """Validate content/ now (not cached: the health page must show the files as they are)."""
    return load_content()


def resync() -> str:
    with Session(engine()) as session:
        return sync_content(load_content(), session=session).summary()
