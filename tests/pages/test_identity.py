"""Who a session acts as: without sign-in, a profile picked in this session (never preselected, kept across
pages, "Create" refusing a taken name); with sign-in, the signed-in subject and nobody else; a teacher sees the
class only in aggregate; My data exports and deletes exactly one learner's data."""

from __future__ import annotations

import datetime as dt

import fsrs
from sqlmodel import Session, func, select
from streamlit.testing.v1 import AppTest

from db.engine import make_engine
from db.models import ImportedItemRow, ItemStateRow, LearnerRow, ReviewRow
from kb.exchange import import_csv
from kb.learners import learner_for_subject
from kb.quiz import get_or_create_learner, record_review
from tests.pages.conftest import texts
from tests.pages.test_pages import answer_current_question

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-test-cookie-secret-of-some-length",
    "client_id": "dl-notes-study",
    "client_secret": "test",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
NOW = dt.datetime.now(dt.UTC)


def reviews_by_learner(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with Session(engine) as session:
        rows = session.exec(
            select(LearnerRow.name, func.count(ReviewRow.id))
            .join(ReviewRow, ReviewRow.learner_id == LearnerRow.id, isouter=True)
            .group_by(LearnerRow.name)
        ).all()
    engine.dispose()
    return dict(rows)


def answer(url: str, learner_name: str | None = None, subject: str | None = None, n: int = 1) -> None:
    engine = make_engine(url)
    with Session(engine) as session:
        learner = (
            learner_for_subject(subject, learner_name or subject, session=session)
            if subject
            else get_or_create_learner(learner_name or "x", session=session)
        )
        for i in range(n):
            record_review(learner, f"yolo:{i}", "yolo", fsrs.Rating.Good, NOW - dt.timedelta(hours=i), session=session)
    engine.dispose()


def signed_in(at: AppTest, sub: str, name: str, **secrets: object) -> AppTest:
    at.secrets["auth"] = AUTH
    for key, value in secrets.items():
        at.secrets[key] = value
    at.user = {"is_logged_in": True, "sub": sub, "iss": "http://provider.test", "name": name}
    return at


def test_without_sign_in_nothing_is_preselected_the_pick_survives_other_pages_and_create_refuses_a_taken_name(
    app,
) -> None:
    at = app()
    answer(app.db_url, "Aaron")  # the alphabetically first profile, which a newcomer used to land in
    at.switch_page("pages/quiz.py")
    at.run()
    profile = next(s for s in at.selectbox if s.label == "Profile")
    assert profile.value is None and profile.options == ["Aaron"]
    assert "Create a profile" in at.info[0].value and not any(b.label == "Show answer" for b in at.button)

    next(t for t in at.text_input if t.label == "New profile").input("Aaron")
    next(b for b in at.button if b.label == "Create").click().run()
    assert "already exists" in at.error[0].value
    next(t for t in at.text_input if t.label == "New profile").input("Zoe")
    next(b for b in at.button if b.label == "Create").click().run()
    assert next(s for s in at.selectbox if s.label == "Profile").value == "Zoe"
    answer_current_question(at)

    for page in ("pages/progress.py", "pages/browse.py", "pages/quiz.py"):  # B1: the pick holds on every page
        at.query_params.clear()  # a sidebar link carries no ?learner=
        at.switch_page(page)
        at.run()
        assert not at.exception
    assert next(s for s in at.selectbox if s.label == "Profile").value == "Zoe"
    assert "profile Zoe" in texts(at)
    assert reviews_by_learner(app.db_url) == {"Aaron": 1, "Zoe": 1}  # Aaron's schedule untouched


def test_signed_in_learner_is_their_subject_and_cannot_act_as_anyone_else(app) -> None:
    at = app()
    answer(app.db_url, "Alice")  # a name-picked profile on the same database
    at = signed_in(at, "bob-sub", "Bob")
    at.query_params["learner"] = "Alice"  # a link naming someone else selects nothing
    at.switch_page("pages/quiz.py")
    at.run()
    assert not at.exception
    assert not [s for s in at.selectbox if s.label == "Profile"]
    assert not any(t.label == "New profile" for t in at.text_input)
    assert "as Bob (signed in)" in texts(at)
    answer_current_question(at)
    at.switch_page("pages/progress.py")
    at.run()
    assert {m.label: m.value for m in at.metric}["Reviews"] == "1"  # Bob's one answer, not Alice's
    engine = make_engine(app.db_url)
    with Session(engine) as session:
        bob = session.exec(select(LearnerRow).where(LearnerRow.subject == "http://provider.test bob-sub")).one()
        assert session.exec(select(ReviewRow.learner_id)).all().count(bob.id) == 1
    engine.dispose()
    assert reviews_by_learner(app.db_url) == {"Alice": 1, "Bob": 1}

    at.user = {"is_logged_in": False}  # signed out: every page stops at the sign-in screen
    for page in ("pages/progress.py", "pages/my_data.py"):
        at.switch_page(page)
        at.run()
        assert [b.label for b in at.button if b.label == "Sign in"] == ["Sign in"]
        assert not at.metric and "Reviews" not in texts(at)


def test_a_teacher_sees_the_class_in_aggregate_only(app) -> None:
    at = app()
    for n, name in enumerate(("Alice", "Bob"), start=1):
        answer(app.db_url, name, subject=f"sub-{name}", n=n)
    at = signed_in(at, "tess", "Tess", study={"teachers": ["tess"]})
    at.switch_page("pages/progress.py")
    at.run()
    assert "2 learner(s) have answered so far" in texts(at)  # too few for figures that hide who is who
    answer(app.db_url, "Carl", subject="sub-Carl", n=3)
    at.run()
    metrics = {m.label: m.value for m in at.metric if m.label in ("Learners", "Answers")}
    assert metrics == {"Learners": "3", "Answers": "6"}
    assert not any(name in texts(at) for name in ("Alice", "Bob", "Carl"))
    at = signed_in(at, "bob-other", "Eve")  # not a teacher
    at.run()
    assert "Your class" not in texts(at)


def test_my_data_exports_only_my_reviews_and_deletes_everything_of_mine(app) -> None:
    at = app()
    answer(app.db_url, "Ada", n=2)
    answer(app.db_url, "Ben", n=1)
    engine = make_engine(app.db_url)
    with Session(engine) as session:
        ada_id = session.exec(select(LearnerRow.id).where(LearnerRow.name == "Ada")).one()
        import_csv("card_id,question,answer\nyolo,Mine?,Yes\n", session=session, learner_id=ada_id)
    at.query_params["learner"] = "Ada"
    at.query_params["id"] = "yolo"
    at.switch_page("pages/card.py")  # Ada's import is on its card for her, at once
    at.run()
    assert any("Mine" in e.label for e in at.expander)
    at.switch_page("pages/my_data.py")
    at.run()
    assert not at.exception
    buttons = {d.proto.label: d for d in at.download_button}
    assert set(buttons) == {"All my answers (CSV)", "Everything (JSON)"}
    next(t for t in at.text_input if "to confirm" in t.label).input("Ada")
    next(b for b in at.button if b.label.startswith("Delete my profile")).click().run()
    assert not at.exception
    assert any("Deleted: 2 answers, 2 schedules, 1 imported items" in s.value for s in at.success)
    with Session(engine) as session:
        assert [lr.name for lr in session.exec(select(LearnerRow))] == ["Ben"]
        assert len(session.exec(select(ReviewRow)).all()) == 1  # Ben's
        assert not session.exec(select(ItemStateRow).where(ItemStateRow.learner_id == ada_id)).all()
        assert not session.exec(select(ImportedItemRow)).all()
    engine.dispose()
