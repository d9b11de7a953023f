"""Metric learning: a small network maps each MNIST digit to a point in the plane, trained with the contrastive
loss (pairs) or the triplet loss (anchor, positive, negative), so that digits of one class end up close together.

* contrastive (Hadsell, Chopra and LeCun, 2006): for a pair at distance d, ``d²`` if the two are of one class,
  else ``max(0, margin - d)²``: pull matching pairs together, push others apart until they are a margin away;
* triplet (Schroff et al., 2015): ``max(0, d(a, p) - d(a, n) + margin)``: the positive must be closer to the
  anchor than the negative, by the margin.

Pairs and triplets are drawn at random within each minibatch from the run's own generator. Retrieval is
measured as recall@1: for each test digit, is its nearest other test digit in the plane of the same class?
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from demos.common import generator, seeded
from demos.train.core import Data, batches

LOSSES: tuple[str, ...] = ("contrastive", "triplet")


def contrastive_loss(a: Tensor, b: Tensor, same: Tensor, margin: float = 1.0) -> Tensor:
    """Mean contrastive loss of pairs ``a (N, D)``, ``b (N, D)``; ``same (N,)`` is 1 where the pair shares a class."""
    d = (a - b).pow(2).sum(1).add(1e-12).sqrt()  # (N,)
    return torch.where(same.bool(), d.pow(2), F.relu(margin - d).pow(2)).mean()


def triplet_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0) -> Tensor:
    """Mean triplet loss of ``(N, D)`` anchors, positives (same class) and negatives (another class)."""
    d_pos = (anchor - positive).pow(2).sum(1).add(1e-12).sqrt()  # (N,)
    d_neg = (anchor - negative).pow(2).sum(1).add(1e-12).sqrt()  # (N,)
    return F.relu(d_pos - d_neg + margin).mean()


def embedder(seed: int, dim: int = 2) -> nn.Module:
    """784 -> 256 -> 64 -> ``dim``, ReLU, built under a fixed seed."""
    with seeded(seed):
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, dim))


def _partners(y: Tensor, gen: torch.Generator, same: bool) -> Tensor:
    """For each index of batch labels ``y (B,)``, a random index of the batch with the same class (``same``) or
    another class; -1 where there is none."""
    match = (y[:, None] == y[None, :]) if same else (y[:, None] != y[None, :])  # (B, B)
    if same:
        match.fill_diagonal_(False)
    score = torch.rand(match.shape, generator=gen, device="cpu").to(y.device) * match  # (B, B)
    pick = score.argmax(1)  # (B,)
    return torch.where(match.any(1), pick, torch.full_like(pick, -1))


def pair_batch(y: Tensor, gen: torch.Generator) -> tuple[Tensor, Tensor, Tensor]:
    """Half the batch paired with a same-class partner, half with another class: (i, j, same)."""
    pos, neg = _partners(y, gen, True), _partners(y, gen, False)
    half = torch.arange(len(y), device=y.device) % 2 == 0
    j = torch.where(half, pos, neg)
    ok = j >= 0
    i = torch.arange(len(y), device=y.device)[ok]
    j = j[ok]
    return i, j, (y[i] == y[j]).float()


def triplet_batch(y: Tensor, gen: torch.Generator) -> tuple[Tensor, Tensor, Tensor]:
    """Each example as an anchor with a random positive and a random negative from the batch."""
    pos, neg = _partners(y, gen, True), _partners(y, gen, False)
    ok = (pos >= 0) & (neg >= 0)
    return torch.arange(len(y), device=y.device)[ok], pos[ok], neg[ok]


def shown_index(n: int, shown: int) -> Tensor:
    """Which of ``n`` test digits the scatter shows: ``shown`` of them spread evenly (the test set is sorted by
    class, so the first ``shown`` would be the low digits only)."""
    return torch.linspace(0, n - 1, min(shown, n)).round().long()


@torch.no_grad()
def recall_at_1(points: Tensor, labels: Tensor) -> float:
    """Share of points ``(N, D)`` whose nearest *other* point has the same label."""
    d = torch.cdist(points, points)  # (N, N)
    d.fill_diagonal_(math.inf)
    return float((labels[d.argmin(1)] == labels).float().mean())


@dataclass
class EmbedRun:
    loss_name: str
    losses: list[float] = field(default_factory=list)
    snapshots: list[dict[str, object]] = field(default_factory=list)  # step, recall, rounded test points
    recall: float = 0.0
    seconds: float = 0.0


def train_embedding(
    data: Data,
    loss_name: str,
    steps: int = 600,
    *,
    seed: int = 0,
    batch_size: int = 128,
    margin: float = 1.0,
    lr: float = 1e-3,
    snapshot_every: int = 50,
    shown: int = 500,
    device: torch.device | None = None,
    on_snapshot: Callable[[int, int, EmbedRun], None] | None = None,
) -> tuple[EmbedRun, nn.Module]:
    """Train a 2-D embedding with Adam. Every ``snapshot_every`` steps, embed the test digits, record recall@1
    and ``shown`` of the test points (:func:`shown_index`, for the moving scatter) and call ``on_snapshot(step,
    steps, run)``."""
    if loss_name not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {loss_name!r}")
    model = embedder(seed).to(device or data.x_train.device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = generator(seed)
    run = EmbedRun(loss_name)
    t0 = time.perf_counter()

    def snapshot(step: int) -> None:
        model.eval()
        with torch.no_grad():
            pts = model(data.x_test)  # (N, 2)
        model.train()
        run.recall = recall_at_1(pts, data.y_test)
        run.snapshots.append(
            {
                "step": step,
                "recall": round(run.recall, 4),
                "points": pts[shown_index(len(pts), shown)].cpu().numpy().round(3).tolist(),
            }
        )
        run.seconds = time.perf_counter() - t0
        if on_snapshot is not None:
            on_snapshot(step, steps, run)

    snapshot(0)
    done = 0
    while done < steps:
        for idx in batches(len(data.y_train), batch_size, gen):
            idx = idx.to(data.x_train.device)
            x, y = data.x_train[idx], data.y_train[idx]
            e = model(x)  # (B, 2)
            if loss_name == "contrastive":
                i, j, same = pair_batch(y, gen)
                loss = contrastive_loss(e[i], e[j], same, margin)
            else:
                a, p, n = triplet_batch(y, gen)
                loss = triplet_loss(e[a], e[p], e[n], margin)
            opt.zero_grad()
            loss.backward()
            opt.step()
            done += 1
            run.losses.append(float(loss.detach()))
            if done % snapshot_every == 0 or done == steps:
                snapshot(done)
            if done >= steps:
                break
    run.seconds = time.perf_counter() - t0
    return run, model
