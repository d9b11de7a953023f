"""``python -m db sync``: build or update the database from content/."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlmodel import Session

from db.engine import database_url, make_engine
from db.sync import sync_content
from kb.cards import content_dir_default, load_content


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m db", description="Database tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    sync = sub.add_parser("sync", help="create the database if needed and sync it from content/")
    sync.add_argument("--content", default=str(content_dir_default()))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    loaded = load_content(Path(args.content))
    engine = make_engine()
    with Session(engine) as session:
        report = sync_content(loaded, session=session)
    url = database_url()
    shown = url.split("@")[-1] if "@" in url else url
    print(f"{shown}: {report.summary()}")
    if loaded.problems:
        print(f"{len(loaded.problems)} content problem(s); run 'python -m kb check' for details", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
