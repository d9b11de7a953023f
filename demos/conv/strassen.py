"""Strassen's algorithm against the schoolbook split, both as one recursion over 2 x 2 blocks.

Both functions split ``a`` (Tensor[M, K]) and ``b`` (Tensor[K, N]) into 2 x 2 blocks (zero-padding odd sizes),
recurse until a block side is at most ``leaf``, and hand the leaves to the library's matrix multiply. The
schoolbook split (:func:`blocked_matmul`) needs 8 block products per level, Strassen (:func:`strassen_matmul`)
7, paid for with 18 block additions instead of 4 and with larger rounding error. A :class:`Counts` passed in
records the leaf products and their scalar multiplications as the real code runs, so the lab counts them
rather than quoting a formula.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor


@dataclass
class Counts:
    """What one product cost: leaf matrix products, the scalar multiplications inside them, block additions
    (each a whole-block add or subtract), and the recursion depth reached."""

    leaf_products: int = 0
    multiplications: int = 0
    additions: int = 0
    depth: int = 0


def _check(a: Tensor, b: Tensor, leaf: int) -> None:
    if not isinstance(a, Tensor) or not isinstance(b, Tensor) or a.dim() != 2 or b.dim() != 2:
        raise ValueError("a and b must be 2-D tensors (M, K) and (K, N)")
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"a is {tuple(a.shape)} and b is {tuple(b.shape)}: a's columns must equal b's rows")
    if a.dtype != b.dtype or a.device != b.device:
        raise ValueError(f"a and b must share dtype and device, got {a.dtype}/{a.device} and {b.dtype}/{b.device}")
    if isinstance(leaf, bool) or not isinstance(leaf, int) or leaf < 1:
        raise ValueError(f"leaf must be a positive integer (the block side where recursion stops), got {leaf!r}")


def _quarters(t: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Pad ``t`` (R, S) to even sides and return its blocks (R/2, S/2): top-left, top-right, bottom-left,
    bottom-right."""
    r, s = t.shape
    t = F.pad(t, (0, s % 2, 0, r % 2))  # (R + R%2, S + S%2)
    h, w = t.shape[0] // 2, t.shape[1] // 2
    return t[:h, :w], t[:h, w:], t[h:, :w], t[h:, w:]


def _leaf(a: Tensor, b: Tensor, counts: Counts | None, depth: int) -> Tensor:
    if counts is not None:
        counts.leaf_products += 1
        counts.multiplications += a.shape[0] * a.shape[1] * b.shape[1]
        counts.depth = max(counts.depth, depth)
    return a @ b  # (M, N)


def _strassen(a: Tensor, b: Tensor, leaf: int, counts: Counts | None, depth: int) -> Tensor:
    m, n = a.shape[0], b.shape[1]
    if min(m, a.shape[1], n) <= leaf:
        return _leaf(a, b, counts, depth)
    a11, a12, a21, a22 = _quarters(a)
    b11, b12, b21, b22 = _quarters(b)

    def mul(x: Tensor, y: Tensor) -> Tensor:
        return _strassen(x, y, leaf, counts, depth + 1)

    p1 = mul(a11 + a22, b11 + b22)
    p2 = mul(a21 + a22, b11)
    p3 = mul(a11, b12 - b22)
    p4 = mul(a22, b21 - b11)
    p5 = mul(a11 + a12, b22)
    p6 = mul(a21 - a11, b11 + b12)
    p7 = mul(a12 - a22, b21 + b22)
    top = torch.cat([p1 + p4 - p5 + p7, p3 + p5], dim=1)  # (M/2, N)
    bottom = torch.cat([p2 + p4, p1 - p2 + p3 + p6], dim=1)  # (M/2, N)
    if counts is not None:
        counts.additions += 18  # 10 to form the products' operands, 8 to combine them
    return torch.cat([top, bottom], dim=0)[:m, :n]  # (M, N), padding cropped


def _blocked(a: Tensor, b: Tensor, leaf: int, counts: Counts | None, depth: int) -> Tensor:
    m, n = a.shape[0], b.shape[1]
    if min(m, a.shape[1], n) <= leaf:
        return _leaf(a, b, counts, depth)
    a11, a12, a21, a22 = _quarters(a)
    b11, b12, b21, b22 = _quarters(b)

    def mul(x: Tensor, y: Tensor) -> Tensor:
        return _blocked(x, y, leaf, counts, depth + 1)

    top = torch.cat([mul(a11, b11) + mul(a12, b21), mul(a11, b12) + mul(a12, b22)], dim=1)  # (M/2, N)
    bottom = torch.cat([mul(a21, b11) + mul(a22, b21), mul(a21, b12) + mul(a22, b22)], dim=1)  # (M/2, N)
    if counts is not None:
        counts.additions += 4
    return torch.cat([top, bottom], dim=0)[:m, :n]  # (M, N)


def strassen_matmul(a: Tensor, b: Tensor, leaf: int = 64, counts: Counts | None = None) -> Tensor:
    """``a @ b`` (Tensor[M, K] @ Tensor[K, N] -> Tensor[M, N]) by Strassen's 7 block products per level, recursing
    while every side of the blocks exceeds ``leaf``. Same dtype and device as the inputs; equal to ``a @ b``
    within the dtype's rounding, which grows with the depth of recursion."""
    _check(a, b, leaf)
    return _strassen(a, b, leaf, counts, 0)


def blocked_matmul(a: Tensor, b: Tensor, leaf: int = 64, counts: Counts | None = None) -> Tensor:
    """``a @ b`` by the schoolbook split: 8 block products per level, the same recursion and leaves as
    :func:`strassen_matmul`, so the two differ only in the algorithm."""
    _check(a, b, leaf)
    return _blocked(a, b, leaf, counts, 0)
