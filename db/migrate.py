"""Schema migrations with Alembic (scripts in db/migrations/versions/). Every engine the app makes is brought
to the newest revision first; a database made before migrations existed is adopted as revision 0001.

Several app processes may start at once: on PostgreSQL the upgrade holds an advisory lock, on a SQLite file
an exclusive lock on a file beside it, so one process migrates and the others find the work done.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
ADVISORY_LOCK_KEY = 7_242_018  # any constant shared by every process of this app
# Each engine's keyword index lives outside the ORM models: FTS5 tables on SQLite, card_search on PostgreSQL.
KEYWORD_TABLES = ("card_fts", "card_search")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's filter for comparing the database with the models: leave the keyword index tables out."""
    return not (type_ == "table" and name is not None and name.startswith(KEYWORD_TABLES))


def config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@functools.cache
def head() -> str:
    """The newest revision in db/migrations/versions/."""
    found = ScriptDirectory.from_config(config()).get_current_head()
    assert found is not None, "db/migrations/versions/ holds no revision"
    return found


def current(connection: Connection) -> str | None:
    """The revision the database is at; None for an empty database or one made before migrations."""
    return MigrationContext.configure(connection).get_current_revision()


@contextlib.contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class MigrationError(ValueError):
    """The database's schema cannot be brought up to date; the message says why and what to do."""


@functools.cache
def known_revisions() -> frozenset[str]:
    return frozenset(s.revision for s in ScriptDirectory.from_config(config()).walk_revisions())


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Bring the database to ``revision`` (default: the newest). Returns the revision it was at before; does
    nothing, cheaply, when it is there already. Raises :class:`MigrationError` for a database at a revision
    this version of the app does not know (one a newer version has migrated)."""
    target = head() if revision == "head" else revision
    with engine.connect() as conn:
        before = current(conn)
    if before == target:
        return before
    if before is not None and before not in known_revisions():
        raise MigrationError(
            f"the database's schema is at revision {before}, which this version of the app does not know: a "
            "newer version has migrated it. Update the app (git pull) rather than point an older one at it."
        )
    with _file_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")
        before = current(conn)
        if before != target:
            cfg = config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)
            log.info("database schema upgraded from %s to %s", before or "nothing", target)
    return before


def downgrade(engine: Engine, revision: str) -> None:
    with _file_lock(engine), engine.begin() as conn:
        cfg = config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
