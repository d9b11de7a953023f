"""The database engine: a SQLite file under db/ unless ``DATABASE_URL`` says otherwise (for a group, a
PostgreSQL server: ``postgresql+psycopg://user:password@host:5432/dbname``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from db import (
    migrate,
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
    return normalise_url(os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_DB_PATH}")


def normalise_url(url: str) -> str:
    """PostgreSQL URLs without a driver (``postgres://``, ``postgresql://``) use psycopg 3, the one installed."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def where(url: str) -> str:
    """``url`` fit for a message anyone may read: engine, host, port and database only. The user, the password
    and the query string (which may carry ``?password=``, ``sslpassword``, keys) are left out."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return "(DATABASE_URL is not a database URL)"
    if parsed.drivername.startswith("sqlite"):
        return f"sqlite:///{parsed.database or ':memory:'}"
    host = f"{parsed.host or ''}{f':{parsed.port}' if parsed.port else ''}"
    return f"{parsed.drivername.split('+')[0]}://{host}/{parsed.database or ''}"


def redact(text: str, url: str | None = None) -> str:
    """``text`` (say, a driver's error message) with every secret of ``url`` (default: DATABASE_URL) blanked:
    the whole URL, its password and the values of its query string."""
    raw = url if url is not None else os.environ.get("DATABASE_URL") or ""
    secrets = {raw, normalise_url(raw)} if raw else set()
    try:
        parsed = make_url(normalise_url(raw)) if raw else None
    except (ArgumentError, ValueError):
        parsed = None
    if parsed is not None:
        secrets.add(parsed.password or "")
        for value in parsed.query.values():
            secrets.update([value] if isinstance(value, str) else value)
    for secret in sorted((s for s in secrets if len(s) >= 3), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def begin_write(session: Session) -> None:
    """Start ``session``'s transaction as a writer now. On SQLite that is BEGIN IMMEDIATE: a transaction that
    read first and wrote later could find that another writer committed in between and fail at once
    (SQLITE_BUSY, which the busy timeout does not retry); taking the write lock first makes it wait its turn
    instead. PostgreSQL needs nothing here."""
    connection = session.connection()
    raw = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and raw is not None and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_busy_timeout_ms()}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _postgres_session(dbapi_connection: Any, _record: Any) -> None:
    # Timestamps are stored and read in UTC whatever the server's default time zone.
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    dbapi_connection.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.autocommit = autocommit


def make_engine(url: str | None = None, *, migrate_schema: bool = True, **options: Any) -> Engine:
    """Create an engine for ``url`` (default: :func:`database_url`) and upgrade its schema to the newest
    migration (see :mod:`db.migrate`). ``options`` go to SQLAlchemy's ``create_engine`` (e.g. ``pool_size``).

    SQLite gets foreign keys, WAL journalling and a busy timeout, so two browser tabs writing at once wait
    for each other instead of failing. ``sqlite://`` (in memory) shares one connection across threads.
    PostgreSQL sessions run in UTC, and pooled connections are checked before use.
    """
    url = normalise_url(url or database_url())
    kwargs: dict[str, Any] = {}
    if url.startswith("postgresql"):
        kwargs["pool_pre_ping"] = True
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": _busy_timeout_ms() / 1000}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **{**kwargs, **options})
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    elif url.startswith("postgresql"):
        event.listen(engine, "connect", _postgres_session)
    if migrate_schema:
        migrate.upgrade(engine)
    return engine
