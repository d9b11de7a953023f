"""Loss surfaces of two parameters to race optimisers on.

``SURFACES[name]`` is a :class:`Surface`: call it on ``xy`` of shape ``(..., 2)`` (a torch tensor, which autograd
can differentiate, or a numpy array) for the loss of shape ``(...)``. Each surface is written with arithmetic
operators only, so the same formula serves both; :meth:`Surface.grad` is its gradient worked out by hand (the
tests check it against autograd), which the races use because it is a hundred times faster than a backward pass
on two numbers. ``SURFACES["quadratic"].using(condition=100)`` is the same surface with other parameters.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np

Fn = Callable[..., Any]


def _stack(a: Any, b: Any, like: Any) -> Any:
    """Stack two arrays along a new last axis, as torch or numpy like ``like``."""
    if isinstance(like, np.ndarray) or np.isscalar(like):
        if np.shape(a) == np.shape(b):
            return np.stack((a, b), axis=-1)
        return np.stack(np.broadcast_arrays(a, b), axis=-1)
    import torch

    return torch.stack(torch.broadcast_tensors(a, b), dim=-1)


@dataclass(frozen=True)
class Surface:
    """A loss of two parameters. ``f(x, y, **params)`` and ``df(x, y, **params) -> (dx, dy)`` work on arrays of
    any shape; ``bounds`` is the plotted window ``((x0, x1), (y0, y1))``; ``minima`` the global minimisers."""

    name: str
    title: str
    formula: str  # the loss as a learner reads it
    f: Fn
    df: Fn
    bounds: tuple[tuple[float, float], tuple[float, float]]
    start: tuple[float, float]  # where races begin
    minima: tuple[tuple[float, float], ...]
    f_min: float
    tol: float  # a race has reached the minimum once loss - f_min falls below this
    params: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    limits: Mapping[str, tuple[float, float]] = field(default_factory=lambda: MappingProxyType({}))
    log_levels: bool = False  # contour levels on a log scale (steep walls, flat valleys)
    note: str = ""

    def __call__(self, xy: Any) -> Any:
        """Loss at ``xy (..., 2)`` -> ``(...)``; differentiable when ``xy`` is a torch tensor."""
        return self.f(xy[..., 0], xy[..., 1], **self.params)

    def grad(self, xy: Any) -> Any:
        """Gradient at ``xy (..., 2)`` -> ``(..., 2)``, of the same array type."""
        dx, dy = self.df(xy[..., 0], xy[..., 1], **self.params)
        return _stack(dx, dy, xy)

    def using(self, **params: float) -> Surface:
        """The same surface with some parameters changed; ``ValueError`` names an unknown or out-of-range one."""
        bad = []
        for key, value in params.items():
            if key not in self.params:
                bad.append(f"{key!r} (it takes {', '.join(self.params) or 'no parameters'})")
            elif key in self.limits and not self.limits[key][0] <= value <= self.limits[key][1]:
                lo, hi = self.limits[key]
                bad.append(f"{key}={value:g} (must be between {lo:g} and {hi:g})")
        if bad:
            raise ValueError(f"surface {self.name!r}: bad parameter " + "; ".join(bad))
        return replace(self, params=MappingProxyType({**self.params, **params}))

    def gap(self, xy: Any) -> Any:
        """Loss above the global minimum, ``(...)``."""
        return self(xy) - self.f_min

    def grid(self, n: int = 90) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The plotted window sampled ``n`` x ``n``: ``xs (n,)``, ``ys (n,)`` and the loss ``(n, n)`` (rows are y)."""
        (x0, x1), (y0, y1) = self.bounds
        xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
        gx, gy = np.meshgrid(xs, ys)  # (n, n) each
        return xs, ys, self.f(gx, gy, **self.params)


# ------------------------------------------------------------------------------------------------ formulas


def _rotate(x: Any, y: Any, angle: float) -> tuple[Any, Any]:
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return c * x + s * y, -s * x + c * y


def quadratic_f(x: Any, y: Any, condition: float = 10.0, angle: float = 0.0) -> Any:
    u, v = _rotate(x, y, angle)
    return 0.5 * (u * u + condition * v * v)


def quadratic_df(x: Any, y: Any, condition: float = 10.0, angle: float = 0.0) -> tuple[Any, Any]:
    u, v = _rotate(x, y, angle)
    du, dv = u, condition * v
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return c * du - s * dv, s * du + c * dv


def rosenbrock_f(x: Any, y: Any, a: float = 1.0, b: float = 100.0) -> Any:
    return (a - x) ** 2 + b * (y - x * x) ** 2


def rosenbrock_df(x: Any, y: Any, a: float = 1.0, b: float = 100.0) -> tuple[Any, Any]:
    r = y - x * x
    return -2 * (a - x) - 4 * b * x * r, 2 * b * r


def beale_f(x: Any, y: Any) -> Any:
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y * y * y) ** 2


def beale_df(x: Any, y: Any) -> tuple[Any, Any]:
    r1, r2, r3 = 1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y * y * y
    dx = 2 * r1 * (y - 1) + 2 * r2 * (y * y - 1) + 2 * r3 * (y * y * y - 1)
    dy = 2 * r1 * x + 2 * r2 * 2 * x * y + 2 * r3 * 3 * x * y * y
    return dx, dy


def saddle_f(x: Any, y: Any) -> Any:
    return x * x - y * y + 0.25 * y**4


def saddle_df(x: Any, y: Any) -> tuple[Any, Any]:
    return 2 * x, -2 * y + y**3


SURFACES: dict[str, Surface] = {
    "quadratic": Surface(
        name="quadratic",
        title="Ill-conditioned quadratic",
        formula="(u² + κ·v²) / 2, with (u, v) the point rotated by the angle",
        f=quadratic_f,
        df=quadratic_df,
        bounds=((-3.0, 3.0), (-2.0, 2.0)),
        start=(-2.5, 1.5),
        minima=((0.0, 0.0),),
        f_min=0.0,
        tol=1e-6,
        params=MappingProxyType({"condition": 10.0, "angle": 0.0}),
        limits=MappingProxyType({"condition": (1.0, 1000.0), "angle": (-90.0, 90.0)}),
        note="κ is the condition number: the ratio of the steepest to the flattest curvature.",
    ),
    "rosenbrock": Surface(
        name="rosenbrock",
        title="Rosenbrock's banana",
        formula="(a − x)² + b·(y − x²)²",
        f=rosenbrock_f,
        df=rosenbrock_df,
        bounds=((-2.0, 2.0), (-1.0, 3.0)),
        start=(-1.5, 2.0),
        minima=((1.0, 1.0),),
        f_min=0.0,
        tol=1e-4,
        params=MappingProxyType({"a": 1.0, "b": 100.0}),
        limits=MappingProxyType({"a": (0.1, 10.0), "b": (1.0, 1000.0)}),
        log_levels=True,
        note="A curved, flat-bottomed valley: easy to fall into, slow to follow to the minimum at (a, a²).",
    ),
    "beale": Surface(
        name="beale",
        title="Beale's function",
        formula="(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
        f=beale_f,
        df=beale_df,
        bounds=((-1.0, 4.5), (-2.0, 2.0)),
        start=(1.0, 1.4),
        minima=((3.0, 0.5),),
        f_min=0.0,
        tol=1e-4,
        log_levels=True,
        note="Steep walls and flat plateaus: gradients differ by orders of magnitude from place to place.",
    ),
    "saddle": Surface(
        name="saddle",
        title="A saddle",
        formula="x² − y² + y⁴/4",
        f=saddle_f,
        df=saddle_df,
        bounds=((-2.5, 2.5), (-2.5, 2.5)),
        start=(-2.0, 0.001),
        minima=((0.0, math.sqrt(2.0)), (0.0, -math.sqrt(2.0))),
        f_min=-1.0,
        tol=1e-4,
        note="Flat in y at the start: the race is to notice the way down before sliding onto the saddle point.",
    ),
}


def check_surface(surface: str | Surface) -> Surface:
    if isinstance(surface, Surface):
        return surface
    if surface not in SURFACES:
        raise ValueError(f"unknown surface {surface!r}; choose one of {', '.join(SURFACES)}")
    return SURFACES[surface]
