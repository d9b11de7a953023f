"""Optimisers racing on a 2-D surface: trajectories, steps to the minimum, and each rule's best learning rate.

Everything here is numpy in float64 (no torch): one race of 7 rules x 200 steps takes a few milliseconds, and
:func:`paths` runs a whole grid of learning rates at once (the rules broadcast over a leading batch axis).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from demos.optim.rules import RULES, check_hyper, check_rule
from demos.optim.surfaces import Surface, check_surface

BLOW_UP = 1e6  # a run whose parameters leave this box has diverged; it stays NaN from then on
MAX_STEPS = 10_000


def paths(
    rule: str,
    surface: str | Surface,
    start: Sequence[float],
    steps: int,
    lrs: Sequence[float] | np.ndarray,
    **hyper: Any,
) -> np.ndarray:
    """Run ``rule`` from ``start`` for ``steps`` steps at each learning rate of ``lrs (K,)`` at once.

    Returns ``(K, steps + 1, 2)`` float64: row k is the path at ``lrs[k]``, starting with ``start``. A run that
    diverges (non-finite, or beyond 1e6 from the origin) is NaN from that step on.
    """
    fn = check_rule(rule)
    check_hyper(rule, hyper)
    surf = check_surface(surface)
    if not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be between 0 and {MAX_STEPS}, got {steps}")
    rates = np.asarray(lrs, dtype=np.float64).reshape(-1, 1)  # (K, 1)
    if not np.all(np.isfinite(rates)) or np.any(rates < 0):
        raise ValueError("learning rates must be finite and non-negative")
    if len(start) != 2:
        raise ValueError(f"start must be a point (x, y), got {start!r}")
    out = np.empty((len(rates), steps + 1, 2))  # (K, S + 1, 2)
    p = np.tile(np.asarray(start, dtype=np.float64), (len(rates), 1))  # (K, 2)
    out[:, 0] = p
    state: dict[str, Any] = {}
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            p, state = fn(p, surf.grad(p), state, rates, **hyper)
            out[:, t] = p
        gone = ~(np.abs(out) < BLOW_UP).all(axis=-1)  # (K, S + 1): NaN, inf or far out
    out[np.cumsum(gone, axis=1) > 0] = np.nan  # diverged runs stay NaN from their first bad step
    return out


def trajectory(
    rule: str, surface: str | Surface, start: Sequence[float], steps: int, lr: float, **hyper: Any
) -> np.ndarray:
    """The path of one rule: ``(steps + 1, 2)`` float64, ``start`` first; NaN after a divergence.

    ``rule`` is a key of ``RULES``, ``surface`` a key of ``SURFACES`` (or a :class:`Surface`, e.g.
    ``SURFACES["quadratic"].using(condition=100)``), hyper-parameters as ``torch.optim`` names them.
    """
    if not lr >= 0:
        raise ValueError(f"lr must be non-negative, got {lr}")
    return paths(rule, surface, start, steps, [lr], **hyper)[0]


def losses(surface: str | Surface, path: np.ndarray) -> np.ndarray:
    """Loss above the minimum along ``path (..., 2)`` -> ``(...)`` (NaN where the path is)."""
    with np.errstate(all="ignore"):
        return np.asarray(check_surface(surface).gap(path))


def steps_to_minimum(surface: str | Surface, path: np.ndarray) -> np.ndarray:
    """First step at which the loss is within the surface's ``tol`` of its minimum, for paths ``(..., S + 1, 2)``
    -> ``(...)`` int; -1 where it never gets there."""
    surf = check_surface(surface)
    near = np.nan_to_num(losses(surf, path), nan=np.inf) < surf.tol  # (..., S + 1)
    return np.where(near.any(axis=-1), near.argmax(axis=-1), -1)


GRID_STEP = 2.0**0.5  # learning rates are tried a factor sqrt(2) apart
GRID: np.ndarray = GRID_STEP ** np.arange(-34, 13)  # 2^-17 (7.6e-6) .. 2^6 (64)
SEARCH = (6, len(GRID) - 6)  # tuned rates come from GRID[6:-6], so six steps either way stay on the grid
MULTIPLIERS: tuple[float, ...] = tuple(float(2.0**e) for e in range(-3, 4))  # 1/8, 1/4, .. 8


def in_arena(surface: Surface, path: np.ndarray) -> np.ndarray:
    """Whether paths ``(..., S + 1, 2)`` stay finite and within three times the plotted window -> ``(...)``."""
    (x0, x1), (y0, y1) = surface.bounds
    cx, cy, wx, wy = (x0 + x1) / 2, (y0 + y1) / 2, 1.5 * (x1 - x0), 1.5 * (y1 - y0)
    with np.errstate(invalid="ignore"):
        inside = (np.abs(path[..., 0] - cx) <= wx) & (np.abs(path[..., 1] - cy) <= wy)
    return np.asarray(inside.all(axis=-1))


@dataclass(frozen=True)
class Tuned:
    """A rule's best learning rate on a surface, and how it did there."""

    lr: float
    steps_to_minimum: int  # -1 if no learning rate of the grid reached the minimum
    final_gap: float  # loss above the minimum after the last step
    index: int  # position of ``lr`` in :data:`GRID`


def pick_best(surface: Surface, runs: np.ndarray, low: int = 0, high: int | None = None) -> int:
    """Index of the run among ``runs[low:high]`` (``(K, S + 1, 2)``) that reaches the minimum in the fewest
    steps (ties and misses: the lowest final loss). A run that diverges or leaves the arena never wins."""
    steps = runs.shape[1] - 1
    reached = steps_to_minimum(surface, runs).astype(np.float64)  # (K,)
    final = np.nan_to_num(losses(surface, runs[:, -1]), nan=np.inf)  # (K,)
    score = np.where(reached >= 0, reached, steps + 1)
    score = np.where(in_arena(surface, runs), score, np.inf)
    window = np.arange(len(runs))[low:high]
    return int(window[np.lexsort((final[window], score[window]))[0]])


def best_lr(rule: str, surface: str | Surface, steps: int, start: Sequence[float] | None = None, **hyper: Any) -> Tuned:
    """The learning rate of :data:`GRID` (within its searched middle) at which ``rule`` reaches the surface's
    minimum in the fewest steps from ``start`` (the surface's own start by default)."""
    surf = check_surface(surface)
    runs = paths(rule, surf, start or surf.start, steps, GRID, **hyper)  # (K, S + 1, 2)
    k = pick_best(surf, runs, *SEARCH)
    return Tuned(
        lr=float(GRID[k]),
        steps_to_minimum=int(steps_to_minimum(surf, runs[k])),
        final_gap=float(np.nan_to_num(losses(surf, runs[k, -1]), nan=np.inf)),
        index=k,
    )


@dataclass(frozen=True)
class RuleRace:
    """One rule on one surface at its best learning rate times each of :data:`MULTIPLIERS`."""

    rule: str
    lrs: list[float]  # one per multiplier
    paths: np.ndarray  # (M, S + 1, 2)
    gaps: np.ndarray  # (M, S + 1) loss above the minimum
    reached: list[int]  # steps to the minimum at each multiplier (-1: never)


def race_rule(rule: str, surface: str | Surface, steps: int = 200, **hyper: Any) -> RuleRace:
    """Tune ``rule``'s learning rate on ``surface`` and keep its runs at 1/8 .. 8 times that rate: one batched
    run over the whole grid of learning rates."""
    surf = check_surface(surface)
    runs = paths(rule, surf, surf.start, steps, GRID, **hyper)  # (K, S + 1, 2)
    k = pick_best(surf, runs, *SEARCH)
    around = slice(k - 6, k + 7, 2)  # GRID is sqrt(2) apart: every second rate is a factor 2, 1/8 .. 8
    chosen = runs[around]  # (M, S + 1, 2)
    return RuleRace(
        rule=rule,
        lrs=GRID[around].tolist(),
        paths=chosen,
        gaps=losses(surf, chosen),
        reached=steps_to_minimum(surf, chosen).tolist(),
    )


def race(
    surface: str | Surface,
    rules: Sequence[str] = tuple(RULES),
    steps: int = 200,
    hyper: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, RuleRace]:
    """:func:`race_rule` for each of ``rules``; ``hyper`` maps a rule to its hyper-parameters."""
    return {rule: race_rule(rule, surface, steps, **(hyper or {}).get(rule, {})) for rule in rules}
