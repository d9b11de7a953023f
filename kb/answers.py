"""Grading typed answers: forgiving about form (case, spacing, punctuation, plurals, one small typo in a long
word), strict about content (symbols that change meaning, digits, a different word).

No database and no Streamlit: the card validator uses the same normalisation to find give-away cloze items.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from typing import Literal

from rapidfuzz.distance import DamerauLevenshtein

_ARTICLES = re.compile(r"^(?:the|a|an)\s+")
_NOT_KEPT = re.compile(r"[^a-z0-9+#]+")  # '+' and '#' change meaning: C++ is not C, C# is not C
TYPO_MIN_LETTERS = 6  # a word of the expected answer must be at least this long to forgive a typo in it
MAX_TYPOS = 1  # edits (insert, delete, substitute, swap two neighbours) forgiven in one long word


def normalise_answer(text: str) -> str:
    """Lower-case, accents folded, punctuation and hyphens to spaces (but ``+`` and ``#`` kept, since "C++" and
    "C#" are not "C"), single spaces, no leading article, and a plural 's'/'es' dropped from each word, so
    "The Soft-Attention Maps." equals "soft attention map"."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = _NOT_KEPT.sub(" ", text.lower()).strip()
    text = _ARTICLES.sub("", text)
    words = []
    for w in text.split():
        if len(w) > 3 and w.endswith("ies"):
            w = w[:-3] + "y"
        elif len(w) > 4 and w.endswith(("ses", "xes", "ches", "shes")):
            w = w[:-2]
        elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        words.append(w)
    return " ".join(words)


def _close(given: str, expected: str) -> bool:
    """Equal, or equal but for one small typo in one long word: same number of words, every other word the
    same, and the differing word at least :data:`TYPO_MIN_LETTERS` letters, letters only (no digits or
    symbols, so "x86" never becomes "x87" and "C++" never "C+"), within one Damerau-Levenshtein edit."""
    if given == expected:
        return True
    a, b = given.split(), expected.split()
    if len(a) != len(b):
        return False
    differing = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    if len(differing) != 1:
        return False
    typed, wanted = differing[0]
    if len(wanted) < TYPO_MIN_LETTERS or not (typed.isalpha() and wanted.isalpha()):
        return False
    return bool(DamerauLevenshtein.distance(typed, wanted, score_cutoff=MAX_TYPOS) <= MAX_TYPOS)


def grade_cloze(answer: str, expected: str, accept: Iterable[str] = ()) -> bool:
    """True if ``answer`` matches the expected term or an accepted alternative, forgiving case, spacing,
    punctuation, hyphens, a leading article, plurals and one small typo in a long word (see :func:`_close`)."""
    given = normalise_answer(answer)
    if not given:
        return False
    return any(_close(given, normalise_answer(option)) for option in (expected, *accept))


Span = tuple[Literal["same", "wrong", "missing"], str]


def diff(typed: str, expected: str) -> list[Span]:
    """How a typed answer differs from the expected one, character by character (case ignored): runs of
    ("same", text), ("wrong", typed text that is not in the answer) and ("missing", answer text not typed), in
    reading order, as Anki shows a wrong typed answer."""
    matcher = difflib.SequenceMatcher(None, typed.strip().lower(), expected.strip().lower(), autojunk=False)
    typed, expected = typed.strip(), expected.strip()
    spans: list[Span] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            spans.append(("same", expected[j1:j2]))
            continue
        if i2 > i1:
            spans.append(("wrong", typed[i1:i2]))
        if j2 > j1:
            spans.append(("missing", expected[j1:j2]))
    return spans
