"""The detectors, smallest first. Each turns images ``(B, 3, S, S)`` in [0, 1] into candidate boxes with scores and
classes (:class:`Candidates`); suppression and scoring are the NMS lab's (:mod:`demos.nms.ops`).

* :class:`WindowClassifier` -- a small CNN that says which shape (or background) fills a 16 x 16 crop; run on
  every sliding window, or on every region proposal (R-CNN's recipe), in :mod:`demos.detect.windows`.
* :class:`GridDetector` -- YOLO-style: an 8 x 8 grid over the image, each cell predicting one class and two
  boxes (with size priors of 10 and 22 px, as YOLOv2's anchors), in one pass.
* :class:`AnchorDetector` -- SSD-style: square anchors of 9 and 13 px (small) and 18 and 26 px (large), each
  classified and regressed, in three variants. ``upper``: as SSD, only deep maps carry anchors -- small ones on
  the stride-8 map, large ones on the stride-16 map. ``shallow``: the small anchors move to the stride-4 map,
  which comes after two convolutions only. ``pyramid`` (FPN): the same stride-4 and -8 maps, but the deeper,
  coarser maps are upsampled and added into them first (FPN's top-down pathway), so the small anchors read
  features that have seen far more of the image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from demos.detect.anchors import LEVELS, UPPER_LEVELS, Level, all_anchors, decode
from demos.scenes import SHAPES

NUM_SHAPES = len(SHAPES)
KINDS: tuple[str, ...] = ("windows", "yolo", "ssd", "ssd-fine", "fpn")
TITLES: dict[str, str] = {
    "windows": "Window classifier",
    "yolo": "YOLO-style grid",
    "ssd": "SSD-style anchors (deep maps only)",
    "ssd-fine": "SSD + a shallow stride-4 map",
    "fpn": "SSD + feature pyramid (FPN)",
}
VARIANTS: dict[str, str] = {"ssd": "upper", "ssd-fine": "shallow", "fpn": "pyramid"}


def block(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


@dataclass(frozen=True)
class DetectConfig:
    widths: tuple[int, int, int, int] = (16, 24, 32, 48)  # trunk channels at strides 2, 4, 8, 16
    head: int = 32  # channels of the maps the heads read
    image_size: int = 64
    window: int = 16  # window classifier: crops are resized to this side
    grid_priors: tuple[float, float] = (10.0, 22.0)  # YOLO-style: size prior of each of a cell's two boxes (px)


class Trunk(nn.Module):
    """Stride-2, -4, -8 and -16 feature maps; receptive fields 3, 7, 31 and 79 px. The stride-4 map comes after
    just two convolutions, as SSD's highest-resolution map comes from an early layer: it sees a 7 px
    neighbourhood, less than a small object (8-14 px)."""

    def __init__(self, widths: tuple[int, int, int, int]) -> None:
        super().__init__()
        w2, w4, w8, w16 = widths
        self.c2 = block(3, w2, 2)
        self.c4 = block(w2, w4, 2)
        self.c8 = nn.Sequential(block(w4, w8, 2), block(w8, w8))
        self.c16 = nn.Sequential(block(w8, w16, 2), block(w16, w16))

    def forward(self, images: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        c4 = self.c4(self.c2(images - 0.5))  # (B, w4, S/4, S/4)
        c8 = self.c8(c4)  # (B, w8, S/8, S/8)
        return c4, c8, self.c16(c8)  # last: (B, w16, S/16, S/16)


@dataclass(frozen=True)
class Candidates:
    boxes: Tensor  # (N, 4) float (x1, y1, x2, y2) in pixels, before NMS
    scores: Tensor  # (N,) float in [0, 1]
    labels: Tensor  # (N,) int64 index into SHAPES


class WindowClassifier(nn.Module):
    """Crops ``(N, 3, W, W)`` -> logits ``(N, 1 + shapes)``; class 0 is background."""

    def __init__(self, config: DetectConfig = DetectConfig()) -> None:
        super().__init__()
        self.config = config
        side = config.window // 4
        self.net = nn.Sequential(
            block(3, 16),
            block(16, 32, 2),
            block(32, 32, 2),
            nn.Flatten(),
            nn.Linear(32 * side * side, 1 + NUM_SHAPES),
        )

    def forward(self, crops: Tensor) -> Tensor:
        return self.net(crops - 0.5)


class GridDetector(nn.Module):
    """YOLO-style one-stage detector on an 8 x 8 grid (stride 8 at 64 px). Per cell: class logits (one class per
    cell, as in YOLOv1) and, for each of two boxes, an objectness logit and (tx, ty, tw, th): centre
    ``(cell + sigmoid(t)) * stride``, size ``prior * exp(t)``."""

    def __init__(self, config: DetectConfig = DetectConfig()) -> None:
        super().__init__()
        self.config = config
        self.trunk = Trunk(config.widths)
        w8, w16 = config.widths[2], config.widths[3]
        self.top = nn.Conv2d(w16, config.head, 1)  # the stride-16 map's context, brought to the grid
        self.mix = block(w8 + config.head, config.head)
        self.out = nn.Conv2d(config.head, NUM_SHAPES + 5 * len(config.grid_priors), 1)
        self.stride = 8

    def forward(self, images: Tensor) -> Tensor:
        """-> raw outputs (B, G, G, C + 5 * 2)."""
        _, c8, c16 = self.trunk(images)
        top = F.interpolate(self.top(c16), size=c8.shape[-2:], mode="nearest")  # (B, head, G, G)
        return self.out(self.mix(torch.cat([c8, top], dim=1))).permute(0, 2, 3, 1)

    def split(self, raw: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """raw (B, G, G, C + 5B') -> class logits (B, G, G, C), objectness logits (B, G, G, B'), t (B, G, G, B', 4)."""
        b, g = raw.shape[0], raw.shape[1]
        n = len(self.config.grid_priors)
        boxes = raw[..., NUM_SHAPES:].reshape(b, g, g, n, 5)
        return raw[..., :NUM_SHAPES], boxes[..., 0], boxes[..., 1:]

    def boxes_from(self, t: Tensor) -> Tensor:
        """t (B, G, G, B', 4) -> boxes (B, G, G, B', 4) in pixels."""
        g = t.shape[1]
        idx = torch.arange(g, device=t.device, dtype=t.dtype)
        cx = (idx.view(1, 1, g, 1) + t[..., 0].sigmoid()) * self.stride
        cy = (idx.view(1, g, 1, 1) + t[..., 1].sigmoid()) * self.stride
        prior = torch.tensor(self.config.grid_priors, device=t.device, dtype=t.dtype)
        w = prior * t[..., 2].clamp(max=4.0).exp()
        h = prior * t[..., 3].clamp(max=4.0).exp()
        return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=-1)

    @torch.no_grad()
    def candidates(self, images: Tensor) -> list[Candidates]:
        cls, obj, t = self.split(self(images))
        probs = cls.softmax(-1)  # (B, G, G, C)
        best, labels = probs.max(-1)  # (B, G, G)
        scores = obj.sigmoid() * best[..., None]  # (B, G, G, B')
        boxes = self.boxes_from(t).clamp(0, self.config.image_size)  # (B, G, G, B', 4)
        lab = labels[..., None].expand_as(scores)
        return [Candidates(boxes[i].reshape(-1, 4), scores[i].reshape(-1), lab[i].reshape(-1)) for i in range(len(t))]


class AnchorDetector(nn.Module):
    """SSD-style dense anchor detector. Every variant maps its two levels to ``head`` channels with 1x1
    convolutions and classifies them with 3x3 heads. ``upper``: levels are the stride-8 and -16 maps (small anchors
    on stride 8). ``shallow``: the stride-4 and -8 maps, the small anchors' predictions seeing 15 px of image.
    ``pyramid``: as ``shallow``, after adding the upsampled coarser map, stride 16 into 8 and 8 into 4, so they
    also read features that have seen 79 px."""

    def __init__(self, config: DetectConfig = DetectConfig(), variant: str = "pyramid") -> None:
        super().__init__()
        if variant not in ("upper", "shallow", "pyramid"):
            raise ValueError(f"variant must be upper, shallow or pyramid, got {variant!r}")
        self.config, self.variant = config, variant
        w4, w8, w16 = config.widths[1], config.widths[2], config.widths[3]
        h = config.head
        self.trunk = Trunk(config.widths)
        fine, coarse = (w8, w16) if variant == "upper" else (w4, w8)
        self.lateral = nn.ModuleList([nn.Conv2d(fine, h, 1), nn.Conv2d(coarse, h, 1)])
        self.top = nn.Conv2d(w16, h, 1) if variant == "pyramid" else None
        self.smooth = nn.ModuleList(  # 1x1: the heads' 3x3 convolutions are all the extra reach any variant gets
            nn.Sequential(nn.Conv2d(h, h, 1), nn.BatchNorm2d(h), nn.ReLU(inplace=True)) for _ in range(2)
        )
        self.levels: tuple[Level, ...] = UPPER_LEVELS if variant == "upper" else LEVELS
        self.cls_heads = nn.ModuleList(
            nn.Conv2d(h, len(lv.sizes) * (1 + NUM_SHAPES), 3, padding=1) for lv in self.levels
        )
        self.box_heads = nn.ModuleList(nn.Conv2d(h, len(lv.sizes) * 4, 3, padding=1) for lv in self.levels)
        prior = 0.01  # background dominates at the start, as in RetinaNet's initialisation
        for head in self.cls_heads:
            assert isinstance(head, nn.Conv2d) and head.bias is not None
            with torch.no_grad():
                head.bias.zero_()
                head.bias.view(-1, 1 + NUM_SHAPES)[:, 0] = math.log((1 - prior) / prior)

    def features(self, images: Tensor) -> list[Tensor]:
        """The two maps the heads read, finer first, ``head`` channels each."""
        c4, c8, c16 = self.trunk(images)
        fine, coarse = (c8, c16) if self.variant == "upper" else (c4, c8)
        lf, lc = self.lateral[0](fine), self.lateral[1](coarse)
        if self.top is not None:
            lc = lc + F.interpolate(self.top(c16), size=lc.shape[-2:], mode="nearest")
            lf = lf + F.interpolate(lc, size=lf.shape[-2:], mode="nearest")
        return [self.smooth[0](lf), self.smooth[1](lc)]

    def forward(self, images: Tensor) -> tuple[Tensor, Tensor]:
        """-> class logits (B, P, 1 + C) and box offsets (B, P, 4) for the P anchors of all levels."""
        b = images.shape[0]
        logits, deltas = [], []
        for f, ch, bh in zip(self.features(images), self.cls_heads, self.box_heads, strict=True):
            logits.append(ch(f).permute(0, 2, 3, 1).reshape(b, -1, 1 + NUM_SHAPES))
            deltas.append(bh(f).permute(0, 2, 3, 1).reshape(b, -1, 4))
        return torch.cat(logits, 1), torch.cat(deltas, 1)

    @torch.no_grad()
    def candidates(self, images: Tensor) -> list[Candidates]:
        logits, deltas = self(images)
        anchors = all_anchors(self.config.image_size, self.levels, images.device)  # (P, 4)
        probs = logits.softmax(-1)[..., 1:]  # (B, P, C)
        scores, labels = probs.max(-1)  # (B, P)
        out = []
        for i in range(len(images)):
            boxes = decode(deltas[i], anchors).clamp(0, self.config.image_size)
            out.append(Candidates(boxes, scores[i], labels[i]))
        return out


def build(kind: str, config: DetectConfig = DetectConfig()) -> nn.Module:
    """A fresh model of ``kind``; build it under :func:`demos.common.seeded` for repeatable weights."""
    if kind == "windows":
        return WindowClassifier(config)
    if kind == "yolo":
        return GridDetector(config)
    if kind in VARIANTS:
        return AnchorDetector(config, VARIANTS[kind])
    raise ValueError(f"unknown model {kind!r}; choose one of {', '.join(KINDS)}")
