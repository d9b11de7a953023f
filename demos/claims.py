"""The claims contract: each lab states what it teaches as claims, and measures them.

A lab's claims module (named by its registry entry) holds

* ``SPECS``: a tuple of :class:`ClaimSpec` -- an id, the cards it is about, and the statement, worded so that a
  measurement can make it true or false ("momentum reaches the minimum in fewer steps than SGD");
* ``measure(ctx: Context) -> dict[str, Outcome]``: one :class:`Outcome` per spec id -- the numbers measured and
  whether the statement holds on them. ``ctx.full`` asks for the full protocol (more data, more seeds); the
  default fast mode must finish in seconds on a 2-core CPU.

The module imports torch (and its lab's compute) only inside ``measure``, so the app can show a lab's statements
and its shipped measurements without importing torch.

``python -m demos.<family> eval --json`` prints ``{"claims": [...], "device", "seconds", ...}`` for the family's
labs; ``--save`` writes it to ``demos/<family>/results/claims.json``, which the lab's panel shows. When a
textbook claim does not hold in a lab, the claim says what does hold and the panel explains why: a statement
that fails its own measurement makes ``python -m demos claims`` exit 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from demos.registry import Lab, labs_in, resolve

if TYPE_CHECKING:
    import torch

DEMOS_DIR = Path(__file__).resolve().parent
RESULTS_FILE = "claims.json"


@dataclass(frozen=True)
class ClaimSpec:
    id: str  # unique within its lab, a slug
    cards: tuple[str, ...]  # the cards the claim is about (a subset of its lab's cards)
    statement: str  # a sentence a measurement can make true or false


@dataclass(frozen=True)
class Outcome:
    measured: Mapping[str, Any]  # the numbers behind the verdict, JSON-serialisable
    holds: bool


@dataclass(frozen=True)
class Context:
    """How to measure: on which device, the full protocol or the fast one, from which seed."""

    device: torch.device
    full: bool = False
    seed: int = 0
    log: Callable[[str], None] = field(default=lambda text: None)


def outcome(holds: bool, **measured: Any) -> Outcome:
    """``outcome(a > b, a=a, b=b)``: the verdict first, then the numbers it rests on."""
    return Outcome(measured=measured, holds=bool(holds))


def specs(lab: Lab) -> tuple[ClaimSpec, ...]:
    """The lab's claim statements (imports its claims module, which does not import torch)."""
    if lab.claims is None:
        return ()
    found = resolve(lab.claims).SPECS
    return tuple(found)


def measure_lab(lab: Lab, ctx: Context) -> list[dict[str, Any]]:
    """Measure one lab's claims. A claim that raised is recorded as not holding, with the error."""
    items = specs(lab)
    if not items:
        return []
    assert lab.claims is not None
    t0 = time.perf_counter()
    try:
        outcomes: dict[str, Outcome] = resolve(lab.claims).measure(ctx)
        error = None
    except Exception as exc:  # one lab failing must not hide the others' results
        outcomes, error = {}, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}"
    seconds = round(time.perf_counter() - t0, 2)
    unknown = set(outcomes) - {s.id for s in items}
    if unknown:
        raise RuntimeError(f"lab {lab.name!r} measured claims it does not state: {sorted(unknown)}")
    out = []
    for spec in items:
        got = outcomes.get(spec.id)
        record: dict[str, Any] = {
            "lab": lab.name,
            "id": spec.id,
            "cards": list(spec.cards),
            "statement": spec.statement,
            "measured": dict(got.measured) if got else {},
            "holds": bool(got.holds) if got else False,
            "lab_seconds": seconds,
        }
        if got is None:
            record["error"] = error or "the lab's measure() returned no outcome for this claim"
        out.append(record)
    return out


def report(labs: Sequence[Lab], ctx: Context, command: str) -> dict[str, Any]:
    """Measure every claim of ``labs`` and return the JSON record (claims, summary, device, seconds)."""
    from demos.common import hardware, label

    t0 = time.perf_counter()
    claims: list[dict[str, Any]] = []
    for lab in labs:
        ctx.log(f"measuring {lab.name} ...")
        claims += measure_lab(lab, ctx)
        ctx.log(f"  {lab.name}: {sum(c['holds'] for c in claims if c['lab'] == lab.name)} holding")
    return {
        "claims": claims,
        "summary": summary(claims),
        "device": label(ctx.device),
        "hardware": hardware(ctx.device),
        "mode": "full" if ctx.full else "fast",
        "seed": ctx.seed,
        "seconds": round(time.perf_counter() - t0, 1),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command,
    }


def summary(claims: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    return {
        "labs": len({c["lab"] for c in claims}),
        "claims": len(claims),
        "holding": sum(1 for c in claims if c["holds"]),
    }


# ------------------------------------------------------------------------------------------------ records


def results_path(family: str) -> Path:
    return DEMOS_DIR / family / "results" / RESULTS_FILE


def save(family: str, record: Mapping[str, Any]) -> Path:
    """Write a family's record atomically (a temporary file renamed into place)."""
    path = results_path(family)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n")
    tmp.replace(path)
    return path


def shipped(family: str) -> dict[str, Any] | None:
    """The family's saved record, or None when there is none (or it is unreadable)."""
    path = results_path(family)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def shipped_claims(lab: Lab) -> list[dict[str, Any]]:
    """The saved measurements of one lab's claims, in the order of its SPECS (missing ones left out)."""
    record = shipped(lab.family) or {}
    by_id = {c.get("id"): c for c in record.get("claims", []) if c.get("lab") == lab.name}
    return [by_id[s.id] for s in specs(lab) if s.id in by_id]


# ------------------------------------------------------------------------------------------------ CLI


def add_eval_command(sub: Any, help_text: str = "measure the family's claims and print them as JSON") -> Any:
    """The ``eval`` sub-command every family has: ``--json --full --save`` plus the common options."""
    from demos.common import add_common_args

    e = sub.add_parser("eval", help=help_text)
    add_common_args(e)
    e.add_argument("--full", action="store_true", help="the full protocol (slower) instead of the fast one")
    e.add_argument("--save", action="store_true", help=f"also write demos/<family>/results/{RESULTS_FILE}")
    return e


def run_eval(family: str, args: argparse.Namespace, argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run ``eval`` for a family after its CLI parsed the arguments (and applied ``--threads``)."""
    from demos.common import check_common_args

    device = check_common_args(args)
    words = list(sys.argv[1:] if argv is None else argv)
    ctx = Context(device=device, full=args.full, seed=args.seed, log=lambda t: print(t, file=sys.stderr))
    record = report(labs_in(family), ctx, command=f"python -m demos.{family} " + " ".join(words))
    if args.save:
        save(family, record)
    return record


def run_cli(
    family: str,
    args: argparse.Namespace,
    argv: Sequence[str] | None,
    commands: Mapping[str, Callable[[argparse.Namespace], dict[str, Any]]] | None = None,
    errors: tuple[type[Exception], ...] = (),
) -> int:
    """Run the command a family's CLI parsed: check the common options, apply ``--threads``, call
    ``commands[args.command]`` (``eval`` measures the family's claims), print its JSON. A bad option, a missing
    file or one of ``errors`` is one line on stderr and exit status 2; ``eval`` exits 1 when a claim does not hold."""
    from demos.common import LabError, apply_threads, check_common_args

    caught: tuple[type[Exception], ...] = (LabError, FileNotFoundError, *errors)
    try:
        check_common_args(args)  # before apply_threads: a bad --threads is a message, not torch's traceback
        apply_threads(args.threads)
        if args.command == "eval":
            out = run_eval(family, args, argv)
        else:
            out = (commands or {})[args.command](args)
    except caught as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(out, indent=2))
    if args.command == "eval":
        return 0 if out["summary"]["holding"] == out["summary"]["claims"] else 1
    return 0


def family_main(family: str, argv: Sequence[str] | None = None) -> int:
    """A whole CLI for a family whose only command is ``eval`` (most labs train nothing they ship)."""
    parser = argparse.ArgumentParser(prog=f"python -m demos.{family}", description=f"The {family} labs' claims.")
    sub = parser.add_subparsers(dest="command", required=True)
    add_eval_command(sub)
    return run_cli(family, parser.parse_args(argv), argv)
