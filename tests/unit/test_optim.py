"""The optimiser lab: every rule against torch.optim (hypothesis), the surfaces' gradients against autograd, the
race bookkeeping, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demos.optim import RULES, SURFACES, trajectory
from demos.optim.race import GRID, MULTIPLIERS, best_lr, paths, race_rule, steps_to_minimum
from demos.optim.rules import hyper_defaults, torch_optimizer

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def torch_path(rule: str, surface, start, steps: int, lr: float, **hyper) -> np.ndarray:
    """The oracle: torch.optim on the surface's formula, differentiated by autograd."""
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = torch_optimizer(rule, [p], lr, **hyper)
    out = [p.detach().clone()]
    for _ in range(steps):
        opt.zero_grad()
        surface(p).backward()
        opt.step()
        out.append(p.detach().clone())
    return torch.stack(out).numpy()


def hyper_for(rule: str, draw) -> dict:  # type: ignore[no-untyped-def]
    """Random hyper-parameters for a rule, named as torch.optim names them."""
    hyper: dict = {}
    names = hyper_defaults(rule)
    if "momentum" in names:
        hyper["momentum"] = draw(st.floats(0.0 if rule == "rmsprop" else 0.05, 0.95))
    if "alpha" in names:
        hyper["alpha"] = draw(st.floats(0.5, 0.999))
    if "rho" in names:
        hyper["rho"] = draw(st.floats(0.5, 0.99))
    if "betas" in names:
        hyper["betas"] = (draw(st.floats(0.0, 0.95)), draw(st.floats(0.5, 0.9999)))
    if "eps" in names:
        hyper["eps"] = draw(st.sampled_from([1e-10, 1e-8, 1e-6, 1e-3]))
    hyper["weight_decay"] = draw(st.sampled_from([0.0, 0.0, 0.01, 0.3]))
    return hyper


@st.composite
def races(draw):  # type: ignore[no-untyped-def]
    rule = draw(st.sampled_from(sorted(RULES)))
    name = draw(st.sampled_from(sorted(SURFACES)))
    surface = SURFACES[name]
    if name == "quadratic":
        surface = surface.using(condition=draw(st.floats(1.0, 200.0)), angle=draw(st.floats(-90.0, 90.0)))
    (x0, x1), (y0, y1) = surface.bounds
    start = (draw(st.floats(x0, x1)), draw(st.floats(y0, y1)))
    lr = 10 ** draw(st.floats(-4.0, 0.5))
    return rule, surface, start, draw(st.integers(0, 30)), lr, hyper_for(rule, draw)


@FAST
@given(races())
def test_every_rule_follows_torch_optim_on_every_surface(case) -> None:  # type: ignore[no-untyped-def]
    """Step by step: from the position torch.optim reached, our rule (with the memory it built itself) makes the
    same step. Comparing whole trajectories instead would also compare rounding: some of these runs are chaotic
    (momentum at lr 1 on the saddle), and a last-bit difference grows to 1e-7 within 20 steps."""
    rule, surface, start, steps, lr, hyper = case
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = torch_optimizer(rule, [p], lr, **hyper)
    state: dict = {}
    for _ in range(steps):
        here = p.detach().numpy().copy()
        mine, state = RULES[rule](here, surface.grad(here), state, lr, **hyper)
        opt.zero_grad()
        surface(p).backward()
        opt.step()
        theirs = p.detach().numpy()
        if not np.isfinite(theirs).all() or np.abs(theirs).max() > 1e6:
            break
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)


@FAST
@given(races())
def test_trajectories_follow_torch_optim_while_they_do_not_diverge(case) -> None:  # type: ignore[no-untyped-def]
    """Whole paths over 8 steps (too few for rounding to grow), and NaN from the first step outside the box."""
    rule, surface, start, _, lr, hyper = case
    ours = trajectory(rule, surface, start, 8, lr, **hyper)
    theirs = torch_path(rule, surface, start, 8, lr, **hyper)
    assert ours.shape == (9, 2)
    finite = np.isfinite(ours).all(axis=1)
    assert finite.tolist() == sorted(finite.tolist(), reverse=True)  # once NaN, NaN for good
    if not finite.all():
        assert not (np.abs(theirs[int(np.argmin(finite))]) < 1e6).all()  # torch's run had left the box too
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=1e-7, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(SURFACES)), st.floats(-3, 3), st.floats(-3, 3))
def test_hand_written_gradients_equal_autograd(name: str, x: float, y: float) -> None:
    surface = SURFACES[name]
    xy = torch.tensor([x, y], dtype=torch.float64, requires_grad=True)
    (auto,) = torch.autograd.grad(surface(xy), xy)
    np.testing.assert_allclose(surface.grad(np.array([x, y])), auto.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(surface.grad(xy.detach()).numpy(), auto.numpy(), rtol=1e-10, atol=1e-10)


def test_each_surface_is_at_its_minimum_at_its_minimisers() -> None:
    for surface in SURFACES.values():
        for point in surface.minima:
            assert surface(np.array(point)) == pytest.approx(surface.f_min, abs=1e-12)
            assert np.abs(surface.grad(np.array(point))).max() < 1e-9


def test_batched_paths_equal_one_run_per_learning_rate() -> None:
    lrs = [1e-3, 3e-3, 1e-2]
    batch = paths("adam", "rosenbrock", (-1.5, 2.0), 40, lrs, betas=(0.8, 0.99))
    for k, lr in enumerate(lrs):
        np.testing.assert_array_equal(
            batch[k], trajectory("adam", "rosenbrock", (-1.5, 2.0), 40, lr, betas=(0.8, 0.99))
        )


def test_a_divergent_run_turns_nan_and_stays_nan() -> None:
    path = trajectory("sgd", "quadratic", (1.0, 1.0), 60, 0.5)  # lr 0.5 * curvature 10 > 2: diverges
    assert np.isfinite(path[:3]).all() and np.isnan(path[-1]).all()
    assert steps_to_minimum("quadratic", path) == -1


def test_momentum_beats_sgd_on_the_ill_conditioned_quadratic_only_when_it_is_ill_conditioned() -> None:
    narrow = SURFACES["quadratic"].using(condition=100)
    assert best_lr("momentum", narrow, 500).steps_to_minimum < best_lr("sgd", narrow, 500).steps_to_minimum
    wide = SURFACES["quadratic"].using(condition=2)
    assert best_lr("momentum", wide, 500).steps_to_minimum > best_lr("sgd", wide, 500).steps_to_minimum


def test_the_race_keeps_the_runs_around_the_tuned_rate() -> None:
    r = race_rule("sgd", "quadratic", steps=120)
    mid = len(MULTIPLIERS) // 2
    assert r.paths.shape == (len(MULTIPLIERS), 121, 2)
    assert r.lrs[mid] in GRID.tolist()
    assert np.allclose(np.array(r.lrs) / r.lrs[mid], MULTIPLIERS)
    assert r.reached[mid] >= 0 and r.reached[-1] == -1  # 8x the best rate diverges on a quadratic
    assert all(r.reached[mid] <= s for s in r.reached if s >= 0)


def test_sgd_step_is_learning_rate_times_gradient_and_momentum_matches_the_notes() -> None:
    """The notes' "Delta = learningrate*gradient + momentum*previousChange"."""
    surface = SURFACES["quadratic"]
    path = trajectory("momentum", surface, (1.0, 1.0), 3, 0.01, momentum=0.5)
    changes = np.diff(path, axis=0)
    g = surface.grad(path[2])
    assert np.allclose(changes[2], -0.01 * g + 0.5 * changes[1])
    plain = trajectory("sgd", surface, (1.0, 1.0), 1, 0.01)
    assert np.allclose(plain[1] - plain[0], -0.01 * surface.grad(np.array([1.0, 1.0])))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: trajectory("adamw", "quadratic", (0, 0), 3, 0.1), "unknown rule 'adamw'"),
        (lambda: trajectory("sgd", "bowl", (0, 0), 3, 0.1), "unknown surface 'bowl'"),
        (lambda: trajectory("sgd", "quadratic", (0, 0), 3, 0.1, momentum=0.9), "'momentum' (it takes weight_decay)"),
        (lambda: trajectory("momentum", "quadratic", (0, 0), 3, 0.1, momentum=1.2), "must be in [0, 1)"),
        (lambda: trajectory("sgd", "quadratic", (0, 0), 3, -1.0), "lr must be non-negative"),
        (lambda: SURFACES["quadratic"].using(condition=0.5), "condition=0.5 (must be between 1 and 1000)"),
        (lambda: SURFACES["beale"].using(b=2), "'b' (it takes no parameters)"),
    ],
)
def test_bad_input_is_named(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)


def test_the_package_import_costs_no_torch() -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import sys\nfrom demos.optim import trajectory, SURFACES, RULES\n"
        "trajectory('adam', 'beale', (1, 1), 5, 0.1)\nprint('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert math.isfinite(trajectory("adam", "beale", (1, 1), 5, 0.1)[-1, 0])


# ------------------------------------------------------------------------------------------------ networks


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(sorted(RULES)), st.data())
def test_rules_train_a_network_exactly_as_torch_optim(rule: str, data) -> None:  # type: ignore[no-untyped-def]
    from demos.optim.network import RuleOptimizer
    from demos.train.core import MLPConfig, build_mlp

    hyper = hyper_for(rule, data.draw)
    lr = 10 ** data.draw(st.floats(-3.0, -1.0))
    cfg = MLPConfig(depth=2, width=8, d_in=6, d_out=3)
    a, b = build_mlp(cfg, 0).double(), build_mlp(cfg, 0).double()
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn(16, 6, generator=gen, dtype=torch.float64), torch.randint(0, 3, (16,), generator=gen)
    ours, theirs = RuleOptimizer(a.parameters(), rule, lr, **hyper), torch_optimizer(rule, b.parameters(), lr, **hyper)
    for _ in range(8):
        for model, opt in ((a, ours), (b, theirs)):
            opt.zero_grad()  # type: ignore[attr-defined]
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()  # type: ignore[attr-defined]
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-9, atol=1e-12)


def test_zero_staleness_is_plain_sgd_and_staleness_changes_the_run() -> None:
    from demos.common import generator
    from demos.optim.sync import stale_sgd, updates_to
    from demos.train.core import MLPConfig, build_mlp, endless_batches, mnist

    data = mnist(10, 5)
    cfg = MLPConfig(depth=1, width=8)
    fresh = stale_sgd(data, 0, 0.1, 20, batch_size=10, every=5, config=cfg)
    model = build_mlp(cfg, 0)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    order = endless_batches(len(data.y_train), 10, generator(0))
    losses = []
    for t in range(1, 21):
        idx = next(order)
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(data.x_train[idx]), data.y_train[idx]).backward()
        opt.step()
        if t % 5 == 0:
            with torch.no_grad():
                losses.append(round(float(torch.nn.functional.cross_entropy(model(data.x_train), data.y_train)), 5))
    assert fresh.loss[1:] == pytest.approx(losses, abs=2e-5)
    stale = stale_sgd(data, 3, 0.1, 20, batch_size=10, every=5, config=cfg)
    assert stale.loss != fresh.loss and stale.loss[0] == fresh.loss[0]
    assert updates_to(fresh, 100.0) == 0 and updates_to(fresh, -1.0) == -1
    with pytest.raises(ValueError, match="staleness must be between 0 and 64"):
        stale_sgd(data, 65, 0.1, 5)


def test_range_test_grows_the_rate_and_suggests_one_inside_it() -> None:
    from demos.optim.network import range_test
    from demos.train.core import MLPConfig, mnist

    out = range_test(mnist(10, 5), low=1e-3, high=10.0, steps=40, config=MLPConfig(depth=1, width=8))
    lrs = out["lrs"]
    assert lrs == sorted(lrs) and lrs[0] == pytest.approx(1e-3)  # type: ignore[index]
    assert lrs[0] <= out["suggested"] <= lrs[-1]  # type: ignore[index, operator]


def test_gpu_check_runs_on_the_cpu() -> None:
    from demos.optim.gpu import gpu_check

    out = gpu_check(torch.device("cpu"), steps=5, train_per_class=10)
    assert max(out["max_weight_gap_vs_torch_optim"].values()) < 1e-5  # type: ignore[attr-defined]
    assert set(out["race_final_loss"]) == set(RULES)  # type: ignore[arg-type]
