"""Anchor boxes for the SSD-style detector: where they sit, how a box is encoded against one, and which anchors
are responsible for which true object.

Conventions follow ``torchvision.ops``: boxes are ``(N, 4)`` float (x1, y1, x2, y2) in pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from demos.nms.ops import box_iou


@dataclass(frozen=True)
class Level:
    stride: int  # pixels per cell of the feature map the anchors sit on
    sizes: tuple[float, ...]  # side of each square anchor at every cell, in pixels


# The true boxes are 8-14 px (small) and 16-29 px (large) on a 64 px image. With a fine map, small anchors sit on
# the stride-4 map and large ones on the stride-8 map; SSD's way (deep maps only) puts them one level coarser.
SMALL_ANCHORS, LARGE_ANCHORS = (9.0, 13.0), (18.0, 26.0)
LEVELS: tuple[Level, ...] = (Level(4, SMALL_ANCHORS), Level(8, LARGE_ANCHORS))
UPPER_LEVELS: tuple[Level, ...] = (Level(8, SMALL_ANCHORS), Level(16, LARGE_ANCHORS))


def level_anchors(level: Level, image_size: int, device: torch.device | None = None) -> Tensor:
    """Anchors of one level -> (G*G*A, 4), ordered by row, column, then size (the head's output order)."""
    g = image_size // level.stride
    c = (torch.arange(g, dtype=torch.float32, device=device) + 0.5) * level.stride  # (G,)
    ys, xs = torch.meshgrid(c, c, indexing="ij")  # (G, G)
    centres = torch.stack([xs, ys], dim=-1).reshape(-1, 1, 2)  # (G*G, 1, 2)
    half = torch.tensor(level.sizes, device=device).view(1, -1, 1) / 2  # (1, A, 1)
    return torch.cat([centres - half, centres + half], dim=-1).reshape(-1, 4)  # (G*G*A, 4)


def all_anchors(image_size: int, levels: tuple[Level, ...] = LEVELS, device: torch.device | None = None) -> Tensor:
    """Every level's anchors, concatenated in level order -> (P, 4)."""
    return torch.cat([level_anchors(lv, image_size, device) for lv in levels])


def encode(boxes: Tensor, anchors: Tensor) -> Tensor:
    """Boxes (N, 4) relative to anchors (N, 4) -> (dx, dy, dw, dh): centre shift in anchor widths, log size ratio."""
    wa, ha = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    xa, ya = anchors[:, 0] + wa / 2, anchors[:, 1] + ha / 2
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    x, y = boxes[:, 0] + w / 2, boxes[:, 1] + h / 2
    return torch.stack([(x - xa) / wa, (y - ya) / ha, torch.log(w / wa), torch.log(h / ha)], dim=1)


def decode(deltas: Tensor, anchors: Tensor) -> Tensor:
    """Inverse of :func:`encode`: (N, 4) offsets on (N, 4) anchors -> boxes (N, 4). Size ratios are clamped at
    e^4 so an untrained head cannot overflow."""
    wa, ha = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    xa, ya = anchors[:, 0] + wa / 2, anchors[:, 1] + ha / 2
    x, y = xa + deltas[:, 0] * wa, ya + deltas[:, 1] * ha
    w = wa * deltas[:, 2].clamp(max=4.0).exp()
    h = ha * deltas[:, 3].clamp(max=4.0).exp()
    return torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], dim=1)


def match(
    anchors: Tensor, boxes: Tensor, labels: Tensor, positive: float = 0.5, negative: float = 0.4
) -> tuple[Tensor, Tensor]:
    """SSD's assignment for one image. Returns class targets (P,) -- 1 + shape index for a positive anchor, 0 for
    background, -1 for ignored (IoU between ``negative`` and ``positive``) -- and the matched box of each anchor
    (P, 4). Every true box also claims its best anchor, so no object is left without one."""
    p = anchors.shape[0]
    cls = torch.zeros(p, dtype=torch.long, device=anchors.device)
    matched = torch.zeros(p, 4, device=anchors.device)
    if boxes.numel() == 0:
        return cls, matched
    iou = box_iou(anchors, boxes.to(anchors))  # (P, K)
    best_iou, best = iou.max(dim=1)  # (P,)
    forced = iou.argmax(dim=0)  # (K,) best anchor of each box
    best[forced] = torch.arange(len(boxes), device=anchors.device)
    best_iou[forced] = 1.0
    cls[(best_iou >= negative) & (best_iou < positive)] = -1
    pos = best_iou >= positive
    cls[pos] = labels.to(anchors.device)[best[pos]] + 1
    matched = boxes.to(anchors)[best]
    return cls, matched


def anchors_per_image(image_size: int, levels: tuple[Level, ...] = LEVELS) -> int:
    return sum((image_size // lv.stride) ** 2 * len(lv.sizes) for lv in levels)


def size_of(boxes: Tensor) -> Tensor:
    """Square-root area of (N, 4) boxes -> (N,), the side of the square with the same area."""
    return ((boxes[:, 2] - boxes[:, 0]).clamp(min=0) * (boxes[:, 3] - boxes[:, 1]).clamp(min=0)).sqrt()
