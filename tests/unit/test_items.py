"""The quiz's items, defined once: origins, order, trivia, siblings kept apart, a 20-item session that mixes
written and computed items, and the "matching words" scope through the search engine."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import fsrs
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.engine import make_engine
from demos.questions import TEMPLATES
from kb.cards import QuizItem, load_content
from kb.items import COMPUTED_PREFIX, build_items, pick_next, spread, with_imported
from kb.quiz import due_queue, get_or_create_learner, record_review, update_settings
from kb.similar import Ranker, cosine_from
from tests.conftest import REAL_CONTENT

CARDS = load_content(REAL_CONTENT).cards
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def engine(engine_url: str) -> Iterator[Engine]:
    eng = make_engine(engine_url)
    yield eng
    eng.dispose()


def curated_items():  # type: ignore[no-untyped-def]
    ranker = Ranker({c.id: c for c in CARDS}, cosine_from(None, len(CARDS)))
    return build_items(CARDS, neighbours=lambda i: [c for c, _ in ranker.similar(i, 12)])


def test_every_origin_is_in_one_set_in_study_order() -> None:
    mine = QuizItem("qa", "What is my own question?", "Mine.")
    items = build_items(CARDS, imported=[("yolo:mine", "yolo", mine), ("no-such-card:mine", "no-such-card", mine)])
    counts = items.counts()
    assert counts["authored"] == sum(len(c.quiz) for c in CARDS if "trivia" not in c.tags)
    assert counts["imported"] == 1 and counts["generated"] == 0  # no neighbours: no generated MCQs
    assert counts["computed"] == len(TEMPLATES) and len(items) == sum(counts.values())
    order = [e.card.id for e in items]
    assert order == sorted(order, key=[c.id for c in CARDS].index)  # cards in study order
    yolo = [e.origin for e in items if e.card.id == "yolo"]
    assert yolo == sorted(yolo, key=["authored", "computed", "generated", "imported"].index)
    assert items[f"{COMPUTED_PREFIX}nms-which"].card.id == "non-max-suppression"
    assert items["yolo:mine"].origin == "imported"  # an import keeps the id it was stored under
    later = with_imported(build_items(CARDS), [("yolo:mine", "yolo", mine), ("no-such-card:mine", "nope", mine)])
    assert list(later.entries) == list(items.entries)  # added to a built set: the same place, the same ids


def test_trivia_is_out_of_the_default_pool() -> None:
    items = build_items(CARDS, computed=False)
    blog = {e.id for e in items if "trivia" in e.card.tags}
    assert blog and not blog & set(items.ids()) and blog <= set(items.ids(trivia=True))
    assert [e.id for e in items.pool()] == items.ids() and len(items) == len(items.ids())


def test_generated_items_need_neighbours_and_keep_their_ids() -> None:
    items = curated_items()
    generated = items.ids(origins=["generated"])
    assert len(generated) > 50 and generated == curated_items().ids(origins=["generated"])


def test_pick_next_keeps_siblings_apart() -> None:
    items = build_items(CARDS)
    yolo = items.ids(cards=["yolo"])
    ssd = items.ids(cards=["ssd"])
    assert pick_next([*yolo, *ssd], ["yolo"], items) == ssd[0]
    assert pick_next([*yolo, *ssd], ["ssd", "yolo"], items) == ssd[0]  # both recent: not the very last card
    assert pick_next(yolo, ["yolo"], items) == yolo[0]  # nothing else left: ask it anyway
    assert pick_next([], ["yolo"], items) is None


def test_spread_keeps_a_cards_items_apart_within_a_few_cards() -> None:
    items = build_items(CARDS)
    order = spread(items.ids(), items, window=5)
    assert sorted(order) == sorted(items.ids())
    first_cards = [items[i].card.id for i in order[:5]]
    assert len(set(first_cards)) == 5  # five different cards first
    assert first_cards == list(dict.fromkeys(items[i].card.id for i in items.ids()))[:5]


def test_a_twenty_item_session_mixes_written_and_computed_items_with_no_repeat(engine) -> None:
    items = curated_items()
    scope = spread(items.ids(), items)
    with Session(engine) as session:
        ada = get_or_create_learner("Ada", session=session)
        ada = update_settings(ada.id, desired_retention=0.9, new_per_day=20, session=session)
        asked, cards, now = [], [], T0
        for _ in range(20):
            item_id = pick_next(due_queue(ada, scope, now, session=session), cards, items)
            assert item_id is not None
            record_review(ada, item_id, items[item_id].card.id, fsrs.Rating.Good, now, session=session)
            asked.append(item_id)
            cards.append(items[item_id].card.id)
            now += dt.timedelta(seconds=20)
    assert len(set(asked)) == 20
    assert {items[i].origin for i in asked} >= {"authored", "computed"}
    assert all(a != b for a, b in itertools.pairwise(cards))


def test_the_matching_words_scope_finds_what_the_words_mean(indexed_db, minilm) -> None:
    from db.queries import list_cards
    from kb.items import matching_cards
    from kb.search import SemanticIndex

    engine = make_engine(f"sqlite:///{indexed_db}")
    with Session(engine) as session:
        cards = {c.id: c for c in list_cards(session=session)}
        index = SemanticIndex.load(minilm.name, session=session)
        found = matching_cards("optimiser", cards=cards, session=session, index=index, embedder=minilm)
        nothing = matching_cards("asdkjh qwpoe zzxc", cards=cards, session=session, index=index, embedder=minilm)
    engine.dispose()
    assert {"adam", "rmsprop", "adagrad", "adadelta", "momentum"} <= set(found)
    assert "im2col" not in found and "theano" not in found
    assert nothing == []
