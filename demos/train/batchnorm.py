"""Batch normalisation: the same deep MLP trained with and without it at several learning rates, and what its
train mode and eval mode do.

In train mode a BatchNorm layer normalises each unit with the mean and variance of the *current batch* and updates
running averages of them; in eval mode it uses those running averages. So in train mode a digit's output depends
on which other digits share its batch, and :func:`mode_effects` measures by how much.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from demos.common import generator
from demos.train.core import Curve, Data, MLPConfig, Progress, accuracy, build_mlp, fit

BN_MLP = MLPConfig(depth=8, width=64, act="relu", init="he")
TARGET = 0.9  # test accuracy that counts as "trained"


@dataclass(frozen=True)
class BNRun:
    batch_norm: bool
    lr: float
    curve: Curve
    steps_to_target: int  # first evaluation step at or above TARGET test accuracy; -1 if never


def train_bn(
    data: Data,
    lr: float,
    batch_norm: bool,
    steps: int = 300,
    *,
    seed: int = 0,
    config: MLPConfig = BN_MLP,
    batch_size: int = 64,
    eval_every: int = 25,
    device: torch.device | None = None,
    on_progress: Progress | None = None,
) -> tuple[BNRun, torch.nn.Module]:
    """Plain SGD (no momentum) on the deep MLP, with or without batch norm after every hidden linear layer."""
    model = build_mlp(replace(config, batch_norm=batch_norm), seed, device)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
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
    hit = next((s for s, a in zip(curve.eval_steps, curve.test_acc, strict=True) if a >= TARGET), -1)
    return BNRun(batch_norm, lr, curve, hit), model


@torch.no_grad()
def mode_effects(model: torch.nn.Module, data: Data, batch: int = 32, seed: int = 0) -> dict[str, float]:
    """How a trained batch-norm MLP behaves in each mode (the model's running statistics are left as they were).

    * ``train_mode_shift``: the largest change of one digit's logits when the other digits of its batch change
      (train mode); ``eval_mode_shift`` the same in eval mode (zero: the running statistics do not depend on the
      batch).
    * ``acc_eval`` / ``acc_train_mixed`` / ``acc_train_sorted``: test accuracy in eval mode, in train mode on
      shuffled batches, and in train mode on batches of one class each (the batch statistics then carry the
      class, and normalising by them removes what the digits share).
    """
    state = {k: v.clone() for k, v in model.state_dict().items()}  # train-mode passes update running stats
    x, y = data.x_test, data.y_test
    gen = generator(seed)
    probe = x[:1]  # (1, 784)
    a = x[torch.randperm(len(y), generator=gen)[: batch - 1]]
    b = x[torch.randperm(len(y), generator=gen)[: batch - 1]]

    def logits(train: bool, mates: torch.Tensor) -> torch.Tensor:
        model.train(train)
        return model(torch.cat([probe, mates]))[0]

    shift_train = float((logits(True, a) - logits(True, b)).abs().max())
    shift_eval = float((logits(False, a) - logits(False, b)).abs().max())

    def acc_in_batches(order: torch.Tensor) -> float:
        model.train(True)
        hits = sum(int((model(x[i]).argmax(1) == y[i]).sum()) for i in order.split(batch) if len(i) > 1)
        return hits / len(y)

    mixed = acc_in_batches(torch.randperm(len(y), generator=gen))
    sorted_ = acc_in_batches(torch.argsort(y, stable=True))
    model.load_state_dict(state)
    out = {
        "train_mode_shift": shift_train,
        "eval_mode_shift": shift_eval,
        "acc_eval": accuracy(model, x, y),
        "acc_train_mixed": mixed,
        "acc_train_sorted": sorted_,
    }
    model.eval()
    return out
