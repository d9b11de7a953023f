"""The words that keyword search indexes, exactly as SQLite's FTS5 ``porter unicode61`` tokenizer makes them.

SQLite does this inside FTS5. PostgreSQL gets the same terms from this module (its own parsers and Snowball
stemmers split and stem differently), so a keyword query ranks the cards identically on both engines. The
tests compare every term of the real content, and random words, against SQLite itself.

Tokenizing (``unicode61``, default options): a token is a run of letters, digits and private-use characters;
everything else separates tokens. Tokens are case-folded and lose their diacritics.

Stemming (``porter``): M. F. Porter's 1980 algorithm as FTS5 implements it, on the token's UTF-8 bytes. Tokens
shorter than 3 or longer than 64 bytes are kept as they are.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Iterator

MAX_STEM_BYTES = 64  # FTS5 passes longer tokens through unstemmed
MIN_STEM_BYTES = 3  # ... and shorter ones


# --------------------------------------------------------------------------------------------- tokenizing


def _is_token_char(ch: str) -> bool:
    if ch.isascii():
        return ch.isalnum()
    category = unicodedata.category(ch)
    return category[0] in "LN" or category == "Co"


@functools.lru_cache(maxsize=4096)
def _fold(ch: str) -> str:
    """Lower-case ``ch`` and drop its diacritics (what unicode61's remove_diacritics=1 does for Latin)."""
    if ch.isascii():
        return ch.lower()
    lower = ch.lower()
    base = "".join(c for c in unicodedata.normalize("NFD", lower) if not unicodedata.combining(c))
    return base if len(base) == 1 else lower


def raw_tokens(text: str) -> Iterator[str]:
    """The case-folded unicode61 tokens of ``text``, in order."""
    current: list[str] = []
    for ch in text:
        if _is_token_char(ch):
            current.append(_fold(ch))
        elif unicodedata.combining(ch) and current:
            continue  # a combining mark after a letter folds away with the diacritic
        elif current:
            yield "".join(current)
            current = []
    if current:
        yield "".join(current)


# --------------------------------------------------------------------------------------------- stemming
#
# The stemmer follows Porter's paper. A word is read as [C](VC){m}[V]: runs of consonants C and vowels V;
# ``m`` is the number of VC pairs. 'y' is a vowel when it follows a consonant (FTS5's *v* test, below, counts
# any 'y' after the first letter as a vowel).


def _vowel(word: str, i: int, prev_consonant: bool) -> bool:
    ch = word[i]
    return ch in "aeiou" or (ch == "y" and prev_consonant)


def _consonants(stem: str) -> list[bool]:
    out: list[bool] = []
    prev = False  # before the first letter: as if after a vowel, so a leading 'y' is a consonant
    for i in range(len(stem)):
        prev = not _vowel(stem, i, prev)
        out.append(prev)
    return out


def _measure(stem: str) -> int:
    """Porter's m: the number of vowel-consonant pairs in ``stem``."""
    m, seen_vowel = 0, False
    for consonant in _consonants(stem):
        if not consonant:
            seen_vowel = True
        elif seen_vowel:
            m, seen_vowel = m + 1, False
    return m


def _has_vowel(stem: str) -> bool:
    """FTS5's *v*: a vowel, where 'y' counts as one anywhere but at the start."""
    return any(ch in "aeiou" or (ch == "y" and i > 0) for i, ch in enumerate(stem))


def _cvc(stem: str) -> bool:
    """*o: the stem ends consonant-vowel-consonant, the last consonant not w, x or y."""
    if not stem or stem[-1] in "wxy":
        return False
    kinds = _consonants(stem)
    return len(kinds) >= 3 and kinds[-3:] == [True, False, True]


def _m_gt0(stem: str) -> bool:
    return _measure(stem) > 0


def _m_gt1(stem: str) -> bool:
    return _measure(stem) > 1


def _m_gt1_s_or_t(stem: str) -> bool:
    return stem[-1:] in ("s", "t") and _m_gt1(stem)


Rule = tuple[str, str, Callable[[str], bool]]  # (suffix, replacement, condition on the stem)

# Steps 2 to 4: the rules are tried in this order among those whose suffix has the word's second-to-last
# letter in the same place; the first suffix that ends the word decides, and if its condition fails the word
# stays as it is (a word ending in "ement" never falls through to "ment").
_STEP2: list[Rule] = [
    ("ational", "ate", _m_gt0),
    ("tional", "tion", _m_gt0),
    ("enci", "ence", _m_gt0),
    ("anci", "ance", _m_gt0),
    ("izer", "ize", _m_gt0),
    ("logi", "log", _m_gt0),
    ("bli", "ble", _m_gt0),
    ("alli", "al", _m_gt0),
    ("entli", "ent", _m_gt0),
    ("eli", "e", _m_gt0),
    ("ousli", "ous", _m_gt0),
    ("ization", "ize", _m_gt0),
    ("ation", "ate", _m_gt0),
    ("ator", "ate", _m_gt0),
    ("alism", "al", _m_gt0),
    ("iveness", "ive", _m_gt0),
    ("fulness", "ful", _m_gt0),
    ("ousness", "ous", _m_gt0),
    ("aliti", "al", _m_gt0),
    ("iviti", "ive", _m_gt0),
    ("biliti", "ble", _m_gt0),
]
_STEP3: list[Rule] = [
    ("icate", "ic", _m_gt0),
    ("ative", "", _m_gt0),
    ("alize", "al", _m_gt0),
    ("iciti", "ic", _m_gt0),
    ("ical", "ic", _m_gt0),
    ("ful", "", _m_gt0),
    ("ness", "", _m_gt0),
]
_STEP4: list[Rule] = [
    (suffix, "", _m_gt1_s_or_t if suffix == "ion" else _m_gt1)
    for suffix in ("al ance ence er ic able ible ant ement ment ent ion ou ism ate iti ous ive ize".split())
]


def _step1a(w: str) -> str:
    if (w.endswith("sses") and len(w) > 4) or (w.endswith("ies") and len(w) > 3):
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss") and len(w) > 1:
        return w[:-1]
    return w


def _step1b(w: str) -> str:
    if len(w) > 3 and w.endswith("eed"):
        return w[:-1] if _m_gt0(w[:-3]) else w
    for suffix in ("ed", "ing"):
        if len(w) > len(suffix) and w.endswith(suffix):
            stem = w[: -len(suffix)]
            if not _has_vowel(stem):
                return w
            for end, add in (("at", "e"), ("bl", "e"), ("iz", "e")):
                if len(stem) > 2 and stem.endswith(end):
                    return stem + add
            last = stem[-1]
            if last not in "aeioulsz" and len(stem) > 1 and last == stem[-2]:
                return stem[:-1]
            if _measure(stem) == 1 and _cvc(stem):
                return stem + "e"
            return stem
    return w


def _step5(w: str) -> str:
    if w.endswith("e"):
        stem = w[:-1]
        m = _measure(stem)
        if m > 1 or (m == 1 and not _cvc(stem)):
            w = stem
    if len(w) > 1 and w.endswith("ll") and _m_gt1(w[:-1]):
        w = w[:-1]
    return w


def _suffix_step(w: str, rules: list[Rule]) -> str:
    # FTS5 dispatches on the word's second-to-last letter and tries that group's suffixes in order.
    for suffix, replacement, condition in rules:
        if suffix[-2] != w[-2:-1]:
            continue
        if len(w) > len(suffix) and w.endswith(suffix):
            stem = w[: -len(suffix)]
            return stem + replacement if condition(stem) else w
    return w


@functools.lru_cache(maxsize=65_536)
def stem(token: str) -> str:
    """The Porter stem of one folded token, as FTS5's porter tokenizer gives it."""
    raw = token.encode()
    if not MIN_STEM_BYTES <= len(raw) <= MAX_STEM_BYTES:
        return token
    # FTS5 stems bytes: one latin-1 character per UTF-8 byte reproduces that exactly (every rule looks at
    # ASCII letters only, and a non-ASCII byte counts as a consonant).
    w = _step1a(raw.decode("latin-1"))
    w = _step1b(w)
    if w.endswith("y") and _has_vowel(w[:-1]):
        w = w[:-1] + "i"
    w = _suffix_step(w, _STEP2)
    w = _suffix_step(w, _STEP3)
    w = _suffix_step(w, _STEP4)
    return _step5(w).encode("latin-1").decode()


def tokens(text: str) -> list[str]:
    """The stemmed tokens of ``text`` in order: what FTS5 stores for it."""
    return [stem(t) for t in raw_tokens(text)]
