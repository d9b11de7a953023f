"""Generated quiz items: multiple choice with distractors from similar cards, balanced like written ones."""

from __future__ import annotations

from kb.answers import normalise_answer
from kb.cards import Card, QuizItem, load_content, mcq_imbalance
from kb.quiz_gen import LENGTH_RANGE, mcq_from_qa
from tests.conftest import REAL_CONTENT

CARDS = {c.id: c for c in load_content(REAL_CONTENT).cards}


def card(card_id: str, *quiz: QuizItem) -> Card:
    return Card(
        id=card_id,
        title=card_id,
        post_slug="p",
        section="s",
        tags=("t",),
        related=(),
        notes="- n",
        explained="E.",
        quiz=quiz,
    )


def test_mcq_distractors_come_from_neighbours_and_never_repeat_the_answer() -> None:
    nms = CARDS["non-max-suppression"]
    neighbours = [
        CARDS[i] for i in ("intersection-over-union", "sliding-windows", "yolo", "ssd", "faster-rcnn", "rcnn")
    ]
    items = mcq_from_qa(nms, neighbours)
    assert items, "NMS has a question/answer item and six detection neighbours"
    neighbour_answers = {q.answer for c in neighbours for q in c.quiz}
    for item in items:
        assert item.kind == "mcq" and len(item.options) == 4 and item.answer in item.options
        assert len({normalise_answer(o) for o in item.options}) == 4
        assert set(item.options) - {item.answer} <= neighbour_answers
    assert mcq_from_qa(nms, neighbours) == items  # deterministic: same ids, same schedule


def test_distractors_are_about_as_long_as_the_answer() -> None:
    short = QuizItem("qa", "Q?", "A short right answer here")
    pool = [
        card(f"n{i}", QuizItem("qa", f"Q{i}?", text))
        for i, text in enumerate(
            [
                "x" * 200,
                "A wrong answer of similar size",
                "Another wrong one, similar",
                "Third wrong, also similar",
                "y",
            ]
        )
    ]
    [item] = mcq_from_qa(card("c", short), pool)
    low, high = LENGTH_RANGE
    assert all(low * len(short.answer) <= len(o) <= high * len(short.answer) for o in item.options)
    assert "x" * 200 not in item.options and "y" not in item.options


def test_generated_mcqs_of_the_real_cards_are_balanced() -> None:
    cards = list(CARDS.values())
    made = [
        m for c in cards for m in mcq_from_qa(c, [o for o in cards if o.id != c.id and set(o.tags) & set(c.tags)][:12])
    ]
    assert len(made) >= 50
    assert all(mcq_imbalance(m) is None for m in made)


def test_no_mcq_without_enough_distinct_distractors() -> None:
    nms = CARDS["non-max-suppression"]
    twin = card("twin", *(QuizItem("qa", f"Q{i}?", q.answer) for i, q in enumerate(nms.quiz)))
    assert mcq_from_qa(nms, [twin]) == []
