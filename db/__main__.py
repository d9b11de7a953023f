"""``python -m db sync``: build or update the database from content/; ``python -m db migrate``: upgrade its
schema only."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from db import migrate
from db.engine import database_url, make_engine, redact, where
from db.sync import MAX_REMOVALS, SyncRefused, sync_content
from kb.cards import content_dir_default, load_content


def _update_search_index(engine: Engine) -> str:
    """Embed what changed; the model is loaded only if some passage has no vector yet."""
    from db.queries import list_cards
    from kb.embed import MINILM
    from kb.search import missing_chunks, prune_index, stored_model, update_index

    with Session(engine) as session:
        cards = list_cards(session=session)
        model = stored_model(session=session)
        if model and model.startswith(MINILM) and not missing_chunks(cards, model, session=session):
            removed = prune_index(cards, model, session=session)
            return (
                f"search index: up to date ({removed} stale passages removed)"
                if removed
                else "search index: up to date"
            )
        from kb.embed import load_minilm

        return update_index(cards, load_minilm(), session=session).summary()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m db", description="Database tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    sync = sub.add_parser("sync", help="create the database if needed and sync it from content/")
    sync.add_argument("--content", default=str(content_dir_default()))
    sync.add_argument("--no-embed", action="store_true", help="skip the search index (no model is loaded)")
    sync.add_argument(
        "--force",
        action="store_true",
        help=f"allow removing more than {MAX_REMOVALS} cards (or all of them) from the database",
    )
    sub.add_parser("migrate", help="upgrade the database schema to the newest migration (sync does this too)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return _run(args)
    except (SyncRefused, migrate.MigrationError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(
            f"the database at {where(database_url())} failed: {redact(str(exc).splitlines()[0])} "
            f"({type(exc).__name__}); nothing was changed",
            file=sys.stderr,
        )
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.command == "migrate":
        engine = make_engine(migrate_schema=False)
        before = migrate.upgrade(engine)
        print(f"{where(database_url())}: schema at revision {migrate.head()} (was {before or 'empty'})")
        return 0
    loaded = load_content(Path(args.content))
    engine = make_engine()
    with Session(engine) as session:
        report = sync_content(loaded, session=session, force=args.force)
    print(f"{where(database_url())}: {report.summary()}")
    if not args.no_embed:
        print(_update_search_index(engine))
    if loaded.problems:
        print(f"{len(loaded.problems)} content problem(s); run 'python -m kb check' for details", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
