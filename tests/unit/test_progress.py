"""Progress statistics on a hand-made review history."""

from __future__ import annotations

import datetime as dt

import pytest

from kb.cards import Card, QuizItem
from kb.items import build_items
from kb.progress import (
    ItemState,
    Review,
    due_forecast,
    mastery,
    retention_by_week,
    reviews_per_day,
    started,
    streak,
)

D = dt.datetime(2026, 3, 4, 10, tzinfo=dt.UTC)  # a Wednesday


def rv(days_ago: int, rating: int = 3, first: bool = False, mode: str = "due", item: str = "c:1") -> Review:
    return Review(item, "c", rating, D - dt.timedelta(days=days_ago), mode, first)


def test_reviews_per_day_and_streak() -> None:
    history = [rv(0), rv(0), rv(1), rv(2), rv(4)]
    assert reviews_per_day(history)[D.date()] == 2
    assert streak(history, D.date()) == 3  # today, yesterday, the day before; the gap at 3 ends it
    assert streak([rv(1), rv(2)], D.date()) == 2  # nothing yet today does not break the streak
    assert streak([rv(3)], D.date()) == 0


def test_retention_counts_only_scheduled_reviews_of_learnt_items() -> None:
    history = [
        rv(0, 3, item="a"),
        rv(0, 1, item="b"),
        rv(1, 4, item="c"),
        rv(1, 1, first=True, item="d"),  # new: not retention
        rv(1, 1, mode="cram", item="e"),  # cram: not scheduled
        rv(8, 1, item="f"),
    ]
    weeks = retention_by_week(history)
    assert weeks == [(dt.date(2026, 2, 23), 0.0, 1), (dt.date(2026, 3, 2), pytest.approx(2 / 3), 3)]


def test_retention_leaves_out_same_day_retries() -> None:
    at = D - dt.timedelta(days=2)  # Monday
    history = [
        Review("x", "c", 1, at, "due", False),  # forgotten: Again
        Review("x", "c", 3, at + dt.timedelta(minutes=10), "due", False),  # the relearning step 10 min later
        Review("x", "c", 3, at + dt.timedelta(days=2), "due", False),  # remembered two days on
    ]
    assert retention_by_week(history) == [(dt.date(2026, 3, 2), 0.5, 2)]


def test_due_forecast_puts_overdue_items_on_day_zero() -> None:
    states = [
        ItemState("a", D - dt.timedelta(days=2), 1),
        ItemState("b", D + dt.timedelta(days=1), 1),
        ItemState("c", D + dt.timedelta(days=1), 1),
        ItemState("d", D + dt.timedelta(days=40), 1),
    ]
    forecast = due_forecast(states, D, days=30)
    assert len(forecast) == 30 and forecast[0] == (D.date(), 1) and forecast[1][1] == 2
    assert sum(n for _, n in forecast) == 3


def test_mastery_and_items_started_count_the_same_items() -> None:
    q1, q2 = QuizItem("qa", "Q1?", "A1"), QuizItem("qa", "Q2?", "A2")
    card = Card(
        id="c",
        title="C",
        post_slug="day-1",
        section="S",
        tags=("x", "y"),
        related=(),
        notes="- n",
        explained="E. F.",
        quiz=(q1, q2),
    )
    items = build_items([card], computed=False, imported=[("c:mine", "c", QuizItem("qa", "Mine?", "Mine."))])
    mine = next(e.id for e in items if e.origin == "imported")
    states = [ItemState(f"c:{q1.key}", D, 30.0), ItemState(mine, D, 2.0), ItemState("retired:1", D, 50.0)]
    assert mastery(items, states, "post") == [("day-1", 3, 2, 1)]  # the imported item counts; a retired one not
    assert started(items, states) == 2
    assert mastery(items, [ItemState(f"c:{q2.key}", D, 2.0)], "tag") == [("x", 3, 1, 0), ("y", 3, 1, 0)]
    with pytest.raises(ValueError, match="group"):
        mastery(items, states, "week")
