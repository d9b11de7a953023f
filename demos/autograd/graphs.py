"""The lab's graphs (a sigmoid neuron, a two-layer net on one example), a layout to draw them, the forward and
backward passes as a list of steps, and the two checks of every gradient: ``torch.autograd`` on the same graph
replayed in torch, and a central finite difference.

:func:`replay` recomputes a graph from its leaves with any array library, op by op, so one graph built with
:class:`~demos.autograd.engine.Value` is also the torch expression it is checked against.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from demos.autograd.engine import Value

GRAPHS: tuple[str, ...] = ("neuron", "two-layer")


def _named(v: Value, label: str) -> Value:
    v.label = label
    return v


def neuron(
    x: tuple[float, float] = (1.0, -2.0), w: tuple[float, float] = (0.5, 0.8), b: float = 0.3, target: float = 1.0
) -> Value:
    """One sigmoid neuron and its squared error: ``z = w1 x1 + w2 x2 + b``, ``y = σ(z)``, ``L = (y - t)² / 2``.
    Returns ``L``; the leaves are labelled x1, x2, w1, w2, b and t."""
    x1, x2 = _named(Value(x[0]), "x1"), _named(Value(x[1]), "x2")
    w1, w2, bb = _named(Value(w[0]), "w1"), _named(Value(w[1]), "w2"), _named(Value(b), "b")
    t = _named(Value(target), "t")
    z = _named(w1 * x1 + w2 * x2 + bb, "z")
    y = _named(z.sigmoid(), "y")
    e = _named(y - t, "error")
    return _named(e**2 * 0.5, "L")


def two_layer(
    x: tuple[float, float] = (1.0, -2.0),
    w1: tuple[tuple[float, float], tuple[float, float]] = ((0.5, -0.4), (0.3, 0.8)),
    b1: tuple[float, float] = (0.1, -0.2),
    w2: tuple[float, float] = (1.2, -0.7),
    b2: float = 0.05,
    target: float = 1.0,
) -> Value:
    """Two inputs, two sigmoid hidden units, one sigmoid output, squared error against ``target``. Returns ``L``."""
    xs = [_named(Value(v), f"x{i + 1}") for i, v in enumerate(x)]
    hidden = []
    for j in range(2):
        ws = [_named(Value(w1[j][i]), f"w{j + 1}{i + 1}") for i in range(2)]
        z = _named(ws[0] * xs[0] + ws[1] * xs[1] + _named(Value(b1[j]), f"b{j + 1}"), f"z{j + 1}")
        hidden.append(_named(z.sigmoid(), f"h{j + 1}"))
    vs = [_named(Value(w2[j]), f"v{j + 1}") for j in range(2)]
    z_out = _named(vs[0] * hidden[0] + vs[1] * hidden[1] + _named(Value(b2), "c"), "z")
    y = _named(z_out.sigmoid(), "y")
    e = _named(y - _named(Value(target), "t"), "error")
    return _named(e**2 * 0.5, "L")


def build(name: str, **values: Any) -> Value:
    if name == "neuron":
        return neuron(**values)
    if name == "two-layer":
        return two_layer(**values)
    raise ValueError(f"graph must be one of {', '.join(GRAPHS)}, got {name!r}")


def leaves(root: Value, constants: bool = True) -> list[Value]:
    """The inputs, weights and targets of a graph (nodes made by no operation), in the order they were made;
    without the plain numbers (like the 0.5 of a squared error) unless ``constants``."""
    out = sorted((n for n in root.topological() if not n.op), key=lambda n: n.id)
    return out if constants else [n for n in out if not _is_number(n.label)]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------------------------------------ replay


@dataclass(frozen=True)
class Lib:
    """The functions :func:`replay` needs, for one array library."""

    exp: Callable[[Any], Any]
    log: Callable[[Any], Any]
    tanh: Callable[[Any], Any]
    sigmoid: Callable[[Any], Any]
    relu: Callable[[Any], Any]


FLOAT = Lib(math.exp, math.log, math.tanh, lambda v: 1 / (1 + math.exp(-v)), lambda v: max(v, 0.0))


def torch_lib() -> Lib:
    import torch

    return Lib(torch.exp, torch.log, torch.tanh, torch.sigmoid, torch.relu)


def replay(root: Value, inputs: Mapping[int, Any], lib: Lib = FLOAT) -> dict[int, Any]:
    """Recompute every node of ``root``'s graph from leaf values ``inputs`` (node id -> value; a leaf not given
    keeps its ``data``), op by op with ``lib``. Returns node id -> value."""
    out: dict[int, Any] = {}
    for node in root.topological():
        if not node.op:
            out[node.id] = inputs.get(node.id, node.data)
            continue
        args = [out[p.id] for p in node.parents]
        op = node.op
        if op == "+":
            out[node.id] = args[0] + args[1]
        elif op == "−":
            out[node.id] = args[0] - args[1]
        elif op == "*":
            out[node.id] = args[0] * args[1]
        elif op == "/":
            out[node.id] = args[0] / args[1]
        elif op == "neg":
            out[node.id] = -args[0]
        elif op.startswith("**"):
            out[node.id] = args[0] ** float(op[2:])
        elif op == "σ":
            out[node.id] = lib.sigmoid(args[0])
        else:
            out[node.id] = getattr(lib, op)(args[0])
    return out


def torch_grads(root: Value) -> dict[int, float]:
    """d(root)/d(leaf) for every leaf, by ``torch.autograd`` on the graph replayed in float64 torch."""
    import torch

    ins = {n.id: torch.tensor(n.data, dtype=torch.float64, requires_grad=True) for n in leaves(root)}
    out = replay(root, ins, torch_lib())[root.id]
    grads = torch.autograd.grad(out, list(ins.values()), allow_unused=True)
    return {i: (float(g) if g is not None else 0.0) for i, g in zip(ins, grads, strict=True)}


def finite_difference(root: Value, leaf: Value, h: float = 1e-6) -> float:
    """Central difference (f(x + h) - f(x - h)) / 2h of ``root`` in ``leaf``."""
    up = replay(root, {leaf.id: leaf.data + h})[root.id]
    down = replay(root, {leaf.id: leaf.data - h})[root.id]
    return float((up - down) / (2 * h))


# ------------------------------------------------------------------------------------------------ drawing


def layout(root: Value) -> dict[int, tuple[float, float]]:
    """Node id -> (x, y): x is the node's depth (longest path from a leaf), leaves on the left; within a column
    nodes are ordered by the mean height of their parents, so edges cross little."""
    order = root.topological()
    depth: dict[int, int] = {}
    for n in order:
        depth[n.id] = 1 + max((depth[p.id] for p in n.parents), default=-1)
    # pull each leaf to one column left of its first user, so inputs sit next to the node that reads them
    users: dict[int, list[int]] = {}
    for n in order:
        for p in n.parents:
            users.setdefault(p.id, []).append(depth[n.id])
    for n in order:
        if not n.op and n.id in users:
            depth[n.id] = min(users[n.id]) - 1
    pos: dict[int, tuple[float, float]] = {}
    for d in range(max(depth.values()) + 1):
        column = [n for n in order if depth[n.id] == d]
        key = {
            n.id: (sum(pos[p.id][1] for p in n.parents) / len(n.parents) if n.parents else float(n.id)) for n in column
        }
        if d > 0:
            column.sort(key=lambda n: key[n.id])
        for i, n in enumerate(column):
            pos[n.id] = (float(d), i - (len(column) - 1) / 2)
    return pos


def passes(root: Value) -> dict[str, Any]:
    """The forward and backward pass as steps, JSON-able, for the step-through.

    ``nodes``: id, label, op, value, grad, position; ``edges``: (parent id, child id) pairs; ``steps``: one per
    computed node in forward order (``{"pass": "forward", "node": id}``), then one per node in backward order
    (``{"pass": "backward", "node": id, "grads": {id: grad so far}}``). Runs ``backward`` on ``root``.
    """
    order = root.topological()
    for n in order:
        n.grad = 0.0
    pos = layout(root)
    steps: list[dict[str, Any]] = [{"pass": "forward", "node": n.id} for n in order if n.op]
    for node in root.backward_steps():
        steps.append({"pass": "backward", "node": node.id, "grads": {n.id: n.grad for n in order if n.grad != 0.0}})
    return {
        "nodes": [
            {
                "id": n.id,
                "label": n.label,
                "op": n.op,
                "value": n.data,
                "grad": n.grad,
                "local": list(n.local),
                "x": pos[n.id][0],
                "y": pos[n.id][1],
            }
            for n in order
        ],
        "edges": [(p.id, n.id) for n in order for p in n.parents],
        "steps": steps,
    }


def checks(root: Value) -> list[dict[str, Any]]:
    """Each leaf's gradient three ways: this engine (after ``root.backward()``), torch.autograd, finite difference."""
    for n in root.topological():
        n.grad = 0.0
    root.backward()
    auto = torch_grads(root)
    return [
        {
            "leaf": n.label,
            "value": n.data,
            "ours": n.grad,
            "torch": auto[n.id],
            "finite_difference": finite_difference(root, n),
        }
        for n in leaves(root, constants=False)
    ]


def output_delta(root: Value) -> dict[str, float]:
    """The notes' ``deltaoutput = error * dsigmoid(sum)`` at the graph's output neuron, and the same number read
    off the backward pass (the gradient at the output's weighted sum ``z``). Runs ``backward``."""
    by_label = {n.label: n for n in root.topological()}
    z, y, e = by_label["z"], by_label["y"], by_label["error"]
    for n in root.topological():
        n.grad = 0.0
    root.backward()
    return {
        "error": e.data,
        "sigmoid": y.data,
        "dsigmoid": y.data * (1 - y.data),
        "delta_formula": e.data * y.data * (1 - y.data),
        "delta_backprop": z.grad,
    }


# ------------------------------------------------------------------------------------------------ random graphs

UNARY: tuple[str, ...] = ("exp", "log", "tanh", "sigmoid", "relu", "square", "neg")
BINARY: tuple[str, ...] = ("+", "-", "*", "/")


def random_expression(seed: int, n_leaves: int = 4, n_ops: int = 12) -> tuple[Value, list[Value]]:
    """A random expression over ``n_leaves`` leaves in [-2, 2] with ``n_ops`` operations, each applied to nodes
    already built (so values are reused, as weights are in a network). Operations that would leave their
    domain are replaced: ``log`` reads ``|x| + 0.1``, ``/`` divides by ``x² + 0.5``, ``exp`` reads
    ``tanh(x)``. Returns the root (the sum of the last three nodes) and the leaves."""
    import random

    rng = random.Random(seed)
    xs = [_named(Value(rng.uniform(-2, 2)), f"a{i}") for i in range(n_leaves)]
    nodes: list[Value] = list(xs)
    for _ in range(n_ops):
        a = rng.choice(nodes)
        if rng.random() < 0.4:
            op = rng.choice(UNARY)
            if op == "log":
                node = ((a**2 + 0.01) ** 0.5 + 0.1).log()
            elif op == "exp":
                node = a.tanh().exp()
            elif op == "square":
                node = a**2
            elif op == "neg":
                node = -a
            else:
                node = getattr(a, op)()
        else:
            b = rng.choice(nodes)
            op = rng.choice(BINARY)
            node = a + b if op == "+" else a - b if op == "-" else a * b if op == "*" else a / (b**2 + 0.5)
        nodes.append(node)
    return nodes[-1] + nodes[-2] + nodes[-3], xs


def random_values(name: str, seed: int) -> dict[str, Any]:
    """Random inputs, weights and a 0/1 target for :func:`build`."""
    import random

    rng = random.Random(seed)

    def r() -> float:
        return round(rng.uniform(-2, 2), 2)

    target = float(rng.randint(0, 1))
    if name == "neuron":
        return {"x": (r(), r()), "w": (r(), r()), "b": r(), "target": target}
    if name == "two-layer":
        return {
            "x": (r(), r()),
            "w1": ((r(), r()), (r(), r())),
            "b1": (r(), r()),
            "w2": (r(), r()),
            "b2": r(),
            "target": target,
        }
    raise ValueError(f"graph must be one of {', '.join(GRAPHS)}, got {name!r}")
