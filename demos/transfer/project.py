"""Principal-component projection in torch, for the before/after feature plots."""

from __future__ import annotations

import torch


@torch.no_grad()
def pca_2d(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, D) float -> ((N, 2) coordinates on the top two principal axes, (2,) share of variance each explains).

    Each axis's sign is fixed so its largest-magnitude loading is positive: the same input always gives the
    same picture. N < 2 or constant data gives zeros."""
    if x.dim() != 2:
        raise ValueError(f"pca_2d expects (N, D) features, got shape {tuple(x.shape)}")
    x = x.double()
    centred = x - x.mean(dim=0, keepdim=True)  # (N, D)
    if x.shape[0] < 2 or not torch.any(centred != 0):
        return torch.zeros(x.shape[0], 2), torch.zeros(2)
    _, s, vh = torch.linalg.svd(centred, full_matrices=False)  # s (K,), vh (K, D)
    axes = vh[:2]  # (k, D), k <= 2
    signs = torch.sign(axes.gather(1, axes.abs().argmax(dim=1, keepdim=True)))  # (k, 1)
    axes = axes * signs
    coords = centred @ axes.T  # (N, k)
    share = s[:2] ** 2 / (s**2).sum()
    if coords.shape[1] < 2:  # a single feature dimension: pad the second axis
        coords = torch.cat([coords, torch.zeros_like(coords)], dim=1)
        share = torch.cat([share, torch.zeros(1, dtype=share.dtype)])
    return coords.float(), share.float()
