"""``python -m demos``: the labs and their claims.

``python -m demos list --json``            every lab with its family, title, cards, page and commands
``python -m demos claims --json``          measure every lab's claims (fast mode; ``--full`` for the full one),
                                           print them with a summary; exit 1 if any claim does not hold
``python -m demos claims --family conv``   only these families; ``--save`` rewrites their results/claims.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from demos.registry import LABS, families, labs_in


def lab_list() -> list[dict[str, object]]:
    return [
        {
            "name": lab.name,
            "family": lab.family,
            "title": lab.title,
            "cards": list(lab.cards),
            "summary": lab.summary,
            "page": lab.page,
            "eval": f"{lab.cli} eval --json",
            "has_claims": lab.claims is not None,
            "gpu_check": lab.gpu_check is not None,
        }
        for lab in LABS
    ]


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m demos", description="The labs and their claims.")
    sub = parser.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list", help="every lab with its family, title and cards")
    ls.add_argument("--json", action="store_true", help="print JSON (the output is JSON anyway)")
    c = sub.add_parser("claims", help="measure every lab's claims; exit 1 if any does not hold")
    c.add_argument("--family", nargs="+", choices=families(), help="only these families")
    c.add_argument("--full", action="store_true", help="the full protocol (slower) instead of the fast one")
    c.add_argument("--save", action="store_true", help="rewrite each family's results/claims.json")
    from demos.common import LabError, add_common_args, apply_threads, check_common_args

    add_common_args(c)
    # One torch thread unless asked: on a small or busy CPU torch's default (a thread per core) made the fast
    # mode of the sequence claims 20 times slower (106 s instead of 5 s at load 10 on two cores).
    c.set_defaults(threads=1)
    args = parser.parse_args(words)
    if args.command == "list":
        print(json.dumps({"labs": lab_list()}, indent=2))
        return 0

    from demos import claims

    try:
        device = check_common_args(args)
    except LabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    apply_threads(args.threads)
    ctx = claims.Context(device=device, full=args.full, seed=args.seed, log=lambda t: print(t, file=sys.stderr))
    records = {}
    for family in args.family or families():
        records[family] = claims.report(
            labs_in(family), ctx, command=f"python -m demos.{family} eval --json" + (" --full" if args.full else "")
        )
        if args.save:
            claims.save(family, records[family])
    every = [c for r in records.values() for c in r["claims"]]
    out = {
        "claims": every,
        "summary": claims.summary(every),
        "device": next(iter(records.values()))["device"] if records else None,
        "mode": "full" if args.full else "fast",
        "seconds": round(sum(r["seconds"] for r in records.values()), 1),
        "families": {f: {"seconds": r["seconds"], **r["summary"]} for f, r in records.items()},
    }
    print(json.dumps(out, indent=2))
    failing = [f"{c['lab']}/{c['id']}" for c in every if not c["holds"]]
    if failing:
        print(f"claims that do not hold: {', '.join(failing)}", file=sys.stderr)
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
