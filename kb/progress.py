"""Study statistics for one learner, computed from stored reviews and FSRS states. Pure functions over rows
read by :func:`load_history`; the Progress page draws them."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import fsrs
from sqlmodel import Session, col, select

from db.models import ItemStateRow, ReviewRow
from kb.items import Entry

MASTERED_STABILITY_DAYS = 21.0  # an item counts as mastered once FSRS expects it to last three weeks


@dataclass(frozen=True)
class Review:
    item_id: str
    card_id: str
    rating: int
    at: dt.datetime
    mode: str
    first: bool  # the item's first ever review (it was new)


@dataclass(frozen=True)
class ItemState:
    item_id: str
    due: dt.datetime
    stability: float


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def load_history(learner_id: int, *, session: Session) -> tuple[list[Review], list[ItemState]]:
    reviews = [
        Review(r.item_id, r.card_id, r.rating, _utc(r.reviewed_at), r.mode, r.state_before is None)
        for r in session.exec(
            select(ReviewRow).where(ReviewRow.learner_id == learner_id).order_by(col(ReviewRow.reviewed_at))
        )
    ]
    states = []
    for row in session.exec(select(ItemStateRow).where(ItemStateRow.learner_id == learner_id)):
        card = fsrs.Card.from_json(row.state_json)
        states.append(ItemState(row.item_id, _utc(row.due), float(card.stability or 0.0)))
    return reviews, states


def reviews_per_day(reviews: Iterable[Review]) -> dict[dt.date, int]:
    return dict(Counter(r.at.date() for r in reviews))


def streak(reviews: Iterable[Review], today: dt.date) -> int:
    """Consecutive days with at least one review, ending today (or yesterday, if today has none yet)."""
    days = {r.at.date() for r in reviews}
    day = today if today in days else today - dt.timedelta(days=1)
    n = 0
    while day in days:
        n += 1
        day -= dt.timedelta(days=1)
    return n


def retention_by_week(reviews: Iterable[Review]) -> list[tuple[dt.date, float, int]]:
    """[(Monday of the week, share of scheduled reviews of known items not rated Again, reviews)].

    Retention is about remembering what was learnt, so only scheduled ("due") reviews count, and of those
    neither an item's first review (it was new) nor a same-day retry (the item was already reviewed earlier that
    day: a learning or relearning step, minutes after seeing the answer)."""
    weeks: dict[dt.date, list[int]] = defaultdict(list)
    last_day: dict[str, dt.date] = {}
    for r in sorted(reviews, key=lambda r: r.at):
        if r.mode != "due":
            continue
        retry = last_day.get(r.item_id) == r.at.date()
        last_day[r.item_id] = r.at.date()
        if r.first or retry:
            continue
        monday = r.at.date() - dt.timedelta(days=r.at.weekday())
        weeks[monday].append(r.rating)
    return [(w, sum(1 for x in rs if x > 1) / len(rs), len(rs)) for w, rs in sorted(weeks.items())]


def due_forecast(states: Iterable[ItemState], now: dt.datetime, days: int = 30) -> list[tuple[dt.date, int]]:
    """Reviews falling due on each of the next ``days`` days; anything overdue counts on day 0."""
    today = now.date()
    counts = Counter(max(today, s.due.date()) for s in states if s.due.date() < today + dt.timedelta(days=days))
    return [(today + dt.timedelta(days=i), counts.get(today + dt.timedelta(days=i), 0)) for i in range(days)]


def mastery(items: Iterable[Entry], states: Iterable[ItemState], group: str) -> list[tuple[str, int, int, int]]:
    """[(post slug or tag, items, items seen, items mastered)] over ``items`` (the quiz's items, kb.items), where
    mastered means FSRS stability of at least three weeks. ``group`` is "post" or "tag"."""
    if group not in ("post", "tag"):
        raise ValueError(f"group must be 'post' or 'tag', not {group!r}")
    by_item = {s.item_id: s for s in states}
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for entry in items:
        keys = [entry.card.post_slug] if group == "post" else list(entry.card.tags)
        state = by_item.get(entry.id)
        for key in keys:
            t = totals[key]
            t[0] += 1
            t[1] += state is not None
            t[2] += state is not None and state.stability >= MASTERED_STABILITY_DAYS
    return [(k, *v) for k, v in sorted(totals.items())]  # type: ignore[misc]


def started(items: Iterable[Entry], states: Iterable[ItemState]) -> int:
    """How many of ``items`` the learner has answered at least once (the same items :func:`mastery` counts)."""
    ids = {e.id for e in items}
    return sum(1 for s in states if s.item_id in ids)
