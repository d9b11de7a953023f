"""Bayes by Backprop layers (Blundell et al. 2015): every weight is a Gaussian, not a number.

Each weight ``w`` has a variational posterior ``q(w) = N(mu, sigma^2)`` with ``sigma = softplus(rho)`` so that
``rho`` can be any real number while ``sigma`` stays positive. A forward pass draws weights with the
reparameterisation trick, ``w = mu + sigma * eps`` with ``eps ~ N(0, 1)``, so gradients flow into ``mu`` and
``rho``. The prior is ``p(w) = N(0, prior_sigma^2)``; :meth:`kl` gives ``KL(q || p)`` in closed form.

Inputs carry a leading *sample* dimension ``S``: the layer draws ``S`` independent weight sets and applies
set ``s`` to ``x[s]``. Training uses ``S = 1`` (one weight draw per minibatch, as in the paper); prediction
uses ``S = T`` so that T stochastic passes run as one batched forward.

Weight noise comes from the ``generator`` passed to ``forward`` (torch's global one only when it is None), so a
seeded prediction gives the same numbers whatever other sessions of the app draw meanwhile.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def softplus_inverse(sigma: float) -> float:
    """The ``rho`` with ``softplus(rho) == sigma`` (``sigma > 0``)."""
    if sigma <= 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    return sigma + math.log(-math.expm1(-sigma))


def gaussian_kl(mu: Tensor, sigma: Tensor, prior_sigma: float) -> Tensor:
    """Sum over elements of ``KL(N(mu, sigma^2) || N(0, prior_sigma^2))``: a scalar, >= 0, and 0 exactly when
    every ``mu == 0`` and every ``sigma == prior_sigma``."""
    ratio = (sigma / prior_sigma) ** 2
    return 0.5 * (ratio + (mu / prior_sigma) ** 2 - 1.0 - torch.log(ratio)).sum()


class _BayesParams(nn.Module):
    """Shared bookkeeping: a (mu, rho) pair for the weight and for the bias."""

    def __init__(self, weight_shape: tuple[int, ...], fan_in: int, prior_sigma: float, init_sigma: float) -> None:
        super().__init__()
        if prior_sigma <= 0 or init_sigma <= 0:
            raise ValueError(f"prior_sigma and init_sigma must be positive, got {prior_sigma}, {init_sigma}")
        self.prior_sigma = prior_sigma
        bound = 1.0 / math.sqrt(fan_in)  # PyTorch's default uniform init for the means
        self.weight_mu = nn.Parameter(torch.empty(weight_shape).uniform_(-bound, bound))
        self.weight_rho = nn.Parameter(torch.full(weight_shape, softplus_inverse(init_sigma)))
        self.bias_mu = nn.Parameter(torch.empty(weight_shape[0]).uniform_(-bound, bound))
        self.bias_rho = nn.Parameter(torch.full((weight_shape[0],), softplus_inverse(init_sigma)))

    def sample(self, n_samples: int, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """``n_samples`` weight and bias draws: shapes ``(S, *weight_shape)`` and ``(S, out)``. The noise comes
        from ``generator`` (on the parameters' device), or torch's global generator when it is None."""
        w_sigma, b_sigma = F.softplus(self.weight_rho), F.softplus(self.bias_rho)
        w_eps = torch.randn((n_samples, *self.weight_mu.shape), device=self.weight_mu.device, generator=generator)
        b_eps = torch.randn((n_samples, *self.bias_mu.shape), device=self.bias_mu.device, generator=generator)
        return self.weight_mu + w_sigma * w_eps, self.bias_mu + b_sigma * b_eps

    def kl(self) -> Tensor:
        """``KL(q || prior)`` of this layer's weights and biases (a scalar tensor)."""
        return gaussian_kl(self.weight_mu, F.softplus(self.weight_rho), self.prior_sigma) + gaussian_kl(
            self.bias_mu, F.softplus(self.bias_rho), self.prior_sigma
        )


class BayesLinear(_BayesParams):
    """A linear layer with Gaussian weights. ``x (S, B, in) -> (S, B, out)``, one weight draw per sample."""

    def __init__(self, in_features: int, out_features: int, prior_sigma: float, init_sigma: float) -> None:
        super().__init__((out_features, in_features), in_features, prior_sigma, init_sigma)

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        w, b = self.sample(x.shape[0], generator)  # (S, out, in), (S, out)
        return torch.einsum("sbi,soi->sbo", x, w) + b[:, None, :]  # (S, B, out)


class BayesConv2d(_BayesParams):
    """A 2-D convolution with Gaussian kernels (stride 1, no padding).
    ``x (S, B, C, H, W) -> (S, B, O, H - k + 1, W - k + 1)``, one kernel draw per sample."""

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int, prior_sigma: float, init_sigma: float
    ) -> None:
        shape = (out_channels, in_channels, kernel_size, kernel_size)
        super().__init__(shape, in_channels * kernel_size * kernel_size, prior_sigma, init_sigma)

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        s, b, c, h, w_ = x.shape
        w, bias = self.sample(s, generator)  # (S, O, C, k, k), (S, O)
        o = w.shape[1]
        # Stack the S samples as channel groups: group s sees x[s] and only kernel draw s.
        grouped = x.permute(1, 0, 2, 3, 4).reshape(b, s * c, h, w_)  # (B, S*C, H, W)
        out = F.conv2d(grouped, w.reshape(s * o, c, *w.shape[-2:]), bias.reshape(s * o), groups=s)  # (B, S*O, H', W')
        return out.view(b, s, o, *out.shape[-2:]).permute(1, 0, 2, 3, 4)  # (S, B, O, H', W')
