"""The optimiser labs' GPU path, run once by ``python -m demos.gpu_check``: the seven rules training the MNIST
MLP on the device (and each rule against torch.optim there), and stale-gradient SGD."""

from __future__ import annotations

import time

import torch

from demos.common import sync
from demos.optim.network import NETWORK_LRS, RACE_MLP, RuleOptimizer, race_network
from demos.optim.rules import RULES, torch_optimizer
from demos.optim.sync import stale_sgd
from demos.train.core import build_mlp, mnist


def gpu_check(device: torch.device, steps: int = 100, train_per_class: int = 400) -> dict[str, object]:
    t0 = time.perf_counter()
    runs = race_network(tuple(RULES), steps, train_per_class=train_per_class, device=device)
    sync(device)
    race_s = time.perf_counter() - t0
    data = mnist(min(train_per_class, 20), 10, device=device)
    gaps = {}
    for rule in RULES:
        a, b = build_mlp(RACE_MLP, 0, device), build_mlp(RACE_MLP, 0, device)
        ours, theirs = (
            RuleOptimizer(a.parameters(), rule, NETWORK_LRS[rule]),
            torch_optimizer(rule, b.parameters(), NETWORK_LRS[rule]),
        )
        for _ in range(5):
            for model, opt in ((a, ours), (b, theirs)):
                opt.zero_grad()
                torch.nn.functional.cross_entropy(model(data.x_train), data.y_train).backward()
                opt.step()
        pairs = zip(a.parameters(), b.parameters(), strict=True)
        gaps[rule] = max(float((p - q).detach().abs().max()) for p, q in pairs)
    t0 = time.perf_counter()
    stale = stale_sgd(mnist(train_per_class, device=device), 4, 0.1, steps, device=device)
    sync(device)
    return {
        "race_seconds": round(race_s, 2),
        "race_final_loss": {r: round(sum(run.curve.loss[-10:]) / 10, 4) for r, run in runs.items()},
        "max_weight_gap_vs_torch_optim": gaps,
        "stale_sgd_seconds": round(time.perf_counter() - t0, 2),
        "stale_sgd_final_loss": stale.loss[-1],
    }
