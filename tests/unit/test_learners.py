"""Learners and their data: names that cannot pass for another, "Create" refusing a taken name, one learner
per sign-in subject, imports that belong to their learner, export of exactly one learner's answers, deletion
of everything of theirs, and the class summary that names nobody."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator

import fsrs
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from db.engine import make_engine
from db.models import ImportedItemRow, LearnerRow
from db.sync import sync_content
from kb.cards import load_content
from kb.exchange import import_csv, learner_items
from kb.learners import (
    class_summary,
    clean_name,
    create_learner,
    delete_learner,
    learner_for_subject,
    learner_json,
    own_imports,
    review_rows,
    reviews_csv,
)
from kb.quiz import QuizError, record_review
from tests.conftest import REAL_CONTENT

LOADED = load_content(REAL_CONTENT)
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> str:
    from tests.conftest import ENGINE

    if ENGINE != "sqlite":
        return ""
    path = tmp_path_factory.mktemp("learners") / "base.db"
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        sync_content(LOADED, session=session)
    engine.dispose()
    return str(path)


@pytest.fixture
def engine(db_url: str, synced: str, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    if synced:  # SQLite: a copy of the synced file is faster than a sync per test
        import shutil

        shutil.copy(synced, tmp_path / "l.db")
        db_url = f"sqlite:///{tmp_path / 'l.db'}"
    eng = make_engine(db_url)
    if not synced:
        with Session(eng) as session:
            sync_content(LOADED, session=session)
    yield eng
    eng.dispose()


def test_names_are_cleaned_so_none_passes_for_another() -> None:
    assert clean_name("Al\u200bice") == "Alice"  # zero-width space
    assert clean_name("\u202eecilA") == "ecilA"  # right-to-left override removed
    assert clean_name("  Ａda \t Lovelace\n") == "Ada Lovelace"  # full-width folded, spaces collapsed
    assert clean_name("Bob\x00\x07") == "Bob"


def test_create_refuses_a_taken_name_even_written_differently(engine) -> None:
    with Session(engine) as session:
        create_learner("Alice", session=session)
        for taken in ("Alice", " Alice ", "Al\u200bice"):
            with pytest.raises(QuizError, match="already exists"):
                create_learner(taken, session=session)
        with pytest.raises(QuizError, match="1 to 40"):
            create_learner("\u200b", session=session)


def test_one_learner_per_subject_whatever_the_display_name(engine) -> None:
    with Session(engine) as session:
        create_learner("Alice", session=session)
        first = learner_for_subject("iss alice-1", "Alice", session=session)
        again = learner_for_subject("iss alice-1", "Alice Renamed", session=session)
        other = learner_for_subject("iss alice-2", "Alice", session=session)
    assert first == again and first.name == "Alice (2)"  # the name-picked "Alice" is someone else
    assert other.id != first.id and other.name == "Alice (3)"


def test_imports_are_their_learners_and_shared_ones_everyones(engine) -> None:
    csv_text = "card_id,question,answer\nyolo,What does YOLO look at?,The whole image\n"
    with Session(engine) as session:
        ada, ben = (create_learner(n, session=session) for n in ("Ada", "Ben"))
        assert len(import_csv(csv_text, session=session, learner_id=ada.id).added) == 1
        assert [i.prompt for i in learner_items(ada.id, session=session)] == ["What does YOLO look at?"]
        assert learner_items(ben.id, session=session) == []  # Ben never sees Ada's import
        import_csv("card_id,question,answer\nssd,Shared?,Yes\n", session=session, learner_id=None)
        assert [(i.prompt, i.shared) for i in learner_items(ben.id, session=session)] == [("Shared?", True)]
        again = import_csv(csv_text.replace("The whole image", "All of it"), session=session, learner_id=ada.id)
        assert again.updated and learner_items(ada.id, session=session)[0].answer == "All of it"
        capped = import_csv(
            "card_id,question,answer\n" + "".join(f"yolo,Q{i}?,A\n" for i in range(5)),
            session=session,
            learner_id=ben.id,
            max_items=3,
        )
    assert len(capped.added) == 3 and "already have 3 imported items" in capped.problems[0]


def test_export_holds_exactly_my_answers_and_delete_removes_everything_of_mine(engine) -> None:
    with Session(engine) as session:
        ada, ben = (create_learner(n, session=session) for n in ("Ada", "Ben"))
        for n, learner in enumerate((ada, ada, ben)):
            record_review(
                learner, f"yolo:{n}", "yolo", fsrs.Rating(n + 2), T0 + dt.timedelta(minutes=n), session=session
            )
        import_csv("card_id,question,answer\nyolo,=cmd|' /C calc'!A0,x\n", session=session, learner_id=ada.id)
        rows = review_rows(ada.id, {"yolo:0": "First?"}, session=session)
        mine = own_imports(ada.id, session=session)
        assert [(r["item_id"], r["rating"], r["question"]) for r in rows] == [
            ("yolo:0", "Hard", "First?"),
            ("yolo:1", "Good", "(retired question)"),
        ]
        table = list(csv.DictReader(io.StringIO(reviews_csv(rows).decode())))
        assert [r["reviewed_at"] for r in table] == [T0.isoformat(), (T0 + dt.timedelta(minutes=1)).isoformat()]
        assert table[0]["next_due"]  # the schedule each answer gave
        payload = json.loads(learner_json(ada, rows, mine))
        assert payload["profile"]["name"] == "Ada" and len(payload["reviews"]) == 2
        assert payload["imported_items"][0]["question"].startswith("=cmd")
        assert reviews_csv([{**rows[0], "question": "=1+2"}]).decode().splitlines()[1].count("'=1+2") == 1

        gone = delete_learner(ada.id, session=session)
        assert gone == {"reviews": 2, "schedules": 2, "imported items": 1}
        assert [lr.name for lr in session.exec(select(LearnerRow))] == ["Ben"]
        assert not session.exec(select(ImportedItemRow)).all()
        assert len(review_rows(ben.id, {}, session=session)) == 1  # Ben's untouched


def test_class_summary_waits_for_three_learners_and_names_nobody(engine) -> None:
    with Session(engine) as session:
        learners = [create_learner(n, session=session) for n in ("Ada", "Ben", "Cy")]
        for learner in learners[:2]:
            record_review(learner, "yolo:1", "yolo", fsrs.Rating.Good, T0, session=session)
        assert not class_summary(LOADED.cards, T0, session=session).enough
        record_review(learners[2], "ssd:1", "ssd", fsrs.Rating.Again, T0, session=session)
        record_review(learners[2], "ssd:1", "ssd", fsrs.Rating.Good, T0 + dt.timedelta(days=1), session=session)
        summary = class_summary(LOADED.cards, T0 + dt.timedelta(days=1), session=session)
    assert summary.enough and summary.learners == 3 and summary.reviews == 4 and summary.active_7d == 3
    assert summary.per_day == {T0.date(): 3, (T0 + dt.timedelta(days=1)).date(): 1}
    assert [round(r, 2) for _, r, _ in summary.retention] == [1.0]  # the one review of a known item: Good
    started = dict((p, s) for p, s, _ in summary.by_post)
    assert sum(started.values()) == pytest.approx(3 / 3)  # 3 item states over 3 learners
    assert "Ada" not in repr(summary) and "Cy" not in repr(summary)
