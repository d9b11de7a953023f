"""Synchronous against asynchronous SGD, simulated on one machine.

In synchronous data-parallel training every update waits for all workers' gradients, computed on the current
weights. In asynchronous training (Hogwild, parameter servers) a worker applies its gradient as soon as it is
done, but it computed that gradient on the weights it read when it started: by then ``staleness`` other updates
have landed. This module models the textbook version, a fixed delay: update ``t`` applies the gradient of a fresh
minibatch taken at the weights of update ``t - staleness`` (staleness 0 is plain synchronous SGD). Everything
else -- the MLP, its initial weights, the minibatches, the learning rate -- is shared, so the curves differ by
the staleness alone.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.nn.utils import parameters_to_vector, vector_to_parameters

from demos.common import generator
from demos.optim.network import RACE_MLP
from demos.train.core import Curve, Data, MLPConfig, Progress, accuracy, build_mlp, endless_batches

MAX_STALENESS = 64


@dataclass(frozen=True)
class StaleRun:
    staleness: int
    lr: float
    loss: list[float]  # full training-set loss, every ``every`` updates (first at update 0)
    every: int
    test_acc: float
    diverged: bool


@torch.no_grad()
def _full_loss(model: torch.nn.Module, data: Data) -> float:
    return float(F.cross_entropy(model(data.x_train), data.y_train))


def stale_sgd(
    data: Data,
    staleness: int,
    lr: float,
    steps: int,
    *,
    seed: int = 0,
    batch_size: int = 32,
    every: int = 10,
    config: MLPConfig = RACE_MLP,
    device: torch.device | None = None,
    on_progress: Progress | None = None,
) -> StaleRun:
    """SGD where each update uses a gradient computed ``staleness`` updates ago. Records the full training loss
    every ``every`` updates; stops (``diverged``) once it is no longer finite or exceeds 10."""
    if not 0 <= staleness <= MAX_STALENESS:
        raise ValueError(f"staleness must be between 0 and {MAX_STALENESS}, got {staleness}")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr}")
    model = build_mlp(config, seed, device)  # the weights being trained
    reader = build_mlp(config, seed, device)  # a worker's copy of the weights it read
    params = list(model.parameters())
    history: deque[torch.Tensor] = deque([parameters_to_vector(params).detach().clone()], maxlen=staleness + 1)
    gen = generator(seed)
    order = endless_batches(len(data.y_train), batch_size, gen)
    losses = [_full_loss(model, data)]
    diverged = False
    for t in range(1, steps + 1):
        idx = next(order).to(data.x_train.device)
        vector_to_parameters(history[0], reader.parameters())  # the oldest weights kept: `staleness` updates ago
        reader.zero_grad()
        F.cross_entropy(reader(data.x_train[idx]), data.y_train[idx]).backward()
        with torch.no_grad():
            for p, q in zip(params, reader.parameters(), strict=True):
                assert q.grad is not None
                p.sub_(lr * q.grad)
        history.append(parameters_to_vector(params).detach().clone())
        if t % every == 0:
            losses.append(_full_loss(model, data))
            if not math.isfinite(losses[-1]) or losses[-1] > 10:
                diverged = True
                break
        if on_progress is not None and t % (every * 5) == 0:
            on_progress(t, steps, Curve(loss=losses))
    acc = accuracy(model, data.x_test, data.y_test) if not diverged else 0.1
    return StaleRun(staleness, lr, [round(v, 5) if math.isfinite(v) else 99.0 for v in losses], every, acc, diverged)


def updates_to(run: StaleRun, target: float) -> int:
    """The first recorded update at which the training loss is at or below ``target``; -1 if never."""
    return next((i * run.every for i, v in enumerate(run.loss) if v <= target), -1)
