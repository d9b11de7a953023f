"""The same update rules on a real network: an MLP on MNIST trained by :data:`demos.optim.rules.RULES`, the
learning rate too small / right / too large / divergent, and a learning-rate range test.

:class:`RuleOptimizer` applies a rule to every parameter tensor exactly as the surface races apply it to a point
(the tests check it against ``torch.optim`` on an MLP).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn.utils import parameters_to_vector, vector_to_parameters

from demos.common import generator
from demos.optim.rules import check_hyper, check_rule
from demos.train.core import Curve, Data, MLPConfig, Progress, build_mlp, endless_batches, fit, mnist

# A learning rate per rule that trains the race's MLP well (each the best of a factor-2 grid, seed 0,
# `python -m demos.optim race`); AdaDelta's is torch's default.
NETWORK_LRS: dict[str, float] = {
    "sgd": 0.4,
    "momentum": 0.1,
    "nesterov": 0.1,
    "adagrad": 0.025,
    "rmsprop": 0.004,
    "adadelta": 2.0,
    "adam": 0.008,
}
RACE_MLP = MLPConfig(depth=2, width=64, act="relu")


class RuleOptimizer:
    """``rule`` (a key of RULES) applied to all the network's parameters at once. Every rule works element by
    element, so it runs on the parameters laid end to end in one vector (its memory too): one call per step
    instead of one per tensor, the same numbers. Unlike ``torch.optim``, which skips a parameter without a
    gradient, it asks for every parameter to have one."""

    def __init__(self, params: Iterable[Tensor], rule: str, lr: float, **hyper: Any) -> None:
        self.rule = check_rule(rule)
        check_hyper(rule, hyper)
        if not lr >= 0:
            raise ValueError(f"lr must be non-negative, got {lr}")
        self.params = [p for p in params if p.requires_grad]
        self.lr, self.hyper = lr, hyper
        self.state: dict[str, Any] = {}

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        if any(p.grad is None for p in self.params):
            raise ValueError("every parameter needs a gradient before step(): run backward() on a loss that uses all")
        flat = parameters_to_vector(self.params)  # (P,)
        grad = torch.cat([p.grad.reshape(-1) for p in self.params if p.grad is not None])  # (P,)
        new, self.state = self.rule(flat, grad, self.state, self.lr, **self.hyper)
        vector_to_parameters(new, self.params)


@dataclass(frozen=True)
class NetRun:
    """One training run of the network: its rule, learning rate and curve."""

    rule: str
    lr: float
    curve: Curve


def train_with_rule(
    data: Data,
    rule: str,
    lr: float,
    steps: int,
    *,
    seed: int = 0,
    batch_size: int = 64,
    config: MLPConfig = RACE_MLP,
    eval_every: int = 0,
    device: torch.device | None = None,
    on_progress: Progress | None = None,
    **hyper: Any,
) -> NetRun:
    """Train a fresh seeded MLP on ``data`` with ``rule`` at ``lr``. Same seed, same initial weights and batches."""
    model = build_mlp(config, seed, device)
    opt = RuleOptimizer(model.parameters(), rule, lr, **hyper)
    curve = fit(
        model,
        data,
        opt.step,
        zero_grad=opt.zero_grad,
        steps=steps,
        batch_size=batch_size,
        generator=generator(seed),
        eval_every=eval_every,
        on_progress=on_progress,
    )
    return NetRun(rule, lr, curve)


def race_network(
    rules: Sequence[str],
    steps: int = 250,
    *,
    lrs: Mapping[str, float] | None = None,
    scale: float = 1.0,
    seed: int = 0,
    train_per_class: int = 400,
    device: torch.device | None = None,
    on_progress: Callable[[str, int, int, Curve], None] | None = None,
) -> dict[str, NetRun]:
    """Each rule trains the same MLP from the same weights on the same batches, at its learning rate from
    ``lrs`` (default :data:`NETWORK_LRS`) times ``scale``."""
    data = mnist(train_per_class, device=device)
    rates = {**NETWORK_LRS, **(lrs or {})}
    out = {}
    for rule in rules:
        progress = None if on_progress is None else (lambda d, t, c, r=rule: on_progress(r, d, t, c))
        out[rule] = train_with_rule(
            data,
            rule,
            rates[rule] * scale,
            steps,
            seed=seed,
            eval_every=max(steps // 5, 1),
            device=device,
            on_progress=progress,
        )
    return out


# ------------------------------------------------------------------------------------------------ learning rate

LR_REGIMES: dict[str, float] = {"too small": 0.004, "about right": 0.4, "too large": 1.6, "divergent": 50.0}


def range_test(
    data: Data,
    *,
    low: float = 1e-4,
    high: float = 10.0,
    steps: int = 120,
    seed: int = 0,
    batch_size: int = 64,
    config: MLPConfig = RACE_MLP,
    device: torch.device | None = None,
) -> dict[str, list[float] | float]:
    """The learning-rate range test (Smith, 2017): one run of SGD whose learning rate grows exponentially from
    ``low`` to ``high``, recording the minibatch loss at each rate. Stops once the loss exceeds four times its
    best. ``suggested`` is the rate of steepest descent of the smoothed loss (in log-rate), the usual pick."""
    model = build_mlp(config, seed, device)
    gen = generator(seed)
    rates = np.geomspace(low, high, steps)
    seen: list[float] = []
    losses: list[float] = []
    best = math.inf
    order = endless_batches(len(data.y_train), batch_size, gen)
    for lr in rates:
        idx = next(order).to(data.x_train.device)
        model.zero_grad()
        loss = F.cross_entropy(model(data.x_train[idx]), data.y_train[idx])
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                assert p.grad is not None
                p.sub_(float(lr) * p.grad)
        value = float(loss.detach())
        seen.append(float(lr))
        losses.append(value)
        best = min(best, value)
        if not math.isfinite(value) or value > 4 * best:
            break
    smooth = _ema(losses, 0.8)
    slope = np.gradient(np.asarray(smooth), np.log10(np.asarray(seen))) if len(seen) > 2 else np.zeros(len(seen))
    k = int(np.argmin(slope[: int(np.argmin(smooth)) + 1])) if len(seen) > 2 else 0
    return {
        "lrs": seen,
        "loss": losses,
        "smoothed": smooth,
        "suggested": seen[k],
        "min_loss_lr": seen[int(np.argmin(smooth))],
    }


def _ema(values: Sequence[float], beta: float) -> list[float]:
    """Bias-corrected exponential moving average."""
    out, avg = [], 0.0
    for i, v in enumerate(values, 1):
        avg = beta * avg + (1 - beta) * v
        out.append(avg / (1 - beta**i))
    return out
