"""Computed questions: the types every template shares.

A :class:`Template` is one quiz item whose numbers are drawn fresh each time from a seeded ``random.Random``;
its ``make`` function returns an :class:`Instance` (the question, the answer computed by the project's own code
or by ``torch``, how it was computed, and an optional figure). The scheduler treats a template as one item with a
stable id, whatever numbers it shows.

Plain Python: nothing here imports torch. Templates import torch inside ``make`` only, so listing them (the quiz's
item count, say) costs nothing.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$")
_INFINITY = {"inf", "+inf", "infinity", "+infinity", "∞", "+∞"}


# ------------------------------------------------------------------------------------------------ answers


def parse_number(text: str) -> float | None:
    """A typed number, or None: "1,024", "1 024", "0.33", ".5", "1/3", "6e-8", "-2", "inf" (or "∞").
    Thousands separators and spaces are ignored; a trailing unit word or "%" is not accepted."""
    clean = text.strip().lower().replace(",", "").replace("_", "").replace(" ", "").replace("−", "-")
    if clean in _INFINITY:
        return math.inf
    if clean in {"-inf", "-infinity", "-∞"}:
        return -math.inf
    if "/" in clean:
        top, _, bottom = clean.partition("/")
        if _NUMBER.match(top) and _NUMBER.match(bottom) and float(bottom) != 0:
            return float(Fraction(top) / Fraction(bottom))
        return None
    return float(clean) if _NUMBER.match(clean) else None


@dataclass(frozen=True)
class NumberAnswer:
    """A number, right within ``max(tol, rel * |value|)``; shown with ``digits`` decimals (0: an integer)."""

    value: float
    digits: int = 0
    tol: float = 0.0  # absolute tolerance
    rel: float = 0.0  # relative tolerance

    def grade(self, typed: str) -> bool:
        given = parse_number(typed)
        if given is None:
            return False
        if math.isinf(self.value) or math.isinf(given):
            return given == self.value
        return abs(given - self.value) <= max(self.tol, self.rel * abs(self.value)) + 1e-12

    @property
    def shown(self) -> str:
        if math.isinf(self.value):
            return "inf" if self.value > 0 else "-inf"
        if float(self.value).is_integer() and (self.digits == 0 or self.value == 0):
            return f"{int(self.value):,}"
        if self.rel or abs(self.value) < 10 ** (-self.digits):
            return f"{self.value:.3g}"
        return f"{self.value:,.{self.digits}f}"

    @property
    def how_to_type(self) -> str:
        if self.rel:
            return f"Type a number; within {self.rel:.0%} counts as right."
        if self.tol:
            return f"Type a number; within ±{self.tol:g} counts as right."
        return "Type a whole number."


@dataclass(frozen=True)
class LettersAnswer:
    """A set of labelled things (the boxes NMS keeps, say), typed as letters in any order: "A C" or "a,c"."""

    letters: frozenset[str]

    def grade(self, typed: str) -> bool:
        given = {ch for ch in typed.upper() if ch.isalpha()}
        return bool(given) and given == set(self.letters)

    @property
    def shown(self) -> str:
        return " ".join(sorted(self.letters))

    @property
    def how_to_type(self) -> str:
        return "Type the letters, in any order (e.g. A C)."


Answer = NumberAnswer | LettersAnswer


# ------------------------------------------------------------------------------------------------ figures


@dataclass(frozen=True)
class BoxesFigure:
    """Boxes (x1, y1, x2, y2) on a ``width`` x ``height`` canvas, y downwards, each with a letter and a score."""

    width: float
    height: float
    boxes: tuple[tuple[float, float, float, float], ...]
    labels: tuple[str, ...]
    scores: tuple[float, ...] = ()
    caption: str = ""


@dataclass(frozen=True)
class LayersFigure:
    """A stack of layers from input to output: each a short name ("3×3 conv") and a detail ("stride 2")."""

    layers: tuple[tuple[str, str], ...]
    caption: str = ""


@dataclass(frozen=True)
class BarsFigure:
    """Bars with their labels and values (logits, probabilities, scores)."""

    labels: tuple[str, ...]
    values: tuple[float, ...]
    axis: str = ""
    caption: str = ""


@dataclass(frozen=True)
class CurveFigure:
    """A curve sampled at ``xs`` with marked points (x, y, label): a loss and where the weight is, say."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    points: tuple[tuple[float, float, str], ...] = ()
    x_title: str = "w"
    y_title: str = "loss"
    caption: str = ""


Figure = BoxesFigure | LayersFigure | BarsFigure | CurveFigure


# ------------------------------------------------------------------------------------------------ templates


@dataclass(frozen=True)
class Instance:
    """One draw of a template: what to ask, the right answer, and how the project computed it."""

    prompt: str
    answer: Answer
    explanation: str  # shown after the answer: the computation, in a sentence or two
    computed_by: str  # "module:function" (or the torch call) that produced the answer
    figure: Figure | None = None
    params: Mapping[str, Any] = field(default_factory=dict)  # the numbers drawn, for checks against other code


@dataclass(frozen=True)
class Template:
    """A computed question. ``cards``: the cards it belongs to, in order of preference (the first that exists
    owns the item). ``lab``: the lab that shows it, when one is named for it; otherwise the labs of its card."""

    id: str
    cards: tuple[str, ...]
    title: str  # what it asks, in a few words, e.g. "Receptive field of a stack of 3×3 convolutions"
    make: Callable[[random.Random], Instance] = field(repr=False)
    lab: str | None = None

    def instance(self, seed: int) -> Instance:
        """The instance drawn with ``seed``: the same seed always gives the same numbers."""
        return self.make(random.Random(seed))
