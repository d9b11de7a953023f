"""Shared by the hostile-input tests: a database holding the real content (a SQLite file, or a schema on the
PostgreSQL test server under make test-postgres) and a fingerprint of everything learners and content put in it,
to assert that a refused input changed nothing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.engine import make_engine
from db.sync import sync_content
from kb.cards import load_content
from tests.conftest import ENGINE, REAL_CONTENT

LOADED = load_content(REAL_CONTENT)
TABLES = ("post", "card", "card_tag", "card_link", "quiz_item", "imported_item", "learner", "item_state", "review")


@pytest.fixture(scope="session")
def synced_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "synced.db"
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        sync_content(LOADED, session=session)
    engine.dispose()
    return path


@pytest.fixture
def hostile_db(db_url: str, tmp_path: Path, synced_file: Path) -> Iterator[str]:
    """The URL of a database holding the real content (copied from one synced file on SQLite)."""
    if ENGINE == "sqlite":
        shutil.copy(synced_file, tmp_path / "hostile.db")
        yield f"sqlite:///{tmp_path / 'hostile.db'}"
        return
    engine = make_engine(db_url)
    with Session(engine) as session:
        sync_content(LOADED, session=session)
    engine.dispose()
    yield db_url


@pytest.fixture
def hostile_engine(hostile_db: str) -> Iterator[Engine]:
    engine = make_engine(hostile_db)
    yield engine
    engine.dispose()


def fingerprint(engine: Engine) -> dict[str, tuple[int, str]]:
    """Row count and a digest of every row of each table: equal fingerprints mean nothing was changed."""
    import hashlib

    out = {}
    with engine.connect() as conn:
        for table in TABLES:
            rows = sorted(repr(tuple(r)) for r in conn.execute(text(f"SELECT * FROM {table}")))
            out[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16])
    return out
