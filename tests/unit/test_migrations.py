"""Schema migrations on the engine under test (SQLite here, PostgreSQL under make test-postgres): an empty
database reaches the newest revision and matches the models; a database made before migrations, or one at the
previous revision, keeps every row; the downgrades work; several processes starting at once migrate once."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading

import fsrs
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, func, select

from db import fts, migrate, sync
from db.engine import make_engine
from db.models import CardRow, ItemStateRow, LearnerRow, ReviewRow
from db.sync import sync_content
from kb.cards import load_content
from kb.quiz import Learner, record_review
from tests.conftest import ENGINE, REAL_CONTENT, ROOT

LOADED = load_content(REAL_CONTENT)
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
KEYWORD_TABLE = {"sqlite": "card_fts", "postgresql": "card_search"}[ENGINE]


def schema_differences(engine: Engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"include_name": migrate.include_name, "compare_type": True, "target_metadata": SQLModel.metadata},
        )
        return compare_metadata(context, SQLModel.metadata)


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def add_history(engine: Engine) -> list[tuple]:
    """Sync the real content, answer a few items as two learners; return every review row as a tuple. Works on
    the schema of every revision: learners are added with the columns revision 0001 had."""
    with Session(engine) as session:
        sync_content(LOADED, session=session)
        for name in ("Ada", "Bob"):
            session.execute(
                text("INSERT INTO learner (name, desired_retention, new_per_day, created_at) VALUES (:n, 0.9, 20, :t)"),
                {"n": name, "t": T0},
            )
            session.commit()
            row_id = session.execute(text("SELECT id FROM learner WHERE name = :n"), {"n": name}).scalar_one()
            learner = Learner(row_id, name, 0.9, 20)
            for n, card in enumerate(LOADED.cards[:5]):
                record_review(
                    learner, f"{card.id}:q1", card.id, fsrs.Rating.Good, T0 + dt.timedelta(minutes=n), session=session
                )
    return review_rows(engine)


def review_rows(engine: Engine) -> list[tuple]:
    with Session(engine) as session:
        rows = session.exec(select(ReviewRow).order_by(ReviewRow.id)).all()
        return [(r.id, r.learner_id, r.item_id, r.rating, r.state_after) for r in rows]


def test_an_empty_database_reaches_the_newest_revision_and_matches_the_models(engine_url) -> None:
    engine = make_engine(engine_url)
    with engine.connect() as conn:
        assert migrate.current(conn) == migrate.head()
    assert schema_differences(engine) == []
    assert KEYWORD_TABLE in tables(engine)
    engine.dispose()


def test_a_database_made_before_migrations_is_adopted_with_its_data(db_url, monkeypatch) -> None:
    legacy = make_engine(db_url, migrate_schema=False)
    SQLModel.metadata.create_all(legacy)  # what make_engine did before migrations existed
    with monkeypatch.context() as before_migrations:
        before_migrations.setattr(fts, "ENGINES", ("sqlite",))  # keyword search was SQLite's alone then
        if ENGINE == "sqlite":
            with legacy.begin() as conn:
                conn.execute(text(migrate_baseline_fts()))
        before = add_history(legacy)
    assert "alembic_version" not in tables(legacy)
    legacy.dispose()

    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert migrate.current(conn) == migrate.head()
    assert review_rows(engine) == before
    assert schema_differences(engine) == []
    with Session(engine) as session:
        sync_content(LOADED, session=session)  # fills the keyword index if the new schema added one
        assert fts.search(session, "im2col", limit=3)[0][0] == "im2col"
        assert session.exec(select(func.count()).select_from(CardRow)).one() == len(LOADED.cards)
    engine.dispose()


def migrate_baseline_fts() -> str:
    from importlib import import_module

    return import_module("db.migrations.versions.0001_baseline").FTS5


def test_upgrading_from_the_previous_revision_keeps_every_row(db_url, monkeypatch) -> None:
    engine = make_engine(db_url, migrate_schema=False)
    migrate.upgrade(engine, "0001")
    with monkeypatch.context() as at_0001:
        at_0001.setattr(fts, "ENGINES", ("sqlite",))  # revision 0001 had no PostgreSQL keyword index
        at_0001.setattr(sync, "parked_imports", lambda session: 0)  # nor imported_item (0004)
        before = add_history(engine)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert migrate.current(conn) == migrate.head()
    assert review_rows(engine) == before
    with Session(engine) as session:
        report = sync_content(LOADED, session=session)
        assert not report.changed
        assert fts.search(session, "C3D", limit=1)[0][0] == "c3d"
        assert len(session.exec(select(ItemStateRow)).all()) == 10
    engine.dispose()


def test_downgrade_to_nothing_and_up_again(engine_url) -> None:
    engine = make_engine(engine_url)
    migrate.downgrade(engine, "base")
    assert tables(engine) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert {"card", "review", KEYWORD_TABLE} <= tables(engine)
    engine.dispose()


def test_processes_starting_at_once_migrate_once(db_url) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        try:
            make_engine(db_url).dispose()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [(migrate.head(),)]
    engine.dispose()


def test_cli_migrate_then_sync(db_url) -> None:
    env = {"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "db", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert f"schema at revision {migrate.head()} (was empty)" in done.stdout
    assert "postgres@" not in done.stdout  # the user name (and any password) stays out of the output
    engine = make_engine(db_url)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(LearnerRow)).one() == 0
    engine.dispose()


@pytest.mark.parametrize("revision", ["0001", "0002"])
def test_every_revision_is_reachable_from_an_empty_database(engine_url, revision) -> None:
    engine = make_engine(engine_url, migrate_schema=False)
    migrate.upgrade(engine, revision)
    with engine.connect() as conn:
        assert migrate.current(conn) == revision
    engine.dispose()


def test_a_database_from_a_newer_version_is_refused_with_a_reason(db_url) -> None:
    make_engine(db_url).dispose()
    engine = make_engine(db_url, migrate_schema=False)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(migrate.MigrationError, match=r"revision 9999.*newer version"):
        make_engine(db_url)


def test_0004_moves_the_old_global_imports_to_shared_imported_items_and_back(db_url, monkeypatch) -> None:
    engine = make_engine(db_url, migrate_schema=False)
    migrate.upgrade(engine, "0003")
    with monkeypatch.context() as at_0003:
        at_0003.setattr(sync, "parked_imports", lambda session: 0)
        before = add_history(engine)
    with engine.begin() as conn:  # an item imported the old way: a quiz_item row every learner saw
        conn.execute(
            text(
                "INSERT INTO quiz_item (id, card_id, position, kind, prompt, answer, options_json, accept_json, "
                "origin) VALUES ('yolo:abc', 'yolo', 1002, 'qa', 'Mine?', 'Yes', '[]', '[]', 'import')"
            )
        )
    migrate.upgrade(engine)
    assert review_rows(engine) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM quiz_item WHERE origin = 'import'")).scalar_one() == 0
        moved = conn.execute(text("SELECT learner_id, item_id, card_id, prompt, answer FROM imported_item")).all()
    assert [tuple(r) for r in moved] == [(None, "yolo:abc", "yolo", "Mine?", "Yes")]
    migrate.downgrade(engine, "0003")  # the shared item goes back where the old version looks for it
    with engine.connect() as conn:
        back = conn.execute(text("SELECT id, origin FROM quiz_item WHERE origin = 'import'")).all()
    assert [tuple(r) for r in back] == [("yolo:abc", "import")]
    engine.dispose()
