"""The training labs' GPU path, run once by ``python -m demos.gpu_check``: gradient norms of a deep MLP, a few
hundred steps with and without batch norm, a regularised run, a 2-D embedding and a cross-entropy run, all on
the device."""

from __future__ import annotations

import time

import torch

from demos.common import sync
from demos.train.activations import DeepConfig, gradient_norms
from demos.train.batchnorm import train_bn
from demos.train.core import mnist
from demos.train.embed import train_embedding
from demos.train.regularise import METHODS, train_regularised


def gpu_check(device: torch.device, steps: int = 200, depth: int = 20, train_per_class: int = 400) -> dict[str, object]:
    out: dict[str, object] = {}
    t0 = time.perf_counter()
    norms = gradient_norms(DeepConfig(depth=depth, act="sigmoid"), 0, device)["norms"]
    out["sigmoid_first_over_last_hidden"] = norms[0] / norms[-2]  # type: ignore[index]
    data = mnist(train_per_class, device=device)
    for bn in (False, True):
        run, _ = train_bn(data, 1.0, bn, steps, eval_every=max(steps // 4, 1), device=device)
        out[f"lr1_{'bn' if bn else 'plain'}"] = {"diverged": run.curve.diverged, "test_acc": run.curve.test_acc[-1]}
    small = mnist(min(train_per_class, 50), device=device)
    reg = train_regularised(small, METHODS["dropout"], epochs=max(steps // 10, 1), device=device)
    out["dropout_test_acc"] = reg.test_acc
    emb, _ = train_embedding(data, "triplet", steps, snapshot_every=steps, device=device)
    out["triplet_recall_at_1"] = emb.recall
    sync(device)
    out["seconds"] = round(time.perf_counter() - t0, 2)
    return out
