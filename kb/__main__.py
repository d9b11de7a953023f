"""Command line for the knowledge base: ``python -m kb check``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kb.cards import content_dir_default, load_content
from kb.items import build_items, template_problems
from kb.labs import lab_problems

MAX_IMPORT_BYTES = 10 * 10**6  # as the app's upload limit
if TYPE_CHECKING:
    from kb.search import Hit


def _check(args: argparse.Namespace) -> int:
    result = load_content(Path(args.content))
    ids = {c.id for c in result.cards} | result.broken_ids
    result.problems.extend(lab_problems(ids))
    result.problems.extend(template_problems(ids))
    computed = build_items(result.cards).counts(trivia=True)["computed"]
    if args.json:
        print(
            json.dumps(
                {
                    "cards": len(result.cards),
                    "files": result.files_read,
                    "posts": len(result.posts),
                    "quiz_items": sum(len(c.quiz) for c in result.cards),
                    "computed_questions": computed,
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
            f"{sum(len(c.quiz) for c in result.cards)} quiz items and {computed} computed questions, "
            f"{len(result.posts)} posts"
        )
    return 0 if result.ok else 1


def _hit_json(hit: Hit) -> dict[str, object]:
    return {
        "id": hit.id,
        "title": hit.title,
        "tags": list(hit.tags),
        "score": round(hit.score, 6),
        "snippet": hit.snippet,
    }


def _search(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from db.engine import make_engine
    from db.queries import list_cards
    from kb.embed import load_minilm
    from kb.search import QueryError, SemanticIndex, missing_chunks, search, update_index

    if args.k < 1 or args.k > 100:
        print(f"--k must be between 1 and 100, not {args.k}", file=sys.stderr)
        return 2
    engine = make_engine()
    with Session(engine) as session:
        cards = {c.id: c for c in list_cards(session=session)}
        if not cards:
            print("the database holds no cards: run 'python -m db sync' first", file=sys.stderr)
            return 1
        embedder = load_minilm() if args.mode != "keyword" else None
        index = None
        if embedder is not None:
            if missing_chunks(cards.values(), embedder.name, session=session):
                print(update_index(list(cards.values()), embedder, session=session).summary(), file=sys.stderr)
            index = SemanticIndex.load(embedder.name, session=session)

        def run(query: str) -> tuple[str, list[dict[str, object]], str | None]:
            result = search(
                query, cards=cards, session=session, index=index, embedder=embedder, mode=args.mode, k=args.k
            )
            return result.query, [_hit_json(h) for h in result.hits], result.notice

        if args.query is not None:
            try:
                _, hits, notice = run(args.query)
            except QueryError as exc:
                print(str(exc), file=sys.stderr)
                return 2
            if notice:
                print(notice, file=sys.stderr)
            if args.json:
                print(json.dumps(hits, indent=2))
            else:
                for n, h in enumerate(hits, start=1):
                    print(f"{n:2}. {h['title']}  [{h['id']}]  {h['score']:.4f}\n    {h['snippet']}")
            return 0
        for raw in sys.stdin.buffer:  # one query per line, one JSON line out per query; any bytes are read
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            try:
                used, hits, notice = run(line)
                out: dict[str, object] = {"query": used, "results": hits}
                if notice:
                    out["notice"] = notice
            except QueryError as exc:
                out = {"query": line[:300], "error": str(exc)}
            print(json.dumps(out), flush=True)
    return 0


def _export(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from db.engine import make_engine
    from db.queries import list_cards, list_posts
    from kb.exchange import select_items, write_apkg, write_csv
    from kb.items import NEIGHBOURS, build_items
    from kb.search import SemanticIndex, stored_model
    from kb.similar import Ranker, cosine_from

    with Session(make_engine()) as session:
        cards, posts = list_cards(session=session), list_posts(session=session)
        model = stored_model(session=session)
        index = SemanticIndex.load(model, session=session) if model else None
    ranker = Ranker({c.id: c for c in cards}, cosine_from(index, len(cards)))
    everything = build_items(cards, neighbours=lambda card_id: [i for i, _ in ranker.similar(card_id, NEIGHBOURS)])
    try:
        items = select_items(everything, posts, tag=args.tag, post=args.post, trivia=args.trivia)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if not items:
        print("no quiz items match; check --tag and --post (python -m kb check lists the cards)", file=sys.stderr)
        return 1
    out = Path(args.out)
    if out.is_dir() or not out.parent.is_dir():
        what = "is a folder" if out.is_dir() else f"is in a folder that does not exist ({out.parent})"
        print(f"--out {out} {what}; name a file in an existing folder", file=sys.stderr)
        return 2
    try:
        if args.format == "apkg":
            counts = write_apkg(items, out)
            print(
                f"wrote {out}: {counts['basic']} basic, {counts['cloze']} cloze and {counts['computed']} computed notes"
            )
        else:
            print(f"wrote {out}: {write_csv(items, out)} items")
    except OSError as exc:
        print(f"could not write {out}: {exc.strerror or exc}; any earlier file there is unchanged", file=sys.stderr)
        return 1
    return 0


def _import(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from db.engine import make_engine
    from kb.exchange import import_csv
    from kb.learners import find_learner

    path = Path(args.file)
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 2
    if path.stat().st_size > MAX_IMPORT_BYTES:
        print(
            f"{path} is {path.stat().st_size / 1e6:.1f} MB; the limit is {MAX_IMPORT_BYTES // 10**6} MB",
            file=sys.stderr,
        )
        return 2
    if (args.learner is None) == (not args.shared):
        print(
            "say whose items these are: --learner NAME (a profile's own) or --shared (every learner)", file=sys.stderr
        )
        return 2
    with Session(make_engine()) as session:
        owner = None
        if args.learner is not None:
            learner = find_learner(args.learner, session=session)
            if learner is None:
                print(f"no profile called {args.learner!r}; create it on the Quiz page first", file=sys.stderr)
                return 2
            owner = learner.id
        report = import_csv(path.read_bytes(), session=session, learner_id=owner)
    for problem in report.problems:
        print(problem, file=sys.stderr)
    print(report.summary())
    return 0 if not report.problems else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kb", description="Study-card knowledge base tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate every card; exit 1 if anything is wrong")
    check.add_argument("--content", default=str(content_dir_default()), help="content folder (default: %(default)s)")
    check.add_argument("--json", action="store_true", help="print a JSON report")
    check.set_defaults(func=_check)
    find = sub.add_parser("search", help="search the cards; with no QUERY, read one query per line from stdin")
    find.add_argument("query", nargs="?", help="the question or term (omit to read queries from stdin)")
    find.add_argument("--k", type=int, default=5, help="number of results (default 5)")
    find.add_argument("--mode", choices=["hybrid", "semantic", "keyword"], default="hybrid")
    find.add_argument("--json", action="store_true", help="print JSON (stdin mode always prints JSON lines)")
    find.set_defaults(func=_search)
    export = sub.add_parser("export", help="export quiz items to an Anki package or CSV")
    export.add_argument("--format", choices=["apkg", "csv"], required=True)
    export.add_argument("--out", required=True, help="file to write")
    export.add_argument("--tag", help="only cards with this tag")
    export.add_argument("--post", help="only cards of this post (day number, e.g. 172, or slug)")
    export.add_argument("--trivia", action="store_true", help="include the items about the blog itself")
    export.set_defaults(func=_export)
    imp = sub.add_parser("import", help="import question/answer items from CSV (card_id, question, answer)")
    imp.add_argument("--format", choices=["csv"], default="csv")
    whose = imp.add_mutually_exclusive_group()
    whose.add_argument("--learner", help="the name-picked profile whose own items these become")
    whose.add_argument("--shared", action="store_true", help="shared with every learner")
    imp.add_argument("file")
    imp.set_defaults(func=_import)
    args = parser.parse_args(argv)
    from sqlalchemy.exc import SQLAlchemyError

    from db.engine import database_url, redact, where
    from db.migrate import MigrationError

    try:
        return int(args.func(args))
    except MigrationError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(
            f"the database at {where(database_url())} failed: {redact(str(exc).splitlines()[0])} "
            f"({type(exc).__name__})",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
