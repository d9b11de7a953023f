"""Quiz core: forgiving cloze grading, FSRS scheduling pinned to exact intervals, and reviews that survive
restarts and concurrent writers."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Iterator

import fsrs
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from db.engine import make_engine
from db.models import ItemStateRow, ReviewRow
from kb.answers import grade_cloze
from kb.quiz import (
    QuizError,
    card_history,
    due_queue,
    format_interval,
    get_or_create_learner,
    item_card,
    preview,
    record_review,
    scheduler,
    update_settings,
)
from tests.conftest import ENGINE

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
G, A = fsrs.Rating.Good, fsrs.Rating.Again


@pytest.fixture
def engine(engine_url: str) -> Iterator[Engine]:
    eng = make_engine(engine_url)
    yield eng
    eng.dispose()


@pytest.mark.parametrize(
    ("answer", "expected", "accept", "ok"),
    [
        ("IoU", "IoU", (), True),
        ("  iou ", "IoU", (), True),
        ("The IoU.", "IoU", (), True),
        ("intersection-over-union", "intersection over union", (), True),
        ("Intersection over Union", "IoU", ("intersection over union",), True),
        ("feature maps", "feature map", (), True),
        ("boxes", "box", (), True),
        ("probabilities", "probability", (), True),
        ("Soft   Attention!", "soft attention", (), True),
        ("softattention", "soft attention", (), False),
        ("hard attention", "soft attention", (), False),
        ("", "IoU", (), False),
        ("...", "IoU", (), False),
        ("loss", "los", (), False),
    ],
)
def test_cloze_grading_forgives_form_not_content(answer, expected, accept, ok) -> None:
    assert grade_cloze(answer, expected, accept) is ok


@pytest.mark.parametrize(
    ("answer", "expected", "accept", "ok"),
    [
        ("C", "C++", ("cpp",), False),  # the wrong answer the notes invite (Torch is "Written in C")
        ("c++", "C++", ("cpp",), True),
        ("cpp", "C++", ("cpp",), True),
        ("C", "C#", (), False),
        ("c#", "C#", (), True),
        ("F", "F#", (), False),
        ("x86", "x86", (), True),
        ("x87", "x86", (), False),  # digits are never a typo
        ("ResNet-51", "ResNet-50", (), False),
    ],
)
def test_symbols_that_change_meaning_are_kept(answer, expected, accept, ok) -> None:
    assert grade_cloze(answer, expected, accept) is ok


@pytest.mark.parametrize(
    ("answer", "expected", "ok"),
    [
        ("weihts", "weights", True),  # a letter left out
        ("wieghts", "weights", True),  # two neighbours swapped
        ("Gabor ilters", "Gabor filters", True),  # one word of several
        ("convolutoin", "convolution", True),
        ("ressnet-50", "ResNet-50", True),  # the letters of a word with digits elsewhere
        ("wieghtz", "weights", False),  # two edits
        ("Gabr ilters", "Gabor filters", False),  # typos in two words
        ("layr", "layer", False),  # short words must be exact: "later" is not "layer"
        ("PCAx", "PCA", False),
        ("pooling layer extra", "pooling layer", False),  # a word too many is not a typo
    ],
)
def test_one_small_typo_in_a_long_word_is_forgiven(answer, expected, ok) -> None:
    assert grade_cloze(answer, expected) is ok


def test_a_fixed_review_sequence_gives_exact_intervals(engine) -> None:
    with Session(engine) as session:
        ada = get_or_create_learner("Ada", session=session)
        now, intervals = T0, []
        for rating in (G, G, G, A, G):
            card = record_review(ada, "nms:1", "non-max-suppression", rating, now, session=session)
            intervals.append(card.due - now)
            now = card.due
    assert intervals == [
        dt.timedelta(minutes=10),
        dt.timedelta(days=2),
        dt.timedelta(days=11),
        dt.timedelta(minutes=10),
        dt.timedelta(days=2),
    ]


def test_button_previews_are_what_the_buttons_give(engine) -> None:
    with Session(engine) as session:
        ada = get_or_create_learner("Ada", session=session)
        record_review(ada, "x:1", "x", G, T0, session=session)
        now = T0 + dt.timedelta(minutes=10)
        shown = preview(item_card(ada.id, "x:1", now, session=session), now, scheduler())
        given = record_review(ada, "x:1", "x", fsrs.Rating.Easy, now, session=session)
    assert given.due - now == shown[fsrs.Rating.Easy]
    assert shown[fsrs.Rating.Again] < shown[fsrs.Rating.Hard] <= shown[G] < shown[fsrs.Rating.Easy]
    assert [format_interval(shown[r]) for r in (A, G)] == [
        "1 min",
        "2 d",
    ]  # Again restarts the learning steps (1 min, 10 min)


def test_higher_desired_retention_gives_shorter_intervals(engine) -> None:
    with Session(engine) as session:
        lax = update_settings(
            get_or_create_learner("Lax", session=session).id, desired_retention=0.8, new_per_day=20, session=session
        )
        strict = update_settings(
            get_or_create_learner("Strict", session=session).id, desired_retention=0.97, new_per_day=20, session=session
        )
        gaps = {}
        for learner in (lax, strict):
            card = record_review(learner, "x:1", "x", G, T0, session=session)
            card = record_review(learner, "x:1", "x", G, card.due, session=session)
            later = card.due
            card = record_review(learner, "x:1", "x", G, later, session=session)
            gaps[learner.name] = card.due - later
    assert gaps["Strict"] < gaps["Lax"]


def test_cram_stores_the_answer_but_leaves_the_schedule(engine) -> None:
    with Session(engine) as session:
        ada = get_or_create_learner("Ada", session=session)
        record_review(ada, "x:1", "x", G, T0, session=session)
        before = session.get(ItemStateRow, (ada.id, "x:1")).state_json
        record_review(ada, "x:1", "x", A, T0 + dt.timedelta(minutes=1), session=session, cram=True)
        assert session.get(ItemStateRow, (ada.id, "x:1")).state_json == before
        modes = [r.mode for r in session.exec(select(ReviewRow).order_by(ReviewRow.id))]
    assert modes == ["due", "cram"]


def test_due_queue_puts_overdue_first_and_limits_new_items(engine) -> None:
    with Session(engine) as session:
        ada = update_settings(
            get_or_create_learner("Ada", session=session).id, desired_retention=0.9, new_per_day=3, session=session
        )
        record_review(ada, "a", "ca", G, T0, session=session)  # due T0 + 10 min
        record_review(ada, "b", "cb", A, T0 + dt.timedelta(minutes=5), session=session)  # due T0 + 6 min
        later = T0 + dt.timedelta(hours=1)
        queue = due_queue(ada, ["a", "b", "c", "d", "e", "f"], later, session=session)
    assert queue == ["b", "a", "c"]  # two due (most overdue first), then 3 - 2 new already started today


def test_profiles_keep_separate_progress(engine) -> None:
    with Session(engine) as session:
        ada = get_or_create_learner("Ada", session=session)
        bob = get_or_create_learner("  Bob  ", session=session)
        record_review(ada, "x:1", "x", G, T0, session=session)
        assert session.get(ItemStateRow, (bob.id, "x:1")) is None
        assert get_or_create_learner("Bob", session=session).id == bob.id


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: scheduler(1.5), "desired retention"),
        (lambda s: get_or_create_learner("   ", session=s), "profile name"),
        (lambda s: update_settings(99, desired_retention=0.9, new_per_day=20, session=s), "no learner"),
        (lambda s: update_settings(1, desired_retention=0.5, new_per_day=-1, session=s), "retention.*new items"),
        (
            lambda s: record_review(
                get_or_create_learner("A", session=s), "x", "x", G, dt.datetime(2026, 1, 1), session=s
            ),
            "timezone-aware",
        ),
    ],
)
def test_bad_input_is_refused_with_a_reason(engine, call, message) -> None:
    with Session(engine) as session, pytest.raises(QuizError, match=message):
        call(session)


def test_reviews_survive_a_restart(db_url) -> None:
    url = db_url
    first = make_engine(url)
    with Session(first) as session:
        ada = get_or_create_learner("Ada", session=session)
        for n in range(3):
            record_review(ada, f"x:{n}", "x", G, T0, session=session)
    first.dispose()  # the process "crashes" here; every answer was already committed
    second = make_engine(url)
    with Session(second) as session:
        assert len(session.exec(select(ReviewRow)).all()) == 3
        assert len(session.exec(select(ItemStateRow)).all()) == 3
    second.dispose()


def test_two_writers_at_once_lose_and_corrupt_nothing(db_url) -> None:
    url = db_url
    setup = make_engine(url)
    with Session(setup) as session:
        learners = [get_or_create_learner(name, session=session) for name in ("Tab one", "Tab two")]
    errors: list[BaseException] = []

    def answer(learner, engine_url: str) -> None:
        eng = make_engine(engine_url)  # each "tab" has its own engine and connection
        try:
            with Session(eng) as session:
                for n in range(40):
                    record_review(learner, f"item:{n % 7}", "card", G, T0 + dt.timedelta(seconds=n), session=session)
        except BaseException as exc:
            errors.append(exc)
        finally:
            eng.dispose()

    threads = [threading.Thread(target=answer, args=(learner, url)) for learner in learners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(setup) as session:
        rows = session.exec(select(ReviewRow)).all()
        assert len(rows) == 80 and len({r.id for r in rows}) == 80
        assert {len([r for r in rows if r.learner_id == lr.id]) for lr in learners} == {40}
        assert session.exec(select(ItemStateRow)).all().__len__() == 14
    if ENGINE == "sqlite":
        with setup.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    setup.dispose()


def test_card_history_lists_a_learners_reviews_newest_first(engine) -> None:
    with Session(engine) as session:
        ada = get_or_create_learner("Ada", session=session)
        bob = get_or_create_learner("Bob", session=session)
        record_review(ada, "nms:1", "non-max-suppression", G, T0, session=session)
        record_review(ada, "nms:2", "non-max-suppression", A, T0 + dt.timedelta(minutes=1), session=session, cram=True)
        record_review(ada, "iou:1", "intersection-over-union", G, T0, session=session)
        record_review(bob, "nms:1", "non-max-suppression", G, T0, session=session)
        history = card_history(ada.id, "non-max-suppression", session=session)
    assert [(h.item_id, h.rating, h.mode) for h in history] == [("nms:2", 1, "cram"), ("nms:1", 3, "due")]
    assert history[0].due_after is None and history[1].due_after == T0 + dt.timedelta(minutes=10)


def test_two_tabs_answering_the_same_item_keep_one_consistent_schedule(db_url) -> None:
    setup = make_engine(db_url)
    with Session(setup) as session:
        ada = get_or_create_learner("Ada", session=session)
        record_review(ada, "x:1", "x", G, T0, session=session)
    errors: list[BaseException] = []

    def tab(offset: int) -> None:
        eng = make_engine(db_url)
        try:
            with Session(eng) as session:
                for n in range(15):
                    record_review(ada, "x:1", "x", G, T0 + dt.timedelta(hours=1 + 2 * n + offset), session=session)
        except BaseException as exc:
            errors.append(exc)
        finally:
            eng.dispose()

    threads = [threading.Thread(target=tab, args=(offset,)) for offset in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(setup) as session:
        reviews = session.exec(select(ReviewRow).order_by(ReviewRow.id)).all()
        state = session.get(ItemStateRow, (ada.id, "x:1"))
    setup.dispose()
    assert len(reviews) == 31 and state.reps == 31
    for previous, review in itertools.pairwise(reviews):
        assert review.state_before == previous.state_after  # each answer scheduled from the one before it
    assert state.state_json == reviews[-1].state_after
