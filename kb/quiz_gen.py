"""Quiz items made from the cards themselves, besides the ones written in the card files.

- Cloze items from key terms: the concept a card is named after (its title, or the acronym in brackets) is
  blanked out of one of the author's own note bullets that uses it.
- Multiple-choice items from question/answer items: the distractors are the answers to questions of the cards
  most similar by embedding, so they are plausible, and never the same text as the right answer.

Both are deterministic, so a generated item keeps its id (and its schedule) until its text changes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from kb.answers import normalise_answer
from kb.cards import Card, QuizItem

MIN_WORDS, MAX_WORDS = 5, 40


def key_terms(title: str) -> list[str]:
    """ "Non-max suppression (NMS)" -> ["NMS", "Non-max suppression"]; "Caffe" -> ["Caffe"]."""
    terms = [m for m in re.findall(r"\(([A-Za-z0-9-]{2,10})\)", title) if sum(ch.isupper() for ch in m) >= 2]
    head = re.sub(r"\s*\([^()]*\)", "", title).split(":")[0].strip()
    if 1 <= len(head.split()) <= 4:
        terms.append(head)
    return [t for t in terms if len(t) >= 2 and not t.lower().startswith(("and ", "the "))]


def cloze_from_notes(card: Card) -> list[QuizItem]:
    """At most one cloze item: the first note bullet that defines the card's key term ("Term - what it is") or
    gives its acronym ("Long name (ACRONYM) - ..."), with the term blanked out."""
    terms = key_terms(card.title)
    for bullet in card.note_bullets:
        plain = re.sub(r"`([^`]*)`", r"\1", bullet).strip()
        if not MIN_WORDS <= len(plain.split()) <= MAX_WORDS or "{" in plain or "}" in plain:
            continue
        for term in terms:
            match = re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", plain, re.IGNORECASE)
            if match is None:
                continue
            rest = (plain[: match.start()] + plain[match.end() :]).strip(" -:,.")
            if len(rest.split()) < 3:
                continue  # the bullet is little more than the term itself
            if re.search(rf"(?<![\w-]){re.escape(term)}", rest, re.IGNORECASE):
                continue  # the answer would still be visible in the question
            before, after = plain[: match.start()].rstrip(), plain[match.end() :]
            defines = before == "" and re.match(r"\s*(?:-|:|\()", after) is not None
            names_acronym = before.endswith("(") and after.startswith(")")
            if not (defines or names_acronym):
                continue  # only "Term - definition" bullets make fair questions, not a term inside a list
            text = f"{plain[: match.start()]}{{{{c1::{match.group(0)}}}}}{plain[match.end() :]}"
            others = tuple(t for t in terms if normalise_answer(t) != normalise_answer(match.group(0)))
            return [QuizItem(kind="cloze", prompt=text, answer=match.group(0), accept=others)]
    return []


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
                if candidate.kind == "qa" and key not in seen and len(candidate.answer) <= 3 * len(item.answer) + 80:
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
        items.append(QuizItem(kind="mcq", prompt=item.prompt, answer=item.answer, options=tuple(options)))
    return items
