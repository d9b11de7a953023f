"""Alembic's entry point, for both ``python -m db`` (which passes its own connection) and the ``alembic``
command (which connects to DATABASE_URL, or the SQLite file db/study.db)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from db import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from db.migrate import include_name


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        include_name=include_name,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters a table by copying it
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    from db.engine import make_engine

    engine = make_engine(migrate_schema=False)
    with engine.begin() as conn:
        run(conn)
    engine.dispose()
