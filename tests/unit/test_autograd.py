"""The scalar autograd engine against torch.autograd on random expressions (hypothesis), the lab's graphs, their
step-through and gradient checks, and bad input."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demos.autograd import Value, zero_grad
from demos.autograd.gpu import gpu_check
from demos.autograd.graphs import (
    build,
    checks,
    finite_difference,
    layout,
    leaves,
    output_delta,
    passes,
    random_expression,
    random_values,
    torch_grads,
)

UNARY = ("exp", "log", "tanh", "sigmoid", "relu", "pow", "neg")
BINARY = ("add", "sub", "mul", "div", "radd", "rsub", "rmul", "rdiv")


@st.composite
def expressions(draw):  # type: ignore[no-untyped-def]
    """A random program over 1-4 inputs: each step applies an op to earlier values (reusing them, so gradients
    add up along several paths). Returns the inputs and the program, to run on Values and on torch tensors."""
    n = draw(st.integers(1, 4))
    inputs = [draw(st.floats(-3, 3, allow_nan=False)) for _ in range(n)]
    program = []
    for _ in range(draw(st.integers(1, 14))):
        size = n + len(program)
        if draw(st.booleans()):
            program.append(
                (
                    draw(st.sampled_from(UNARY)),
                    draw(st.integers(0, size - 1)),
                    None,
                    draw(st.sampled_from([2, 3, 0.5, -1, 1.5])),
                )
            )
        else:
            program.append(
                (
                    draw(st.sampled_from(BINARY)),
                    draw(st.integers(0, size - 1)),
                    draw(st.integers(0, size - 1)),
                    draw(st.floats(-2, 2).filter(lambda c: abs(c) > 0.1)),
                )
            )
    return inputs, program


def run(program, inputs, lib: str):  # type: ignore[no-untyped-def]
    """Run ``program`` on Values (``lib="ours"``) or float64 tensors. Ops whose domain is limited read a safe
    transform of their input (log of x² + 0.5, pow of x² + 0.25, division by x² + 0.5), the same on both sides."""
    if lib == "ours":
        vals = [Value(x) for x in inputs]
    else:
        vals = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    leaves_ = list(vals)

    def fn(v, name):  # type: ignore[no-untyped-def]
        if lib == "ours":
            return getattr(v, name)()
        return {"exp": torch.exp, "log": torch.log, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}[
            name
        ](v)

    for op, i, j, c in program:
        a = vals[i]
        if op in ("exp", "tanh", "sigmoid", "relu"):
            out = fn(a.tanh() if op == "exp" and lib == "ours" else torch.tanh(a) if op == "exp" else a, op)
        elif op == "log":
            out = fn(a * a + 0.5, "log")
        elif op == "pow":
            out = (a * a + 0.25) ** c
        elif op == "neg":
            out = -a
        else:
            b = vals[j]
            if op == "add":
                out = a + b
            elif op == "sub":
                out = a - b
            elif op == "mul":
                out = a * b
            elif op == "div":
                out = a / (b * b + 0.5)
            elif op == "radd":
                out = c + a
            elif op == "rsub":
                out = c - a
            elif op == "rmul":
                out = c * a
            else:
                out = c / (a * a + 0.5)
        vals.append(out)
    return vals[-1], leaves_


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions())
def test_gradients_equal_torch_autograd_on_random_expressions(case) -> None:  # type: ignore[no-untyped-def]
    inputs, program = case
    ours, xs = run(program, inputs, "ours")
    theirs, ts = run(program, inputs, "torch")
    assert ours.data == pytest.approx(float(theirs.detach()), rel=1e-9, abs=1e-9)
    ours.backward()
    grads = torch.autograd.grad(theirs, ts, allow_unused=True)
    for x, g in zip(xs, grads, strict=True):
        want = 0.0 if g is None else float(g)
        assert x.grad == pytest.approx(want, rel=1e-8, abs=1e-9)


def test_every_operation_and_its_local_derivative() -> None:
    a, b = Value(0.7), Value(-1.3)
    out = (a * b + a / b - a**3 + (-b)).tanh() + a.exp().log() + b.sigmoid() + (a - b).relu()
    out.backward()
    ta, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.7, -1.3))
    t = (
        torch.tanh(ta * tb + ta / tb - ta**3 + (-tb))
        + torch.log(torch.exp(ta))
        + torch.sigmoid(tb)
        + torch.relu(ta - tb)
    )
    t.backward()
    assert (a.grad, b.grad) == (pytest.approx(float(ta.grad)), pytest.approx(float(tb.grad)))
    s = Value(0.4).sigmoid()
    assert s.local[0] == pytest.approx(s.data * (1 - s.data))  # σ' = σ(1 - σ), from the output itself


def test_gradients_accumulate_over_reuse_and_over_calls_like_torch() -> None:
    x = Value(3.0)
    y = x * x + x  # x used three times
    y.backward()
    assert x.grad == 7.0
    y.backward()  # a second backward adds, as torch does without zero_grad
    assert x.grad == 14.0
    zero_grad([x])
    assert x.grad == 0.0


def test_zero_to_a_negative_power_is_infinite_as_in_torch() -> None:
    x = Value(0.0)
    y = x**0.5
    y.backward()
    assert y.data == 0.0 and x.grad == math.inf
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    (t**0.5).backward()
    assert float(t.grad) == math.inf  # type: ignore[arg-type]


def test_deep_chains_do_not_hit_the_recursion_limit() -> None:
    x = Value(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001**5000, rel=1e-9)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: Value(-1.0).log(), ValueError, "log of a non-positive value"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, "division of a Value by zero"),
        (lambda: Value(2.0) ** Value(2.0), TypeError, "only a number exponent"),
        (lambda: Value(-1.0) / Value(0.0), ZeroDivisionError, "division of a Value by zero"),
        (lambda: build("three-layer"), ValueError, "graph must be one of neuron, two-layer"),
    ],
)
def test_bad_input_is_named(make, error, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("name", ["neuron", "two-layer"])
def test_each_gradient_agrees_three_ways(name: str) -> None:
    rows = checks(build(name, **random_values(name, 7)))
    assert {r["leaf"] for r in rows} >= {"x1", "x2", "t"}
    for r in rows:
        assert r["ours"] == pytest.approx(r["torch"], rel=1e-12, abs=1e-15)
        assert r["ours"] == pytest.approx(r["finite_difference"], rel=1e-5, abs=1e-8)


def test_the_output_delta_is_error_times_the_sigmoids_derivative() -> None:
    d = output_delta(build("two-layer"))
    assert d["dsigmoid"] == pytest.approx(d["sigmoid"] * (1 - d["sigmoid"]))
    assert d["delta_backprop"] == pytest.approx(d["error"] * d["dsigmoid"], rel=1e-12)


def test_the_step_through_runs_forward_then_backward_over_every_node() -> None:
    root = build("neuron")
    p = passes(root)
    computed = [n["id"] for n in p["nodes"] if n["op"]]
    forward = [s["node"] for s in p["steps"] if s["pass"] == "forward"]
    backward = [s["node"] for s in p["steps"] if s["pass"] == "backward"]
    assert forward == computed  # each computed node once, in topological order
    assert backward[0] == root.id and sorted(backward) == sorted(n["id"] for n in p["nodes"])
    assert p["steps"][-1]["grads"][root.id] == 1.0
    # every node sits right of every node it reads
    pos = layout(root)
    assert all(pos[a][0] < pos[b][0] for a, b in p["edges"])


def test_finite_difference_and_torch_replay_use_the_graph_itself() -> None:
    root, xs = random_expression(3)
    root.backward()
    auto = torch_grads(root)
    for x in xs:
        if x.id in auto:
            assert finite_difference(root, x) == pytest.approx(auto[x.id], rel=1e-5, abs=1e-7)
    assert all(not n.op for n in leaves(root))
    assert math.isfinite(root.data)


def test_gpu_check_runs_on_the_cpu() -> None:
    out = gpu_check(torch.device("cpu"), expressions=5)
    assert out["expressions"] == 5 and out["max_relative_gap"] < 1e-9  # type: ignore[operator]


def test_the_engine_imports_no_torch() -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import sys\nfrom demos.autograd.graphs import passes, build\n"
        "passes(build('two-layer'))\nprint('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
