"""PCA, a linear autoencoder, a non-linear autoencoder and a VAE on MNIST, by latent size.

* **PCA** keeps the top ``k`` principal directions of the centred training images: among all rank-``k`` linear
  reconstructions it has the least squared error on the data it was fitted to (Eckart-Young).
* **Linear autoencoder**: ``x -> W_e x + b_e -> W_d z + b_d`` trained with L2. Its optimum spans the same subspace
  as PCA, so trained well it approaches PCA's error and cannot go below it on the training images.
* **Autoencoder**: 784 -> 128 -> ``k`` -> 128 -> 784 with ReLUs and a sigmoid output, trained with L2.
* **VAE** (Kingma and Welling 2014): the same layers, the encoder giving a mean and log-variance per latent
  dimension; trained on the negative ELBO = reconstruction (Bernoulli cross-entropy, nats per image) + KL(q(z|x) ||
  N(0, I)), with the reparameterisation z = mu + sigma * eps (eps from a private generator).

Reconstruction error everywhere is the mean squared error per pixel on the 1,000 held-out digits (the VAE and
autoencoders reconstruct from the latent mean). Shapes: N images, 784 pixels, k latent size, H = 128.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal

import torch
from torch import nn
from torch.nn import functional as F

from demos.common import generator, seeded

Kind = Literal["linear", "mlp", "vae"]
KINDS: tuple[Kind, ...] = ("linear", "mlp", "vae")
KIND_NAMES = {"pca": "PCA", "linear": "Linear autoencoder", "mlp": "Autoencoder", "vae": "VAE"}
LATENTS: tuple[int, ...] = (2, 8, 32)
HIDDEN = 128


# ------------------------------------------------------------------------------------------------ PCA


@dataclass(frozen=True)
class PCA:
    mean: torch.Tensor  # (784,)
    components: torch.Tensor  # (K, 784), rows orthonormal, by decreasing variance
    variances: torch.Tensor  # (K,) variance along each component

    @classmethod
    def fit(cls, x: torch.Tensor, k: int) -> PCA:
        """Principal components of ``x (N, 784)`` by SVD of the centred data, in float64 for accuracy."""
        mean = x.double().mean(0)
        _, s, vt = torch.linalg.svd(x.double() - mean, full_matrices=False)  # vt (min(N, 784), 784)
        return cls(mean.float(), vt[:k].float(), (s[:k] ** 2 / (len(x) - 1)).float())

    def encode(self, x: torch.Tensor, k: int) -> torch.Tensor:
        return (x - self.mean) @ self.components[:k].T  # (N, k)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return z @ self.components[: z.shape[1]] + self.mean  # (N, 784)

    def reconstruct(self, x: torch.Tensor, k: int) -> torch.Tensor:
        return self.decode(self.encode(x, k))


# ------------------------------------------------------------------------------------------------ autoencoders


class AutoEncoder(nn.Module):
    """``kind`` "linear", "mlp" or "vae" with latent size ``latent``; see the module docstring."""

    def __init__(self, kind: Kind, latent: int, hidden: int = HIDDEN) -> None:
        super().__init__()
        self.kind, self.latent = kind, latent
        if kind == "linear":
            self.encoder: nn.Module = nn.Linear(784, latent)
            self.decoder: nn.Module = nn.Linear(latent, 784)
        else:
            out = 2 * latent if kind == "vae" else latent
            self.encoder = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, out))
            self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, 784))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The code ``(N, k)`` (the mean, for the VAE) and, for the VAE, the log-variance ``(N, k)``."""
        h = self.encoder(x.reshape(len(x), 784))
        if self.kind == "vae":
            mu, logvar = h.chunk(2, dim=-1)
            return mu, logvar.clamp(-12, 8)
        return h, None

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)  # (N, 784): pixels for "linear", logits otherwise

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images ``(N, 784)`` from codes ``(N, k)``: in [0, 1] except for the linear autoencoder."""
        out = self.decode_logits(z)
        return out if self.kind == "linear" else torch.sigmoid(out)

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x)[0])


@dataclass(frozen=True)
class AEConfig:
    kind: Kind = "mlp"
    latent: int = 8  # k
    epochs: int = 30
    batch: int = 100
    lr: float = 2e-3  # Adam, decayed linearly to 5 % over the run
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if not 1 <= self.latent <= 784:
            raise ValueError(f"latent size must be between 1 and 784, got {self.latent}")
        if self.epochs < 1 or self.batch < 1:
            raise ValueError("epochs and batch must be at least 1")


@dataclass
class AERun:
    config: AEConfig
    model: AutoEncoder
    history: list[dict[str, float]] = field(default_factory=list)  # per epoch: loss (and recon, kl for the VAE)
    seconds: float = 0.0
    stopped: bool = False


def losses(
    model: AutoEncoder, x: torch.Tensor, gen: torch.Generator | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(loss, reconstruction term, KL term), each a mean per image of ``x (N, 784)``. L2 (summed over pixels) for
    the autoencoders, KL 0; for the VAE the negative ELBO with one sample of z (the mean when ``gen`` is None)."""
    mu, logvar = model.encode(x)
    if model.kind != "vae":
        recon = ((model.decode(mu) - x) ** 2).sum(1).mean()
        return recon, recon, torch.zeros(())
    assert logvar is not None
    z = mu
    if gen is not None:
        eps = torch.randn(mu.shape, generator=gen).to(mu.device)  # (N, k)
        z = mu + (0.5 * logvar).exp() * eps
    recon = F.binary_cross_entropy_with_logits(model.decode_logits(z), x, reduction="none").sum(1).mean()
    kl = (0.5 * (mu**2 + logvar.exp() - 1 - logvar)).sum(1).mean()
    return recon + kl, recon, kl


def train_autoencoder(
    x: torch.Tensor,
    config: AEConfig,
    device: torch.device,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> AERun:
    """Train on flat images ``x (N, 784)`` in [0, 1]; minibatch order and VAE noise from private generators."""
    with seeded(config.seed):
        model = AutoEncoder(config.kind, config.latent).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    total_steps = config.epochs * ((len(x) + config.batch - 1) // config.batch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1 - 0.95 * min(s, total_steps) / total_steps)
    order_gen, noise_gen = generator(config.seed + 1), generator(config.seed + 2)
    run = AERun(config, model)
    t0 = time.perf_counter()
    x = x.to(device)
    for epoch in range(config.epochs):
        model.train()
        sums = {"loss": 0.0, "recon": 0.0, "kl": 0.0}
        order = torch.randperm(len(x), generator=order_gen)
        for i in range(0, len(x), config.batch):
            batch = x[order[i : i + config.batch].to(device)]
            loss, recon, kl = losses(model, batch, noise_gen)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            for name, value in (("loss", loss), ("recon", recon), ("kl", kl)):
                sums[name] += float(value.detach()) * len(batch)
        entry = {name: round(v / len(x), 4) for name, v in sums.items()}
        run.history.append(entry)
        if on_epoch is not None:
            on_epoch(epoch + 1, entry)
        if should_stop is not None and should_stop():
            run.stopped = True
            break
    model.eval()
    run.seconds = time.perf_counter() - t0
    return run


@torch.no_grad()
def mse(reconstruction: torch.Tensor, x: torch.Tensor) -> float:
    """Mean squared error per pixel."""
    return float(((reconstruction - x) ** 2).mean())


@torch.no_grad()
def reconstruction_error(model: AutoEncoder, x: torch.Tensor) -> float:
    device = next(model.parameters()).device
    return mse(model.reconstruct(x.to(device)).cpu(), x)


@torch.no_grad()
def codes(model: AutoEncoder, x: torch.Tensor) -> torch.Tensor:
    """Latent codes ``(N, k)`` on the CPU (the mean, for the VAE)."""
    device = next(model.parameters()).device
    return model.encode(x.to(device))[0].cpu()


def record(run: AERun) -> dict[str, object]:
    """Config and weights, stored as float16 (half the file; a linear map in float16 is still linear)."""
    return {"config": asdict(run.config), "state": {k: v.half() for k, v in run.model.state_dict().items()}}


def from_record(rec: dict[str, object], device: torch.device) -> AutoEncoder:
    config = AEConfig(**rec["config"])  # type: ignore[arg-type]
    model = AutoEncoder(config.kind, config.latent)
    model.load_state_dict({k: v.float() for k, v in rec["state"].items()})  # type: ignore[attr-defined]
    return model.to(device).eval()
