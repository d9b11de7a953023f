"""Generated quiz items: cloze from key terms, multiple choice with distractors from similar cards."""

from __future__ import annotations

import pytest

from kb.answers import grade_cloze, normalise_answer
from kb.cards import CLOZE_RE, Card, QuizItem, load_content
from kb.quiz_gen import cloze_from_notes, key_terms, mcq_from_qa
from tests.conftest import REAL_CONTENT

CARDS = {c.id: c for c in load_content(REAL_CONTENT).cards}


@pytest.mark.parametrize(
    ("title", "terms"),
    [
        ("Non-max suppression (NMS)", ["NMS", "Non-max suppression"]),
        ("Intersection over union (IoU)", ["IoU", "Intersection over union"]),
        ("Pooling (max and average)", ["Pooling"]),
        ("Torch (Lua)", ["Torch"]),
        ("Caffe's building blocks: blobs, layers, nets, solvers", ["Caffe's building blocks"]),
    ],
)
def test_key_terms(title: str, terms: list[str]) -> None:
    assert key_terms(title) == terms


def test_cloze_blanks_the_defined_term_and_accepts_its_other_name() -> None:
    [item] = cloze_from_notes(CARDS["non-max-suppression"])
    assert item.kind == "cloze" and item.answer == "NMS" and len(CLOZE_RE.findall(item.prompt)) == 1
    assert "NMS" not in CLOZE_RE.sub("", item.prompt)  # the answer is not visible elsewhere
    assert grade_cloze("non-max suppression", item.answer, item.accept)


def test_no_cloze_when_the_term_only_sits_in_a_list() -> None:
    card = Card(
        id="adadelta",
        title="AdaDelta",
        post_slug="p",
        section="s",
        tags=("t",),
        related=(),
        notes="- Optimizers - SGD, AdaGrad, AdaDelta, RMSProp",
        explained="E. F.",
        quiz=(),
    )
    assert cloze_from_notes(card) == []


def test_generated_cloze_items_are_a_fair_few_and_all_well_formed() -> None:
    generated = [i for c in CARDS.values() for i in cloze_from_notes(c)]
    assert len(generated) >= 10
    assert all(len(CLOZE_RE.findall(i.prompt)) == 1 and i.answer for i in generated)


def test_mcq_distractors_come_from_neighbours_and_never_repeat_the_answer() -> None:
    card = CARDS["non-max-suppression"]
    neighbours = [CARDS[i] for i in ("intersection-over-union", "sliding-windows", "yolo", "ssd", "faster-rcnn")]
    items = mcq_from_qa(card, neighbours)
    qa = [q for q in card.quiz if q.kind == "qa"]
    assert len(items) == len(qa)
    for item in items:
        assert item.kind == "mcq" and len(item.options) == 4 and item.answer in item.options
        assert len({normalise_answer(o) for o in item.options}) == 4
        neighbour_answers = {q.answer for c in neighbours for q in c.quiz}
        assert set(item.options) - {item.answer} <= neighbour_answers
    assert mcq_from_qa(card, neighbours) == items  # deterministic: same ids, same schedule


def test_no_mcq_without_enough_distinct_distractors() -> None:
    card = CARDS["non-max-suppression"]
    twin = Card(
        id="twin",
        title="Twin",
        post_slug="p",
        section="s",
        tags=("t",),
        related=(),
        notes="- n",
        explained="E. F.",
        quiz=tuple(QuizItem("qa", f"Q{i}?", q.answer) for i, q in enumerate(card.quiz)),
    )
    assert mcq_from_qa(card, [twin]) == []
