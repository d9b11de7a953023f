"""A GAN on 2-D points, GAN Lab style: watch the generator's samples and the discriminator's verdict evolve.

Targets: a ``ring`` of 8 Gaussians (radius 2) and a ``grid`` of 3 x 3 Gaussians (spacing 2), each with standard
deviation 0.05 (the mixtures of Metz et al. 2017, "Unrolled GANs"). The generator maps 8-D standard normal noise
through two 64-unit ReLU layers to a point; the discriminator maps a point through two 64-unit ReLU layers to a
logit. Both train with Adam (lr 3e-3, betas 0.5/0.999) on the non-saturating GAN loss (Goodfellow et al. 2014),
one discriminator step per generator step.

A mode is **covered** when at least ``COVER_SHARE`` of the generated points lie within 3 standard deviations of
its centre; points within 3 standard deviations of any centre are **on a mode** ("high-quality samples" in Metz et
al.). Shapes: B points, 2 coordinates, Z = 8 noise dimensions, M modes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal

import torch
from torch import nn
from torch.nn import functional as F

from demos.common import generator, seeded

Target = Literal["ring", "grid"]
TARGETS: tuple[Target, ...] = ("ring", "grid")
STD = 0.05
NOISE = 8  # Z
COVER_SHARE = 0.01  # a mode is covered by at least 1 % of the samples (a fair share is 12.5 % or 11 %)
EXTENT = 5.0  # the figure and the discriminator map span [-EXTENT, EXTENT]^2


def centres(target: Target) -> torch.Tensor:
    """The mixture's mode centres ``(M, 2)``: 8 on a circle of radius 2, or a 3 x 3 grid from -2 to 2."""
    if target == "ring":
        angles = torch.arange(8) * 2 * math.pi / 8
        return torch.stack([2 * angles.cos(), 2 * angles.sin()], 1)
    if target == "grid":
        g = torch.arange(-2, 3, 2, dtype=torch.float)
        return torch.cartesian_prod(g, g)
    raise ValueError(f"target must be one of {', '.join(TARGETS)}, got {target!r}")


def sample_target(target: Target, n: int, gen: torch.Generator) -> torch.Tensor:
    """``n`` points ``(B, 2)`` from the mixture (modes equally likely)."""
    c = centres(target)
    pick = torch.randint(0, len(c), (n,), generator=gen)
    return c[pick] + STD * torch.randn(n, 2, generator=gen)


def mlp(inputs: int, outputs: int, hidden: int = 64) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, outputs)
    )


@dataclass(frozen=True)
class GAN2DConfig:
    target: Target = "ring"
    steps: int = 1500  # generator steps (one discriminator step each)
    batch: int = 128
    lr: float = 3e-3
    hidden: int = 64
    seed: int = 0
    snapshot_every: int = 100  # steps between the frames of the figure

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise ValueError(f"target must be one of {', '.join(TARGETS)}, got {self.target!r}")
        if not 1 <= self.steps <= 100_000 or self.batch < 2 or self.snapshot_every < 1:
            raise ValueError("steps must be 1..100000, batch at least 2, snapshot_every at least 1")


@dataclass(frozen=True)
class Coverage:
    covered: int  # modes with at least COVER_SHARE of the points within 3 std
    modes: int  # M
    on_mode: float  # share of points within 3 std of some centre
    per_mode: list[float]  # (M,) share of the points at each mode


def coverage(points: torch.Tensor, target: Target) -> Coverage:
    """How many of the target's modes ``points (B, 2)`` cover, and how many points sit on a mode."""
    c = centres(target)
    dist = torch.cdist(points.float(), c)  # (B, M)
    near = dist.min(1)
    hit = near.values < 3 * STD  # (B,)
    counts = torch.bincount(near.indices[hit], minlength=len(c)).float() / len(points)  # (M,)
    return Coverage(int((counts >= COVER_SHARE).sum()), len(c), float(hit.float().mean()), counts.tolist())


@dataclass
class Snapshot:
    step: int
    points: list[list[float]]  # generated points, rounded, (n, 2)
    verdict: list[list[float]]  # D(x) = sigmoid(logit) on a grid, (G, G) rows from -EXTENT up
    covered: int
    on_mode: float
    d_loss: float
    g_loss: float


@dataclass
class GAN2DRun:
    config: GAN2DConfig
    generator: nn.Module
    discriminator: nn.Module
    snapshots: list[Snapshot] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False


def build(config: GAN2DConfig) -> tuple[nn.Module, nn.Module]:
    with seeded(config.seed):
        return mlp(NOISE, 2, config.hidden), mlp(2, 1, config.hidden)


@torch.no_grad()
def generate(gen_net: nn.Module, n: int, seed: int) -> torch.Tensor:
    """``n`` generated points ``(B, 2)`` from noise drawn with ``seed``."""
    device = next(gen_net.parameters()).device
    z = torch.randn(n, NOISE, generator=generator(seed))
    return gen_net(z.to(device)).cpu()


@torch.no_grad()
def verdict_grid(disc: nn.Module, size: int = 30) -> list[list[float]]:
    """The discriminator's probability "real" on a ``size`` x ``size`` grid over the figure, rows by y."""
    device = next(disc.parameters()).device
    axis = torch.linspace(-EXTENT, EXTENT, size)
    yy, xx = torch.meshgrid(axis, axis, indexing="ij")
    probs = torch.sigmoid(disc(torch.stack([xx.flatten(), yy.flatten()], 1).to(device))).view(size, size).cpu()
    return [[round(float(v), 3) for v in row] for row in probs]


def train_gan2d(
    config: GAN2DConfig,
    device: torch.device,
    frame_points: int = 400,
    on_step: Callable[[int, Snapshot], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> GAN2DRun:
    """Train a 2-D GAN and keep a :class:`Snapshot` every ``snapshot_every`` steps (and at step 0)."""
    g_net, d_net = (m.to(device) for m in build(config))
    g_opt = torch.optim.Adam(g_net.parameters(), lr=config.lr, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(d_net.parameters(), lr=config.lr, betas=(0.5, 0.999))
    data_gen, noise_gen = generator(config.seed + 1), generator(config.seed + 2)
    run = GAN2DRun(config, g_net, d_net)
    cover_seed = config.seed + 3  # the same noise for every frame, so a frame shows how the map moved
    t0 = time.perf_counter()
    d_loss = g_loss = torch.zeros(())

    def snap(step: int) -> None:
        pts = generate(g_net, 2000, cover_seed)
        cov = coverage(pts, config.target)
        shot = Snapshot(
            step,
            [[round(float(a), 3), round(float(b), 3)] for a, b in pts[:frame_points]],
            verdict_grid(d_net),
            cov.covered,
            round(cov.on_mode, 4),
            round(d_loss.item(), 4),
            round(g_loss.item(), 4),
        )
        run.snapshots.append(shot)
        if on_step is not None:
            on_step(step, shot)

    snap(0)
    for step in range(1, config.steps + 1):
        real = sample_target(config.target, config.batch, data_gen).to(device)  # (B, 2)
        z = torch.randn(config.batch, NOISE, generator=noise_gen).to(device)  # (B, Z)
        fake = g_net(z)  # (B, 2)
        logits_real, logits_fake = d_net(real), d_net(fake.detach())  # (B, 1) each
        d_loss = F.binary_cross_entropy_with_logits(
            logits_real, torch.ones_like(logits_real)
        ) + F.binary_cross_entropy_with_logits(logits_fake, torch.zeros_like(logits_fake))
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()
        logits = d_net(fake)  # the generator wants D to call its points real (non-saturating loss)
        g_loss = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        if step % config.snapshot_every == 0 or step == config.steps:
            snap(step)
        if should_stop is not None and should_stop():
            run.stopped = True
            break
    g_net.eval()
    d_net.eval()
    run.seconds = time.perf_counter() - t0
    return run


def record(run: GAN2DRun) -> dict[str, object]:
    return {"config": asdict(run.config), "generator": run.generator.state_dict()}


def generator_from_record(rec: dict[str, object], device: torch.device) -> nn.Module:
    config = GAN2DConfig(**rec["config"])  # type: ignore[arg-type]
    g_net, _ = build(config)
    g_net.load_state_dict(rec["generator"])  # type: ignore[arg-type]
    return g_net.to(device).eval()
