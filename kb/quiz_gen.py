"""Quiz items made from the cards themselves, besides the ones written in the card files: a multiple-choice
version of each question/answer item, whose distractors are the answers to questions of the cards most similar
to it, so they are plausible, never the same text as the right answer, and about as long as it.

A generated item obeys the rule the validator applies to written ones (:func:`kb.cards.mcq_imbalance`): a
candidate whose right option stands out by its length is not made. Generation is deterministic, so a generated
item keeps its id (and its schedule) until its text changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from kb.answers import normalise_answer
from kb.cards import Card, QuizItem, mcq_imbalance

LENGTH_RANGE = (0.6, 1.6)  # a distractor's length, as a multiple of the right answer's


def mcq_from_qa(card: Card, neighbours: Sequence[Card]) -> list[QuizItem]:
    """For each question/answer item of ``card``, a 4-option version whose wrong options are answers to
    questions of ``neighbours`` (the most similar cards first). Skipped if fewer than 3 distinct distractors."""
    items = []
    for item in card.quiz:
        if item.kind != "qa":
            continue
        seen = {normalise_answer(item.answer)}
        distractors: list[str] = []
        for other in neighbours:
            if other.id == card.id:
                continue
            for candidate in other.quiz:
                key = normalise_answer(candidate.answer)
                low, high = LENGTH_RANGE
                if (
                    candidate.kind == "qa"
                    and key not in seen
                    and low * len(item.answer) <= len(candidate.answer) <= high * len(item.answer)
                ):
                    distractors.append(candidate.answer)
                    seen.add(key)
                    break
            if len(distractors) == 3:
                break
        if len(distractors) < 3:
            continue
        options = sorted(
            [item.answer, *distractors], key=lambda o: hashlib.sha1(f"{item.prompt}\n{o}".encode()).hexdigest()
        )
        mcq = QuizItem(kind="mcq", prompt=item.prompt, answer=item.answer, options=tuple(options))
        if mcq_imbalance(mcq) is None:
            items.append(mcq)
    return items
