"""Load: N simulated learners answer quiz items at once against one database, then every answer is checked.

Each learner is a thread with its own database session (as each browser tab is in a Streamlit server). By
default the learners are signed-in identities, and before each answer a learner's sign-in subject is resolved
to its learner and its imported items are read, as every page run does with sign-in on (``--profiles``: named
profiles, as on one machine without sign-in). In a loop until the time is up it asks the quiz for its next
item (``due_queue``, as the quiz page does), answers it with a random rating, and stores the answer with
``record_review``: one committed transaction, timed. Each learner keeps its own clock that moves on 1 to 20
simulated minutes per answer, so items come due again and schedules grow past the first review.

Afterwards the database is checked against what the learners saw committed:

- every answer is stored exactly once (none lost, none duplicated, in each learner's order);
- every schedule is consistent: replaying each item's stored reviews through FSRS from a new card gives each
  review's stored before/after states and the item's stored state, due date and repetition count.

Prints JSON: answers/second, commit latency percentiles, and the counts of errors, lost and duplicated
answers and inconsistent schedules (all of which must be 0; the exit status is 1 otherwise).

    .venv/bin/python bench/load.py                          # SQLite file in a temporary folder
    .venv/bin/python bench/load.py --url postgresql+psycopg://user@host/db   # in a new schema, dropped after
    tests/with_postgres.sh sh -c '.venv/bin/python bench/load.py --url "$DATABASE_URL"'
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import fsrs
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from db.engine import make_engine, normalise_url, where
from db.models import ItemStateRow, QuizItemRow, ReviewRow
from db.sync import sync_content
from kb.cards import load_content
from kb.exchange import learner_items
from kb.learners import learner_for_subject
from kb.quiz import Learner, due_queue, get_or_create_learner, new_card, record_review, scheduler, update_settings

RATING_WEIGHTS = {fsrs.Rating.Again: 0.15, fsrs.Rating.Hard: 0.15, fsrs.Rating.Good: 0.55, fsrs.Rating.Easy: 0.15}


@dataclass
class LearnerLog:
    learner: Learner
    subject: str | None = None  # the sign-in subject, when learners sign in (the default)
    answers: list[tuple[str, int, dt.datetime]] = field(default_factory=list)  # committed: item, rating, when
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


@contextlib.contextmanager
def database(url: str | None) -> Iterator[str]:
    """A fresh database: a SQLite file in a temporary folder, or a new schema on the PostgreSQL server."""
    if url is None or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            yield url or f"sqlite:///{tmp}/load.db"
        return
    url = normalise_url(url)
    schema = f"load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def learn(engine: Engine, log: LearnerLog, items: list[str], stop: float, seed: int, think_s: float) -> None:
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ratings, weights = list(RATING_WEIGHTS), list(RATING_WEIGHTS.values())
    with Session(engine) as session:
        while time.monotonic() < stop:
            try:
                if log.subject is not None:  # as every page run does when sign-in is on: who is this?
                    who = learner_for_subject(log.subject, log.learner.name, session=session)
                    if who.id != log.learner.id:
                        raise RuntimeError(f"identity {log.subject} resolved to learner {who.id}, not {log.learner.id}")
                    learner_items(who.id, session=session)  # and read their imports (the quiz item set)
                queue = due_queue(log.learner, items, now, session=session)
                if not queue:
                    now += dt.timedelta(days=1)
                    continue
                item = queue[0]
                rating = rng.choices(ratings, weights)[0]
                start = time.perf_counter()
                record_review(log.learner, item, item.split(":")[0], rating, now, session=session)
                log.latencies_ms.append((time.perf_counter() - start) * 1000)
                log.answers.append((item, int(rating), now))
            except Exception as exc:  # counted and reported: the run goes on, as a learner would retry
                session.rollback()
                log.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
            now += dt.timedelta(minutes=rng.uniform(1, 20))
            if think_s:
                time.sleep(think_s)


def verify(engine: Engine, logs: list[LearnerLog]) -> dict[str, int]:
    """Compare the database with what each learner saw committed; replay every schedule through FSRS."""
    lost = duplicated = out_of_order = inconsistent = items_checked = 0
    with Session(engine) as session:
        for log in logs:
            rows = session.exec(
                select(ReviewRow).where(ReviewRow.learner_id == log.learner.id).order_by(ReviewRow.id)  # type: ignore[arg-type]
            ).all()
            stored = [(r.item_id, r.rating, _utc(r.reviewed_at)) for r in rows]
            lost += sum((Counter(log.answers) - Counter(stored)).values())
            duplicated += sum((Counter(stored) - Counter(log.answers)).values())
            out_of_order += int(stored != log.answers and Counter(stored) == Counter(log.answers))

            by_item: dict[str, list[ReviewRow]] = defaultdict(list)
            for r in rows:
                by_item[r.item_id].append(r)
            states = {
                s.item_id: s
                for s in session.exec(select(ItemStateRow).where(ItemStateRow.learner_id == log.learner.id))
            }
            sched = scheduler(log.learner.desired_retention)
            for item_id, reviews in by_item.items():
                items_checked += 1
                card = new_card(_utc(reviews[0].reviewed_at))
                ok, previous = True, None
                for r in reviews:
                    ok &= r.state_before == previous
                    card, _ = sched.review_card(card, fsrs.Rating(r.rating), _utc(r.reviewed_at), r.duration_ms)
                    ok &= r.state_after == card.to_json()
                    previous = r.state_after
                state = states.get(item_id)
                ok &= (
                    state is not None
                    and state.state_json == card.to_json()
                    and state.reps == len(reviews)
                    and _utc(state.due) == card.due
                )
                inconsistent += not ok
            inconsistent += len(set(states) - set(by_item))  # a schedule without any review behind it
    return {
        "lost": lost,
        "duplicated": duplicated,
        "out_of_order": out_of_order,
        "inconsistent_schedules": inconsistent,
        "schedules_checked": items_checked,
    }


def run(
    url: str | None, learners: int, seconds: float, seed: int, think_s: float, sign_in: bool = True
) -> dict[str, object]:
    with database(url) as db_url:
        engine = make_engine(db_url, pool_size=learners + 2, max_overflow=0)
        with Session(engine) as session:
            sync_content(load_content(), session=session)
            items = list(session.exec(select(QuizItemRow.id).order_by(QuizItemRow.id)))
            logs = []
            for n in range(learners):
                subject = f"https://provider.example load-{n:02d}" if sign_in else None
                learner = (
                    learner_for_subject(subject, f"Load {n:02d}", session=session)
                    if subject
                    else get_or_create_learner(f"load-{n:02d}", session=session)
                )
                settings = update_settings(learner.id, desired_retention=0.9, new_per_day=500, session=session)
                logs.append(LearnerLog(settings, subject))
        stop = time.monotonic() + seconds
        threads = [
            threading.Thread(target=learn, args=(engine, log, items, stop, seed + n, think_s))
            for n, log in enumerate(logs)
        ]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        checks = verify(engine, logs)
        engine.dispose()
    latencies = sorted(ms for log in logs for ms in log.latencies_ms)
    answers = sum(len(log.answers) for log in logs)
    errors = [e for log in logs for e in log.errors]
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [float("nan")] * 99
    return {
        "database": engine.dialect.name,
        "where": where(db_url).split("?")[0],
        "learners": learners,
        "identity": "sign-in" if sign_in else "profile",
        "seconds": round(elapsed, 1),
        "answers": answers,
        "answers_per_s": round(answers / elapsed, 1),
        "commit_ms_p50": round(quantiles[49], 1),
        "commit_ms_p95": round(quantiles[94], 1),
        "commit_ms_p99": round(quantiles[98], 1),
        "commit_ms_max": round(latencies[-1], 1) if latencies else None,
        "errors": len(errors),
        "error_kinds": dict(Counter(e.split(":")[0] for e in errors)),
        **checks,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database server URL (default: a SQLite file in a temporary folder)")
    parser.add_argument("--learners", type=int, default=20, help="simulated learners, one session each")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long they answer")
    parser.add_argument("--think-ms", type=float, default=0.0, help="pause after each answer (0: flat out)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--profiles",
        action="store_true",
        help="name-picked profiles instead of signed-in identities (which resolve the identity on every answer)",
    )
    args = parser.parse_args()
    if args.learners < 1 or args.seconds <= 0:
        parser.error("--learners must be at least 1 and --seconds positive")
    report = run(args.url, args.learners, args.seconds, args.seed, args.think_ms / 1000, sign_in=not args.profiles)
    print(json.dumps(report))
    bad = report["errors"] or report["lost"] or report["duplicated"] or report["inconsistent_schedules"]
    return 1 if bad or report["out_of_order"] else 0


if __name__ == "__main__":
    sys.exit(main())
