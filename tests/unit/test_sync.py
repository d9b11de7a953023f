"""Syncing content/ into the database: idempotent, precise, and never loses a card to a bad edit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import fsrs
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from db.engine import make_engine
from db.models import CardRow, CardTagRow, ItemStateRow, LearnerRow, PostRow, QuizItemRow, ReviewRow
from db.queries import content_version, list_cards, list_posts
from db.sync import sync_content
from kb.cards import load_content
from kb.quiz import get_or_create_learner, record_review
from tests.conftest import REAL_CONTENT, card_text, sqlite_only


@pytest.fixture
def engine(engine_url: str) -> Iterator[Engine]:
    eng = make_engine(engine_url)
    yield eng
    eng.dispose()


def sync(engine: Engine, root):
    with Session(engine) as session:
        return sync_content(load_content(root), session=session)


def snapshot(engine: Engine) -> dict[str, tuple]:
    with Session(engine) as session:
        return {r.id: (r.content_hash, r.synced_at) for r in session.exec(select(CardRow))}


def test_first_sync_adds_everything_and_second_changes_nothing(engine, content) -> None:
    content("alpha")
    content("beta", related="[alpha]")
    first = sync(engine, content.root)
    assert sorted(first.added) == ["alpha", "beta"] and first.posts_changed == 2
    before = snapshot(engine)
    second = sync(engine, content.root)
    assert not second.changed and second.unchanged == 2
    assert snapshot(engine) == before


def test_an_edited_card_is_updated_and_nothing_else_is_touched(engine, content) -> None:
    content("alpha")
    content("beta")
    sync(engine, content.root)
    before = snapshot(engine)
    content("beta", tags="[cnn, video]", explained="Changed text here. And a second one.")
    report = sync(engine, content.root)
    assert report.updated == ["beta"] and not report.added and not report.removed
    after = snapshot(engine)
    assert after["alpha"] == before["alpha"]
    assert after["beta"] != before["beta"]
    with Session(engine) as session:
        tags = sorted(t.tag for t in session.exec(select(CardTagRow).where(CardTagRow.card_id == "beta")))
    assert tags == ["cnn", "video"]


def test_a_deleted_card_is_removed_with_its_quiz_items(engine, content) -> None:
    content("alpha")
    path = content("beta")
    sync(engine, content.root)
    path.unlink()
    report = sync(engine, content.root)
    assert report.removed == ["beta"]
    with Session(engine) as session:
        assert session.get(CardRow, "beta") is None
        assert session.exec(select(QuizItemRow).where(QuizItemRow.card_id == "beta")).all() == []
        assert session.get(CardRow, "alpha") is not None


def test_a_card_broken_by_an_edit_keeps_its_last_good_version(engine, content) -> None:
    content("alpha")
    sync(engine, content.root)
    content("alpha", card_text("alpha").replace("quiz:", "quiz: [oops"))
    report = sync(engine, content.root)
    assert report.kept_broken == ["alpha"] and not report.removed
    with Session(engine) as session:
        assert session.get(CardRow, "alpha") is not None


def test_quiz_item_ids_survive_an_answer_edit(engine, content) -> None:
    content("alpha")
    sync(engine, content.root)
    with Session(engine) as session:
        ids_before = sorted(q.id for q in session.exec(select(QuizItemRow)))
    content("alpha", card_text("alpha").replace("It is a thing.", "It is a better answer."))
    sync(engine, content.root)
    with Session(engine) as session:
        rows = session.exec(select(QuizItemRow)).all()
    assert sorted(q.id for q in rows) == ids_before
    assert "It is a better answer." in {q.answer for q in rows}


def test_reading_back_gives_the_loaded_cards_in_study_order(engine, content) -> None:
    content("zeta", section="Basics")
    content("alpha", section="More")
    content("mid", folder="day-2", post="day-2", section="Other")
    sync(engine, content.root)
    loaded = {c.id: c for c in load_content(content.root).cards}
    with Session(engine) as session:
        cards = list_cards(session=session)
        posts = list_posts(session=session)
    assert [c.id for c in cards] == ["zeta", "alpha", "mid"]  # post order, then section order, then title
    assert [p.slug for p in posts] == ["day-1", "day-2"]
    for card in cards:
        assert card.content_hash == loaded[card.id].content_hash


def test_content_version_changes_only_when_something_changed(engine, content) -> None:
    content("alpha")
    sync(engine, content.root)
    with Session(engine) as session:
        v1 = content_version(session=session)
    sync(engine, content.root)
    with Session(engine) as session:
        assert content_version(session=session) == v1
    content("alpha", title="Renamed")
    sync(engine, content.root)
    with Session(engine) as session:
        assert content_version(session=session) != v1


def test_the_real_content_syncs_completely(engine) -> None:
    report = sync(engine, REAL_CONTENT)
    loaded = load_content(REAL_CONTENT)
    assert len(report.added) == len(loaded.cards)
    with Session(engine) as session:
        assert len(session.exec(select(PostRow)).all()) == 6
        assert len(session.exec(select(QuizItemRow)).all()) == sum(len(c.quiz) for c in loaded.cards)


@sqlite_only
def test_sqlite_file_uses_wal_and_a_busy_timeout(tmp_path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with eng.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    eng.dispose()


def test_database_url_overrides_the_default(monkeypatch, tmp_path) -> None:
    from db.engine import database_url

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    assert database_url().endswith("other.db")
    monkeypatch.delenv("DATABASE_URL")
    assert database_url().endswith("db/study.db")


def test_syncing_content_never_drops_review_history(engine, content) -> None:
    content("alpha")
    content("beta")
    sync(engine, content.root)
    now = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    with Session(engine) as session:
        ada = get_or_create_learner("Ada", session=session)
        item_ids = [q.id for q in session.exec(select(QuizItemRow).order_by(QuizItemRow.id))]
        for n, item_id in enumerate(item_ids):
            record_review(
                ada, item_id, item_id.split(":")[0], fsrs.Rating.Good, now + dt.timedelta(minutes=n), session=session
            )

    def history() -> tuple[list, list]:
        with Session(engine) as session:
            reviews = [
                (r.item_id, r.rating, r.state_after) for r in session.exec(select(ReviewRow).order_by(ReviewRow.id))
            ]
            states = [
                (s.item_id, s.state_json) for s in session.exec(select(ItemStateRow).order_by(ItemStateRow.item_id))
            ]
        return reviews, states

    before = history()
    assert len(before[0]) == len(item_ids) == 4
    content.root.joinpath("day-1", "beta.md").unlink()  # a card removed from content/
    content("alpha", card_text("alpha").replace("It is a thing.", "A reworded answer."))  # an item edited
    content("gamma")  # and one added
    report = sync(engine, content.root)
    assert report.removed == ["beta"] and report.updated == ["alpha"] and report.added == ["gamma"]
    assert history() == before  # every answer and schedule is still there, also for the removed card
    with Session(engine) as session:
        assert [lr.name for lr in session.exec(select(LearnerRow))] == ["Ada"]


def test_a_sync_never_deletes_an_import_it_parks_it_until_its_card_returns(engine, content) -> None:
    from kb.exchange import import_csv, learner_items

    content("alpha")
    beta = content("beta")
    sync(engine, content.root)
    with Session(engine) as session:
        ada = get_or_create_learner("Ada", session=session)
        import_csv("card_id,question,answer\nbeta,Mine?,Yes\n", session=session, learner_id=ada.id)
        record_review(
            ada, learner_items(ada.id, session=session)[0].item_id, "beta", fsrs.Rating.Good, T0, session=session
        )
    text = beta.read_text()
    beta.unlink()
    report = sync(engine, content.root)
    assert report.removed == ["beta"] and report.parked == 1 and "1 imported item(s) parked" in report.summary()
    beta.write_text(text)
    report = sync(engine, content.root)
    assert report.added == ["beta"] and report.parked == 0
    with Session(engine) as session:
        assert [i.prompt for i in learner_items(ada.id, session=session)] == ["Mine?"]
        assert len(session.exec(select(ReviewRow)).all()) == 1


def test_an_import_the_card_later_asks_word_for_word_does_not_block_a_sync(engine, content) -> None:
    from kb.exchange import import_csv, learner_items

    content("alpha")
    sync(engine, content.root)
    with Session(engine) as session:
        ada = get_or_create_learner("Ada", session=session)
        import_csv("card_id,question,answer\nalpha,Why alpha?,Because\n", session=session, learner_id=ada.id)
    quiz = (
        "quiz:\n  - {type: qa, question: 'Why alpha?', answer: 'Because.'}\n"
        "  - {type: cloze, text: 'A {{c1::thing}}.'}\n"
    )
    content("alpha", card_text("alpha", quiz=quiz, title="Alpha renamed"))
    report = sync(engine, content.root)
    assert report.updated == ["alpha"]
    with Session(engine) as session:
        assert session.get(CardRow, "alpha").title == "Alpha renamed"  # later edits still get through
        card_item = session.exec(select(QuizItemRow.id).where(QuizItemRow.kind == "qa")).one()
        assert [i.item_id for i in learner_items(ada.id, session=session)] == [card_item]  # same id: one item


def test_a_sync_that_would_remove_more_than_a_few_cards_refuses_without_force(engine, content) -> None:
    from db.sync import MAX_REMOVALS, SyncRefused

    paths = [content(f"card-{i}") for i in range(MAX_REMOVALS + 2)]
    sync(engine, content.root)
    for path in paths[1:]:
        path.unlink()
    before = snapshot(engine)
    with pytest.raises(SyncRefused, match=rf"remove {MAX_REMOVALS + 1} of the {MAX_REMOVALS + 2} cards"):
        sync(engine, content.root)
    assert snapshot(engine) == before  # nothing changed
    paths[0].unlink()  # an empty content folder: every card would go
    with pytest.raises(SyncRefused, match="--force"):
        sync(engine, content.root)
    with Session(engine) as session:
        report = sync_content(load_content(content.root), session=session, force=True)
    assert len(report.removed) == MAX_REMOVALS + 2 and snapshot(engine) == {}


T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
