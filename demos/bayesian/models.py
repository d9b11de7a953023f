"""The four models compared by the demo, all the same small LeNet-style shape.

``conv 5x5 (c1) -> ReLU -> maxpool 2 -> conv 5x5 (c2) -> ReLU -> maxpool 2 -> linear (hidden) -> ReLU -> linear 10``
on 28 x 28 grey images in [0, 1]. Every model answers :meth:`sample_logits`: ``(S, B, 10)`` logits from ``S``
stochastic passes (``S = 1`` for the deterministic baseline, the number of members for the ensemble). The
passes' randomness (dropout masks, weight draws) comes from the ``generator`` they are given, never from torch's
global generator when one is passed: a seeded prediction is the same whatever else the process draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from demos.bayesian.layers import BayesConv2d, BayesLinear

N_CLASSES = 10
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # pixel statistics of MNIST, used to standardise inputs
MODEL_KINDS: tuple[str, ...] = ("baseline", "mc_dropout", "bbb", "ensemble")


@dataclass(frozen=True)
class NetConfig:
    channels: tuple[int, int] = (8, 16)  # output channels of the two conv layers (small: trains on a 2-core CPU)
    hidden: int = 64  # width of the hidden linear layer
    dropout: float = 0.0  # drop probability after each pooling and the hidden layer (MC dropout uses 0.25)
    prior_sigma: float = 1.0  # BBB: std of the Gaussian prior N(0, prior_sigma^2) on every weight
    init_sigma: float = 0.02  # BBB: posterior std at initialisation (small, so training starts near a plain CNN)
    ensemble_size: int = 3  # ensemble: number of independently trained baselines (3: affordable on 2 CPU cores)


def _standardise(x: Tensor) -> Tensor:
    return (x - MNIST_MEAN) / MNIST_STD


def dropout(h: Tensor, p: float, active: bool, generator: torch.Generator | None = None) -> Tensor:
    """Inverted dropout with its mask drawn from ``generator`` (on ``h``'s device; torch's global generator when
    None): the mask ``F.dropout`` would draw from a generator in the same state, so results do not change."""
    if not active or p == 0:
        return h
    keep = torch.empty_like(h).bernoulli_(1 - p, generator=generator).div_(1 - p)  # same shape as h
    return h * keep


def _flat_features(config: NetConfig) -> int:
    return config.channels[1] * 4 * 4  # 28 -> conv 24 -> pool 12 -> conv 8 -> pool 4


class ConvNet(nn.Module):
    """Deterministic CNN; with ``dropout > 0`` and ``sample=True`` it is an MC-dropout model."""

    def __init__(self, config: NetConfig = NetConfig()) -> None:
        super().__init__()
        c1, c2 = config.channels
        self.p = config.dropout
        self.conv1 = nn.Conv2d(1, c1, 5)
        self.conv2 = nn.Conv2d(c1, c2, 5)
        self.fc1 = nn.Linear(_flat_features(config), config.hidden)
        self.fc2 = nn.Linear(config.hidden, N_CLASSES)

    def forward(self, x: Tensor, sample: bool = False, generator: torch.Generator | None = None) -> Tensor:
        """``x (B, 1, 28, 28) -> logits (B, 10)``; dropout is on in training mode or when ``sample``, its masks
        drawn from ``generator``."""
        drop = self.p > 0 and (self.training or sample)
        h = F.max_pool2d(F.relu(self.conv1(_standardise(x))), 2)  # (B, c1, 12, 12)
        h = dropout(h, self.p, drop, generator)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)  # (B, c2, 4, 4)
        h = dropout(h, self.p, drop, generator)
        h = F.relu(self.fc1(h.flatten(1)))  # (B, hidden)
        h = dropout(h, self.p, drop, generator)
        return self.fc2(h)  # (B, 10)

    def sample_logits(self, x: Tensor, n_samples: int, generator: torch.Generator | None = None) -> Tensor:
        """``(S, B, 10)``. With dropout: the batch is repeated S times and run as one forward, each copy with
        its own dropout masks. Without dropout every pass would be identical, so ``S = 1``."""
        if self.p == 0:
            return self(x)[None]  # (1, B, 10)
        b = x.shape[0]
        out = self(x.repeat(n_samples, 1, 1, 1), sample=True, generator=generator)  # (S*B, 10)
        return out.view(n_samples, b, N_CLASSES)  # (S, B, 10)


class BayesNet(nn.Module):
    """The same CNN with every conv and linear layer Bayesian (Bayes by Backprop)."""

    def __init__(self, config: NetConfig = NetConfig()) -> None:
        super().__init__()
        c1, c2 = config.channels
        ps, s0 = config.prior_sigma, config.init_sigma
        self.conv1 = BayesConv2d(1, c1, 5, ps, s0)
        self.conv2 = BayesConv2d(c1, c2, 5, ps, s0)
        self.fc1 = BayesLinear(_flat_features(config), config.hidden, ps, s0)
        self.fc2 = BayesLinear(config.hidden, N_CLASSES, ps, s0)

    @staticmethod
    def _pool(h: Tensor) -> Tensor:
        s, b = h.shape[:2]
        p = F.max_pool2d(F.relu(h.flatten(0, 1)), 2)  # (S*B, C, H/2, W/2)
        return p.view(s, b, *p.shape[1:])

    def forward(self, x: Tensor, n_samples: int = 1, generator: torch.Generator | None = None) -> Tensor:
        """``x (B, 1, 28, 28) -> logits (S, B, 10)``, each of the S passes with its own weight draw."""
        h = _standardise(x).expand(n_samples, *x.shape)  # (S, B, 1, 28, 28)
        h = self._pool(self.conv1(h, generator))  # (S, B, c1, 12, 12)
        h = self._pool(self.conv2(h, generator))  # (S, B, c2, 4, 4)
        h = F.relu(self.fc1(h.flatten(2), generator))  # (S, B, hidden)
        return self.fc2(h, generator)  # (S, B, 10)

    def sample_logits(self, x: Tensor, n_samples: int, generator: torch.Generator | None = None) -> Tensor:
        return self(x, n_samples, generator)

    def kl(self) -> Tensor:
        """``KL(q(w) || p(w))`` summed over every layer (a scalar tensor)."""
        return sum((m.kl() for m in (self.conv1, self.conv2, self.fc1, self.fc2)), torch.zeros(()))


class Ensemble(nn.Module):
    """A deep ensemble: M deterministic CNNs trained from different seeds; each member is one 'sample'."""

    def __init__(self, config: NetConfig = NetConfig()) -> None:
        super().__init__()
        member = NetConfig(channels=config.channels, hidden=config.hidden, dropout=0.0)
        self.members = nn.ModuleList(ConvNet(member) for _ in range(config.ensemble_size))

    def sample_logits(self, x: Tensor, n_samples: int, generator: torch.Generator | None = None) -> Tensor:
        """``(M, B, 10)``: one pass per member, whatever ``n_samples``; nothing random."""
        return torch.stack([m(x) for m in self.members])  # (M, B, 10)


Model = ConvNet | BayesNet | Ensemble


def build(kind: str, config: NetConfig = NetConfig()) -> Model:
    """A fresh, untrained model of ``kind`` (one of :data:`MODEL_KINDS`)."""
    if kind == "baseline":
        return ConvNet(NetConfig(channels=config.channels, hidden=config.hidden, dropout=0.0))
    if kind == "mc_dropout":
        if config.dropout <= 0:
            raise ValueError("mc_dropout needs config.dropout > 0")
        return ConvNet(config)
    if kind == "bbb":
        return BayesNet(config)
    if kind == "ensemble":
        return Ensemble(config)
    raise ValueError(f"unknown model kind {kind!r}; use one of {', '.join(MODEL_KINDS)}")


MAX_SAMPLES = 1000  # T above this is refused: T copies of a chunk's activations must fit in memory


@torch.no_grad()
def sample_probs(
    model: Model, x: Tensor, n_samples: int, chunk: int = 128, generator: torch.Generator | None = None
) -> Tensor:
    """Class probabilities of every stochastic pass, ``(S, B, 10)``, on ``x``'s device, in eval mode.
    The batch is cut into chunks of ``chunk`` images so T x batch activations stay small. Dropout masks and
    weight draws come from ``generator`` (on ``x``'s device): pass one for a seeded, private prediction."""
    if x.dim() != 4 or x.shape[1:] != (1, 28, 28):
        raise ValueError(f"x must have shape (B, 1, 28, 28), got {tuple(x.shape)}")
    if len(x) == 0:
        raise ValueError("x holds no images; pass at least one")
    if not 1 <= n_samples <= MAX_SAMPLES:
        raise ValueError(f"n_samples must be between 1 and {MAX_SAMPLES}, got {n_samples}")
    model.eval()
    chunk = max(1, min(chunk, 128_000 // n_samples))  # at most ~128k images' activations at once
    parts = [
        F.softmax(model.sample_logits(x[i : i + chunk], n_samples, generator), -1) for i in range(0, len(x), chunk)
    ]
    return torch.cat(parts, dim=1)
