"""Reverse-mode automatic differentiation on scalars, in one small class.

A :class:`Value` holds a number (``data``), the gradient of the final output with respect to it (``grad``), the
operation that made it and the values it was made from. Every operation builds a new node and remembers, in a
closure, how to pass its gradient back to its inputs (the local derivative times the incoming gradient: the
chain rule). ``out.backward()`` orders the graph so that each node comes after everything that uses it, seeds
``out.grad = 1`` and runs those closures from the output back to the inputs. The tests check every gradient
against ``torch.autograd`` on random expressions.

Pure Python, no torch: the lab draws the graph and steps through both passes from these nodes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator

Number = int | float

_ids = itertools.count()


class Value:
    """A scalar in a computational graph. Supports ``+ - * /`` with Values and numbers, ``** number``, and
    :meth:`exp`, :meth:`log`, :meth:`tanh`, :meth:`sigmoid`, :meth:`relu`."""

    __slots__ = ("_back", "data", "grad", "id", "label", "local", "op", "parents")

    def __init__(self, data: Number, parents: tuple[Value, ...] = (), op: str = "", label: str = "") -> None:
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents  # the values this one was computed from
        self.op = op  # "" for a leaf (an input or a weight)
        self.label = label
        self.local: tuple[float, ...] = ()  # d(self)/d(parent) for each parent, as computed in the forward pass
        self.id = next(_ids)
        self._back: Callable[[], None] = lambda: None

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"

    # -------------------------------------------------------------------------------------------- building

    def _node(self, data: float, parents: tuple[Value, ...], op: str, local: tuple[float, ...]) -> Value:
        """A new node whose gradient flows back to ``parents`` scaled by the local derivatives ``local``."""
        out = Value(data, parents, op)
        out.local = local

        def back() -> None:
            for parent, d in zip(parents, local, strict=True):
                parent.grad += d * out.grad

        out._back = back
        return out

    @staticmethod
    def lift(x: Value | Number) -> Value:
        return x if isinstance(x, Value) else Value(x, label=f"{x:g}")

    def __add__(self, other: Value | Number) -> Value:
        o = Value.lift(other)
        return self._node(self.data + o.data, (self, o), "+", (1.0, 1.0))

    def __mul__(self, other: Value | Number) -> Value:
        o = Value.lift(other)
        return self._node(self.data * o.data, (self, o), "*", (o.data, self.data))

    def __pow__(self, k: Number) -> Value:
        if not isinstance(k, int | float):
            raise TypeError(f"only a number exponent is supported, got {type(k).__name__}")
        return self._node(_power(self.data, k), (self,), f"**{k:g}", (k * _power(self.data, k - 1),))

    def exp(self) -> Value:
        e = math.exp(self.data)
        return self._node(e, (self,), "exp", (e,))

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log of a non-positive value ({self.data:g})")
        return self._node(math.log(self.data), (self,), "log", (1.0 / self.data,))

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        return self._node(t, (self,), "tanh", (1.0 - t * t,))

    def sigmoid(self) -> Value:
        """σ(z) = 1 / (1 + e^-z); its derivative is σ(z)(1 - σ(z)), computed from the output itself."""
        s = 1.0 / (1.0 + math.exp(-self.data)) if self.data >= 0 else math.exp(self.data) / (1.0 + math.exp(self.data))
        return self._node(s, (self,), "σ", (s * (1.0 - s),))

    def relu(self) -> Value:
        return self._node(max(self.data, 0.0), (self,), "relu", (1.0 if self.data > 0 else 0.0,))

    def __neg__(self) -> Value:
        return self._node(-self.data, (self,), "neg", (-1.0,))

    def __sub__(self, other: Value | Number) -> Value:
        o = Value.lift(other)
        return self._node(self.data - o.data, (self, o), "−", (1.0, -1.0))

    def __truediv__(self, other: Value | Number) -> Value:
        o = Value.lift(other)
        if o.data == 0:
            raise ZeroDivisionError("division of a Value by zero")
        return self._node(self.data / o.data, (self, o), "/", (1.0 / o.data, -self.data / o.data**2))

    def __radd__(self, other: Number) -> Value:
        return Value.lift(other) + self

    def __rsub__(self, other: Number) -> Value:
        return Value.lift(other) - self

    def __rmul__(self, other: Number) -> Value:
        return Value.lift(other) * self

    def __rtruediv__(self, other: Number) -> Value:
        return Value.lift(other) / self

    # -------------------------------------------------------------------------------------------- backward

    def topological(self) -> list[Value]:
        """Every node this one depends on (itself last), each after all of its parents."""
        order: list[Value] = []
        seen: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:  # depth-first without recursion, so deep graphs do not hit Python's recursion limit
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            if node.id in seen:
                continue
            seen.add(node.id)
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents) if p.id not in seen)
        return order

    def backward(self) -> None:
        """Add d(self)/d(leaf) to the ``grad`` of every leaf this value depends on, and set the ``grad`` of every
        intermediate node to d(self)/d(node). As in torch, leaf gradients add up across calls (set them to zero
        with :func:`zero_grad` before another pass); intermediate ones start from zero on each pass."""
        for _ in self.backward_steps():
            pass

    def backward_steps(self) -> Iterator[Value]:
        """:meth:`backward` one node at a time: yields each node right after it has passed its gradient on to its
        parents, output first (the lab's step-through)."""
        order = self.topological()
        for node in order:
            if node.op:
                node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._back()
            yield node


def _power(x: float, k: float) -> float:
    """``x ** k`` as torch computes it: infinite (not an error) for zero to a negative power."""
    try:
        return float(x**k)
    except ZeroDivisionError:
        return math.inf


def zero_grad(values: list[Value]) -> None:
    for v in values:
        v.grad = 0.0
