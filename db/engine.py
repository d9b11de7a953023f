"""The database engine: a SQLite file under db/ unless ``DATABASE_URL`` says otherwise."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine

from db import (
    fts,
    models,  # noqa: F401  (registers the tables on SQLModel.metadata)
)

DEFAULT_DB_PATH = Path(__file__).resolve().parent / "study.db"
SQLITE_BUSY_TIMEOUT_MS = (
    10_000  # how long a writer waits for another tab's transaction; SQLITE_BUSY_TIMEOUT_MS overrides
)


def _busy_timeout_ms() -> int:
    return int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS") or SQLITE_BUSY_TIMEOUT_MS)


def database_url() -> str:
    """``DATABASE_URL`` from the environment, else the SQLite file db/study.db."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_DB_PATH}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_busy_timeout_ms()}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """Create an engine for ``url`` (default: :func:`database_url`) and make sure the tables exist.

    SQLite gets foreign keys, WAL journalling and a busy timeout, so two browser tabs writing at once wait
    for each other instead of failing. ``sqlite://`` (in memory) shares one connection across threads.
    """
    url = url or database_url()
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": _busy_timeout_ms() / 1000}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    SQLModel.metadata.create_all(engine)
    if url.startswith("sqlite"):
        with Session(engine) as session:
            fts.ensure_table(session)
            session.commit()
    return engine
