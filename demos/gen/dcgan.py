"""A small DCGAN on MNIST (Radford et al. 2016; the notes' "Program #4 -- GANs").

Generator: noise ``z (N, Z)`` -> linear -> 64 x 7 x 7 -> transposed convolution to 32 x 14 x 14 -> transposed
convolution to 1 x 28 x 28, batch norm and ReLU between, a sigmoid at the end: it draws coarse-to-fine, 7 -> 14 ->
28 pixels, inside one network (LAPGAN instead trains one GAN per level of a Laplacian pyramid). Discriminator:
two strided 4x4 convolutions (32, 64 channels, batch norm on the second, LeakyReLU 0.2) and a linear logit.
Both train with Adam (lr 2e-4, betas 0.5/0.999) on the non-saturating loss, one discriminator step per generator
step, as the DCGAN paper recommends.

Quality is judged by the family's classifier (:mod:`demos.gen.classifier`): how many of the 10 classes the
samples cover, how evenly, and how confidently each sample is classified.

Shapes: N images, Z = 32 noise dimensions, images ``(N, 1, 28, 28)`` in [0, 1].
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import torch
from torch import nn
from torch.nn import functional as F

from demos.common import generator, seeded
from demos.gen.classifier import DigitCNN, probabilities

NOISE = 32  # Z


class Generator(nn.Module):
    def __init__(self, noise: int = NOISE, width: int = 64) -> None:
        super().__init__()
        self.width = width
        self.project = nn.Sequential(nn.Linear(noise, width * 7 * 7), nn.BatchNorm1d(width * 7 * 7), nn.ReLU())
        self.up1 = nn.Sequential(nn.ConvTranspose2d(width, width // 2, 4, 2, 1), nn.BatchNorm2d(width // 2), nn.ReLU())
        self.up2 = nn.ConvTranspose2d(width // 2, 1, 4, 2, 1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Images ``(N, 1, 28, 28)`` from ``z (N, Z)``."""
        h7 = self.project(z).view(len(z), self.width, 7, 7)  # (N, W, 7, 7)
        h14 = self.up1(h7)  # (N, W/2, 14, 14)
        return torch.sigmoid(self.up2(h14))  # (N, 1, 28, 28)


class Discriminator(nn.Module):
    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 4, 2, 1),  # (N, W, 14, 14)
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, 2, 1),  # (N, 2W, 7, 7)
            nn.BatchNorm2d(2 * width),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(2 * width * 7 * 7, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)  # (N, 1) logits


@dataclass(frozen=True)
class DCGANConfig:
    steps: int = 3000  # generator steps
    batch: int = 64
    lr: float = 2e-4
    g_width: int = 64
    d_width: int = 32
    seed: int = 0

    def __post_init__(self) -> None:
        if self.steps < 1 or self.batch < 2 or self.g_width < 2 or self.g_width % 2 or self.d_width < 1:
            raise ValueError("steps >= 1, batch >= 2, an even generator width >= 2 and a discriminator width >= 1")


@dataclass
class DCGANRun:
    config: DCGANConfig
    generator: Generator
    discriminator: Discriminator
    losses: list[tuple[int, float, float]] = field(default_factory=list)  # (step, D loss, G loss), means
    seconds: float = 0.0
    stopped: bool = False


def build(config: DCGANConfig) -> tuple[Generator, Discriminator]:
    with seeded(config.seed):
        return Generator(NOISE, config.g_width), Discriminator(config.d_width)


def train_dcgan(
    images: torch.Tensor,
    config: DCGANConfig,
    device: torch.device,
    on_step: Callable[[int, float, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    log_every: int = 50,
) -> DCGANRun:
    """Train on ``images (N, 1, 28, 28)`` in [0, 1]; minibatches and noise from private generators. The mean
    losses are logged every ``log_every`` steps."""
    g_net, d_net = build(config)
    g_net, d_net = g_net.to(device), d_net.to(device)
    g_opt = torch.optim.Adam(g_net.parameters(), lr=config.lr, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(d_net.parameters(), lr=config.lr, betas=(0.5, 0.999))
    data_gen, noise_gen = generator(config.seed + 1), generator(config.seed + 2)
    run = DCGANRun(config, g_net, d_net)
    images = images.to(device)
    t0, sums, count = time.perf_counter(), [0.0, 0.0], 0
    for step in range(1, config.steps + 1):
        real = images[torch.randint(0, len(images), (config.batch,), generator=data_gen).to(device)]
        z = torch.randn(config.batch, NOISE, generator=noise_gen).to(device)  # (B, Z)
        fake = g_net(z)  # (B, 1, 28, 28)
        lr_, lf = d_net(real), d_net(fake.detach())  # (B, 1)
        d_loss = F.binary_cross_entropy_with_logits(lr_, torch.ones_like(lr_)) + F.binary_cross_entropy_with_logits(
            lf, torch.zeros_like(lf)
        )
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()
        logits = d_net(fake)
        g_loss = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        sums[0] += d_loss.item()
        sums[1] += g_loss.item()
        count += 1
        if step % log_every == 0 or step == config.steps:
            run.losses.append((step, round(sums[0] / count, 4), round(sums[1] / count, 4)))
            if on_step is not None:
                on_step(step, sums[0] / count, sums[1] / count)
            sums, count = [0.0, 0.0], 0
        if should_stop is not None and should_stop():
            run.stopped = True
            break
    g_net.eval()
    d_net.eval()
    run.seconds = time.perf_counter() - t0
    return run


@torch.no_grad()
def sample(g_net: Generator, n: int, seed: int) -> torch.Tensor:
    """``n`` images ``(N, 1, 28, 28)`` on the CPU from noise drawn with ``seed``."""
    device = next(g_net.parameters()).device
    z = torch.randn(n, NOISE, generator=generator(seed))
    return g_net(z.to(device)).cpu()


@torch.no_grad()
def interpolate(g_net: Generator, seed_a: int, seed_b: int, steps: int) -> torch.Tensor:
    """Images ``(S, 1, 28, 28)`` along the straight line between the noise vectors of two seeds."""
    device = next(g_net.parameters()).device
    za = torch.randn(NOISE, generator=generator(seed_a))
    zb = torch.randn(NOISE, generator=generator(seed_b))
    t = torch.linspace(0, 1, steps)[:, None]  # (S, 1)
    return g_net(((1 - t) * za + t * zb).to(device)).cpu()


@dataclass(frozen=True)
class Quality:
    samples: int
    classes_covered: int  # classes that are the top class of at least 2 % of the samples
    class_shares: list[float]  # (10,) share of samples per top class
    mean_confidence: float  # mean top probability
    confident_share: float  # share of samples with top probability >= 0.9
    class_entropy_bits: float  # entropy of class_shares; log2(10) = 3.32 is perfectly even


def quality(classifier: DigitCNN, images: torch.Tensor) -> Quality:
    """The classifier's view of a set of images ``(N, 1, 28, 28)``: class coverage, evenness and confidence."""
    probs = probabilities(classifier, images)  # (N, 10)
    top, label = probs.max(-1)
    shares = torch.bincount(label, minlength=10).float() / len(images)  # (10,)
    nz = shares[shares > 0]
    return Quality(
        len(images),
        int((shares >= 0.02).sum()),
        [round(float(v), 4) for v in shares],
        round(float(top.mean()), 4),
        round(float((top >= 0.9).float().mean()), 4),
        round(float(-(nz * nz.log2()).sum()), 4),
    )


def record(run: DCGANRun) -> dict[str, object]:
    """Generator weights only (float16): the discriminator is not needed to draw samples."""
    return {
        "config": asdict(run.config),
        "generator": {k: v.half() if v.is_floating_point() else v for k, v in run.generator.state_dict().items()},
    }


def generator_from_record(rec: dict[str, object], device: torch.device) -> Generator:
    config = DCGANConfig(**rec["config"])  # type: ignore[arg-type]
    g_net, _ = build(config)
    g_net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in rec["generator"].items()})  # type: ignore[attr-defined]
    return g_net.to(device).eval()


def pyramid_level(images: torch.Tensor, size: int) -> torch.Tensor:
    """``images (N, 1, 28, 28)`` seen at ``size`` x ``size`` (average-pooled), blown back up to 28 x 28: the levels
    of the image pyramid a multiscale GAN such as LAPGAN generates one after the other."""
    if 28 % size:
        raise ValueError(f"the pyramid level must divide 28, got {size}")
    small = F.avg_pool2d(images, 28 // size)  # (N, 1, size, size)
    return F.interpolate(small, size=28, mode="nearest")  # (N, 1, 28, 28)


def grid_image(images: torch.Tensor, columns: int) -> list[list[float]]:
    """Tile ``images (N, 1, 28, 28)`` into one ``(rows * 28, columns * 28)`` picture (rows of 2 decimals)."""
    n = len(images)
    rows = math.ceil(n / columns)
    canvas = torch.zeros(rows * 28, columns * 28)
    for i in range(n):
        r, c = divmod(i, columns)
        canvas[r * 28 : (r + 1) * 28, c * 28 : (c + 1) * 28] = images[i, 0]
    return [[round(float(v), 2) for v in row] for row in canvas]
