"""Seeded training of the four models on the MNIST training split (Adam, random shifts of up to 2 px).

- baseline and ensemble members: cross-entropy + L2 weight decay, no dropout;
- MC dropout: the same with dropout on during training;
- Bayes by Backprop: minimise the minibatch ELBO, ``mean NLL + kl_weight * KL(q || p) / N_train``, i.e. the
  full-data KL spread evenly over the minibatches, with one weight draw per minibatch.

Models are built under :func:`demos.common.seeded` and their training noise (dropout masks, weight draws) comes
from a generator of the run: on the CPU it continues the seeded stream where initialisation left it, so the
numbers are those of a script that called ``torch.manual_seed(seed)`` once, and torch's global generator is
never touched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F

from demos.bayesian.data import Split, shift
from demos.bayesian.models import BayesNet, ConvNet, Ensemble, Model, NetConfig, build
from demos.common import generator, seeded


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 15  # passes over the 3,500 training digits
    batch_size: int = 64  # images per minibatch
    lr: float = 2e-3  # Adam learning rate (decayed by cosine to 0 over the run)
    weight_decay: float = 1e-4  # L2 for the point-estimate models (the Bayesian model has its prior instead)
    max_shift: int = 2  # training augmentation: random translation of up to this many pixels
    kl_weight: float = 1.0  # BBB: 1.0 is the true ELBO; smaller values down-weight the prior
    seed: int = 0  # seeds initialisation, minibatch order, augmentation and weight noise


@dataclass(frozen=True)
class TrainResult:
    model: Model
    seconds: float
    final_loss: float  # mean training loss over the last epoch
    final_kl: float | None  # BBB only: KL(q || p) at the end


def _built(kind: str, net: NetConfig, seed: int, device: torch.device) -> tuple[Model, torch.Generator]:
    """A fresh model of ``kind`` initialised from ``seed`` and the generator of its training noise."""
    with seeded(seed):
        model = build(kind, net)
        state = torch.random.get_rng_state()
    if device.type != "cpu":
        return model, generator(seed, device)  # a CUDA stream seeded as torch.manual_seed(seed) seeds it
    noise = torch.Generator()
    noise.set_state(state)
    return model, noise


def _fit(
    model: ConvNet | BayesNet, train: Split, config: TrainConfig, device: torch.device, noise: torch.Generator
) -> tuple[float, float | None]:
    """Train in place; minibatch order and shifts come from ``config.seed``, dropout masks and weight draws
    from ``noise``. Returns the last epoch's mean loss and (BBB) the final KL."""
    g = torch.Generator().manual_seed(config.seed)
    model.to(device).train()
    bayes = isinstance(model, BayesNet)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=0.0 if bayes else config.weight_decay)
    steps_per_epoch = (len(train.x) + config.batch_size - 1) // config.batch_size
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=config.epochs * steps_per_epoch)
    n = len(train.x)
    last_loss, kl_value = 0.0, None
    for _ in range(config.epochs):
        order = torch.randperm(n, generator=g)
        total = 0.0
        for i in range(0, n, config.batch_size):
            idx = order[i : i + config.batch_size]
            x = shift(train.x[idx], config.max_shift, g).to(device)  # (B, 1, 28, 28)
            y = train.y[idx].to(device)  # (B,)
            if isinstance(model, BayesNet):
                nll = F.cross_entropy(model(x, 1, noise)[0], y)
                kl = model.kl()
                loss = nll + config.kl_weight * kl / n
                kl_value = kl.item()
            else:
                loss = F.cross_entropy(model(x, generator=noise), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        last_loss = total / n
    model.eval()
    return last_loss, kl_value


def train_model(
    kind: str,
    train: Split,
    device: torch.device,
    config: TrainConfig = TrainConfig(),
    net: NetConfig | None = None,
) -> TrainResult:
    """Train a fresh model of ``kind`` with ``config.seed``; ensemble members use seeds seed, seed+1, ..."""
    net = net or NetConfig()
    t0 = time.perf_counter()
    model, noise = _built(kind, net, config.seed, device)
    if isinstance(model, Ensemble):
        losses = []
        for i, slot in enumerate(model.members):
            member, member_noise = _built("baseline", net, config.seed + i, device)
            slot.load_state_dict(member.state_dict())
            assert isinstance(slot, ConvNet)
            loss, _ = _fit(slot, train, replace(config, seed=config.seed + i), device, member_noise)
            losses.append(loss)
        model.to(device).eval()
        return TrainResult(model, time.perf_counter() - t0, sum(losses) / len(losses), None)
    loss, kl = _fit(model, train, config, device, noise)
    return TrainResult(model, time.perf_counter() - t0, loss, kl)
