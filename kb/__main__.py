"""Command line for the knowledge base: ``python -m kb check``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from kb.cards import content_dir_default, load_content


def _check(args: argparse.Namespace) -> int:
    result = load_content(Path(args.content))
    if args.json:
        print(
            json.dumps(
                {
                    "cards": len(result.cards),
                    "files": result.files_read,
                    "posts": len(result.posts),
                    "quiz_items": sum(len(c.quiz) for c in result.cards),
                    "problems": [vars(p) for p in result.problems],
                },
                indent=2,
            )
        )
    else:
        for problem in result.problems:
            print(problem)
        status = "OK" if result.ok else f"{len(result.problems)} problem(s)"
        print(
            f"{status}: {len(result.cards)} valid cards of {result.files_read} files, "
            f"{sum(len(c.quiz) for c in result.cards)} quiz items, {len(result.posts)} posts"
        )
    return 0 if result.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kb", description="Study-card knowledge base tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate every card; exit 1 if anything is wrong")
    check.add_argument("--content", default=str(content_dir_default()), help="content folder (default: %(default)s)")
    check.add_argument("--json", action="store_true", help="print a JSON report")
    check.set_defaults(func=_check)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
