"""The backprop lab's GPU path: the engine is pure Python on the CPU, so this checks its oracle where the lab's
numbers would be compared on a GPU machine -- torch.autograd on the device agreeing with the engine."""

from __future__ import annotations

import time

import torch

from demos.autograd.graphs import leaves, random_expression, replay, torch_lib


def gpu_check(device: torch.device, expressions: int = 50) -> dict[str, object]:
    t0 = time.perf_counter()
    worst = 0.0
    for seed in range(expressions):
        root, _ = random_expression(seed)
        root.backward()
        ins = {n.id: torch.tensor(n.data, dtype=torch.float64, device=device, requires_grad=True) for n in leaves(root)}
        out = replay(root, ins, torch_lib())[root.id]
        grads = torch.autograd.grad(out, list(ins.values()), allow_unused=True)
        for leaf, g in zip(leaves(root), grads, strict=True):
            want = float(g) if g is not None else 0.0
            worst = max(worst, abs(leaf.grad - want) / max(1.0, abs(want)))
    return {"expressions": expressions, "max_relative_gap": worst, "seconds": round(time.perf_counter() - t0, 3)}
