"""Quiz logic: grading answers and scheduling with FSRS (the maintained ``fsrs`` package, FSRS-6).

Inputs are never mutated; every datetime is timezone-aware UTC. Reviews are stored by :func:`record_review`,
one committed transaction per answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import fsrs
from sqlalchemy import func
from sqlmodel import Session, col, select

from db.models import ItemStateRow, LearnerRow, ReviewRow

RATINGS: tuple[fsrs.Rating, ...] = (fsrs.Rating.Again, fsrs.Rating.Hard, fsrs.Rating.Good, fsrs.Rating.Easy)
RETENTION_RANGE = (0.70, 0.99)
NEW_PER_DAY_RANGE = (0, 500)


class QuizError(ValueError):
    """Bad quiz input; the message says what is wrong and how to fix it."""


# --------------------------------------------------------------------------------------------- scheduling


def scheduler(desired_retention: float = 0.9) -> fsrs.Scheduler:
    """FSRS-6 with its default parameters; no fuzzing, so the interval a button shows is the one it gives."""
    low, high = RETENTION_RANGE
    if not low <= desired_retention <= high:
        raise QuizError(f"desired retention must be between {low} and {high}, not {desired_retention}")
    return fsrs.Scheduler(desired_retention=desired_retention, enable_fuzzing=False)


def new_card(now: dt.datetime) -> fsrs.Card:
    _check_utc(now)
    return fsrs.Card(card_id=1, due=now)


def _check_utc(when: dt.datetime) -> None:
    if when.tzinfo is None or when.utcoffset() != dt.timedelta(0):
        raise QuizError(f"datetimes must be timezone-aware UTC, got {when!r}")


def preview(card: fsrs.Card, now: dt.datetime, sched: fsrs.Scheduler) -> dict[fsrs.Rating, dt.timedelta]:
    """The interval each rating would give right now, as Anki shows on its buttons."""
    _check_utc(now)
    return {r: sched.review_card(card, r, now)[0].due - now for r in RATINGS}


def format_interval(delta: dt.timedelta) -> str:
    seconds = delta.total_seconds()
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 86400:
        return f"{round(seconds / 3600)} h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)} d"
    if days < 365:
        return f"{days / 30:.1f} mo"
    return f"{days / 365:.1f} y"


# --------------------------------------------------------------------------------------------- storage


@dataclass(frozen=True)
class Learner:
    id: int
    name: str
    desired_retention: float
    new_per_day: int


def _learner(row: LearnerRow) -> Learner:
    assert row.id is not None
    return Learner(row.id, row.name, row.desired_retention, row.new_per_day)


def get_or_create_learner(name: str, *, session: Session) -> Learner:
    clean = " ".join(name.split())
    if not clean or len(clean) > 40:
        raise QuizError("a profile name needs 1 to 40 characters, e.g. 'Ada'")
    row = session.exec(select(LearnerRow).where(LearnerRow.name == clean)).first()
    if row is None:
        row = LearnerRow(name=clean)
        session.add(row)
        session.commit()
        session.refresh(row)
    return _learner(row)


def list_learners(*, session: Session) -> list[Learner]:
    return [_learner(r) for r in session.exec(select(LearnerRow).order_by(LearnerRow.name))]


def update_settings(learner_id: int, *, desired_retention: float, new_per_day: int, session: Session) -> Learner:
    problems = []
    low, high = RETENTION_RANGE
    if not low <= desired_retention <= high:
        problems.append(f"desired retention must be between {low} and {high}, not {desired_retention}")
    lo, hi = NEW_PER_DAY_RANGE
    if not lo <= new_per_day <= hi:
        problems.append(f"new items per day must be between {lo} and {hi}, not {new_per_day}")
    if problems:
        raise QuizError("; ".join(problems))
    row = session.get(LearnerRow, learner_id)
    if row is None:
        raise QuizError(f"no learner with id {learner_id}; pick or create a profile")
    row.desired_retention, row.new_per_day = desired_retention, new_per_day
    session.add(row)
    session.commit()
    return _learner(row)


def item_card(learner_id: int, item_id: str, now: dt.datetime, *, session: Session) -> fsrs.Card:
    row = session.get(ItemStateRow, (learner_id, item_id))
    return fsrs.Card.from_json(row.state_json) if row is not None else new_card(now)


def _lock_item(session: Session) -> None:
    """Make the coming read of an item's state part of the answer's write transaction, so two tabs answering
    the same item queue up instead of both scheduling from the same old state (one would overwrite the other).
    PostgreSQL locks the row (SELECT ... FOR UPDATE, in :func:`record_review`); SQLite takes its write lock
    now (BEGIN IMMEDIATE; it would otherwise read outside any transaction)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def record_review(
    learner: Learner,
    item_id: str,
    card_id: str,
    rating: fsrs.Rating,
    now: dt.datetime,
    *,
    session: Session,
    duration_ms: int | None = None,
    cram: bool = False,
) -> fsrs.Card:
    """Store one answer and (unless cramming) the new schedule, in a single committed transaction.

    Returns the item's FSRS card after the review (unchanged in cram mode)."""
    _check_utc(now)
    if rating not in RATINGS:
        raise QuizError(f"rating must be Again, Hard, Good or Easy, not {rating!r}")
    _lock_item(session)
    state = session.get(ItemStateRow, (learner.id, item_id), with_for_update=True)
    before = fsrs.Card.from_json(state.state_json) if state is not None else new_card(now)
    after, _log = scheduler(learner.desired_retention).review_card(before, rating, now, duration_ms)
    session.add(
        ReviewRow(
            learner_id=learner.id,
            item_id=item_id,
            card_id=card_id,
            rating=int(rating),
            reviewed_at=now,
            duration_ms=duration_ms,
            mode="cram" if cram else "due",
            state_before=state.state_json if state is not None else None,
            state_after=None if cram else after.to_json(),
        )
    )
    if not cram:
        state = state or ItemStateRow(learner_id=learner.id, item_id=item_id, state_json="", due=now)
        state.state_json, state.due, state.reps = after.to_json(), after.due, state.reps + 1
        state.updated_at = now
        session.add(state)
    session.commit()
    return before if cram else after


def _as_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)  # SQLite drops the zone


def due_queue(learner: Learner, item_ids: Sequence[str], now: dt.datetime, *, session: Session) -> list[str]:
    """Items to ask now, in order: reviews that are due (most overdue first), then new items, up to the
    learner's new-per-day limit minus the new items already started today (UTC)."""
    _check_utc(now)
    wanted = set(item_ids)
    states = {r.item_id: r for r in session.exec(select(ItemStateRow).where(ItemStateRow.learner_id == learner.id))}
    due = sorted(
        (i for i in wanted if i in states and _as_utc(states[i].due) <= now), key=lambda i: _as_utc(states[i].due)
    )
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    started_today = session.exec(
        select(func.count())
        .select_from(ReviewRow)
        .where(
            ReviewRow.learner_id == learner.id,
            ReviewRow.reviewed_at >= day_start,
            ReviewRow.state_before.is_(None),  # type: ignore[union-attr]
            ReviewRow.mode == "due",
        )
    ).one()
    room = max(0, learner.new_per_day - int(started_today))
    new = [i for i in item_ids if i not in states][:room]
    return due + new


@dataclass(frozen=True)
class ReviewEntry:
    item_id: str
    rating: int
    reviewed_at: dt.datetime
    mode: str
    due_after: dt.datetime | None


def card_history(learner_id: int, card_id: str, *, session: Session) -> list[ReviewEntry]:
    """A learner's reviews of one card's items, newest first."""
    rows = session.exec(
        select(ReviewRow)
        .where(ReviewRow.learner_id == learner_id, ReviewRow.card_id == card_id)
        .order_by(col(ReviewRow.reviewed_at).desc(), col(ReviewRow.id).desc())
    ).all()
    return [
        ReviewEntry(
            r.item_id,
            r.rating,
            _as_utc(r.reviewed_at),
            r.mode,
            fsrs.Card.from_json(r.state_after).due if r.state_after else None,
        )
        for r in rows
    ]
