"""Five ways to label every pixel, from the notes' Day #174, each small enough to train on a CPU in minutes.

* :class:`PatchClassifier` -- the early approach: cut a patch around a pixel, classify its centre, repeat for
  every pixel (one network evaluation per pixel).
* :class:`FCN` without skips -- the whole image through a convolutional trunk once, class scores at stride 8,
  fixed bilinear upsampling back to the pixels (coarse).
* :class:`FCN` with skips -- the same trunk, learned upsampling (transposed convolutions, initialised bilinear)
  that adds the class scores of the stride-4, -2 and -1 features on the way up (FCN-8s, carried to stride 1).
* :class:`Hypercolumns` -- every pixel's features from all four depths, upsampled bilinearly and stacked (the
  hypercolumn), classified by a small per-pixel network.
* :class:`RecurrentRefiner` -- one small network with a short reach, applied again and again to the image and
  its own previous answer (shared weights): each pass widens the effective receptive field.

Every model maps images ``(B, 3, S, S)`` in [0, 1] to class logits ``(B, C, S, S)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from demos.seg.data import NUM_CLASSES

KINDS: tuple[str, ...] = ("patch", "fcn", "fcn-skips", "hypercolumns", "refine")
TITLES: dict[str, str] = {
    "patch": "Patch-centre classifier",
    "fcn": "FCN, no skips",
    "fcn-skips": "FCN + skips, learned upsampling",
    "hypercolumns": "Hypercolumns",
    "refine": "Recurrent refinement",
}


@dataclass(frozen=True)
class SegConfig:
    widths: tuple[int, int, int, int] = (12, 24, 32, 48)  # trunk channels at strides 1, 2, 4, 8
    patch: int = 25  # patch classifier: side of the patch around the classified pixel (odd)
    patch_width: int = 16  # patch classifier: channels of its first convolution (twice that in the second)
    hyper_hidden: int = 32  # hypercolumns: width of the per-pixel classifier
    refine_width: int = 32  # recurrent refinement: channels of the shared step network
    refine_steps: int = 3  # recurrent refinement: passes at training and test time
    num_classes: int = NUM_CLASSES


def block(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    """3x3 convolution, batch norm, ReLU."""
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Trunk(nn.Module):
    """Four stages; returns the feature maps at strides 1, 2, 4 and 8 (receptive field 45 px at stride 8)."""

    def __init__(self, widths: tuple[int, int, int, int]) -> None:
        super().__init__()
        w1, w2, w4, w8 = widths
        self.s1 = block(3, w1)
        self.s2 = nn.Sequential(block(w1, w2, 2), block(w2, w2))
        self.s4 = nn.Sequential(block(w2, w4, 2), block(w4, w4))
        self.s8 = nn.Sequential(block(w4, w8, 2), block(w8, w8))

    def forward(self, images: Tensor) -> list[Tensor]:
        f1 = self.s1(images - 0.5)  # (B, w1, S, S)
        f2 = self.s2(f1)  # (B, w2, S/2, S/2)
        f4 = self.s4(f2)  # (B, w4, S/4, S/4)
        f8 = self.s8(f4)  # (B, w8, S/8, S/8)
        return [f1, f2, f4, f8]


def bilinear_kernel(channels: int, factor: int) -> Tensor:
    """Weights ``(C, 1, 2f, 2f)`` that make a stride-``f`` transposed convolution a bilinear upsampler."""
    size = 2 * factor
    centre = (size - 1) / 2
    ramp = 1 - (torch.arange(size, dtype=torch.float32) - centre).abs() / factor  # (2f,)
    return (ramp[:, None] * ramp[None, :]).expand(channels, 1, size, size).clone()


class LearnedUp(nn.Module):
    """Learned x2 upsampling of class scores: a transposed convolution per class, initialised to bilinear."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.up = nn.ConvTranspose2d(channels, channels, 4, stride=2, padding=1, groups=channels, bias=False)
        with torch.no_grad():
            self.up.weight.copy_(bilinear_kernel(channels, 2))

    def forward(self, x: Tensor) -> Tensor:
        return self.up(x)  # (B, C, 2H, 2W)


class FCN(nn.Module):
    """Fully convolutional network. ``skips=False``: scores at stride 8, upsampled x8 bilinearly (fixed).
    ``skips=True``: scores at stride 8 upsampled x2 three times by learned transposed convolutions, adding the
    scores of the stride-4, -2 and -1 features at each step."""

    def __init__(self, config: SegConfig = SegConfig(), skips: bool = False) -> None:
        super().__init__()
        self.config, self.skips = config, skips
        c = config.num_classes
        self.trunk = Trunk(config.widths)
        self.score8 = nn.Conv2d(config.widths[3], c, 1)
        if skips:
            self.score4 = nn.Conv2d(config.widths[2], c, 1)
            self.score2 = nn.Conv2d(config.widths[1], c, 1)
            self.score1 = nn.Conv2d(config.widths[0], c, 1)
            for head in (self.score4, self.score2, self.score1):  # skips start silent and are learned in
                nn.init.zeros_(head.weight)
                assert head.bias is not None
                nn.init.zeros_(head.bias)
            self.up = nn.ModuleList(LearnedUp(c) for _ in range(3))

    def forward(self, images: Tensor) -> Tensor:
        f1, f2, f4, f8 = self.trunk(images)
        score = self.score8(f8)  # (B, C, S/8, S/8)
        if not self.skips:
            return F.interpolate(score, size=images.shape[-2:], mode="bilinear", align_corners=False)
        score = self.up[0](score) + self.score4(f4)  # (B, C, S/4, S/4)
        score = self.up[1](score) + self.score2(f2)  # (B, C, S/2, S/2)
        return self.up[2](score) + self.score1(f1)  # (B, C, S, S)


class Hypercolumns(nn.Module):
    """Each pixel's hypercolumn: the trunk's features at all four depths, upsampled bilinearly to the pixel
    grid and stacked (12 + 24 + 32 + 48 = 116 numbers), classified by a two-layer per-pixel network.

    The first layer is a 1x1 convolution, and 1x1 convolutions commute with bilinear upsampling, so it is
    applied to each depth at its own resolution and the results upsampled and summed (Hariharan et al. do the
    same): the very same function as classifying the stacked hypercolumn, at a fraction of the cost."""

    def __init__(self, config: SegConfig = SegConfig()) -> None:
        super().__init__()
        self.config = config
        self.trunk = Trunk(config.widths)
        h = config.hyper_hidden
        self.first = nn.ModuleList(nn.Conv2d(w, h, 1, bias=i == 0) for i, w in enumerate(config.widths))
        self.second = nn.Conv2d(h, config.num_classes, 1)

    def hypercolumns(self, images: Tensor) -> Tensor:
        """(B, 3, S, S) -> the stacked hypercolumns (B, sum(widths), S, S)."""
        size = images.shape[-2:]
        feats = self.trunk(images)
        up = [feats[0]] + [F.interpolate(f, size=size, mode="bilinear", align_corners=False) for f in feats[1:]]
        return torch.cat(up, dim=1)

    def first_layer_weight(self) -> tuple[Tensor, Tensor]:
        """The first layer as one 1x1 convolution over the stacked hypercolumn: weight (H, 116), bias (H,)."""
        convs = [conv for conv in self.first if isinstance(conv, nn.Conv2d)]
        weight = torch.cat([conv.weight[:, :, 0, 0] for conv in convs], dim=1)
        bias = convs[0].bias
        assert bias is not None
        return weight, bias

    def forward(self, images: Tensor) -> Tensor:
        size = images.shape[-2:]
        feats = self.trunk(images)
        hidden = self.first[0](feats[0])  # (B, H, S, S)
        for conv, f in zip(self.first[1:], feats[1:], strict=True):
            hidden = hidden + F.interpolate(conv(f), size=size, mode="bilinear", align_corners=False)
        return self.second(F.relu(hidden))  # (B, C, S, S)


class PatchClassifier(nn.Module):
    """Classifies the centre pixel of a ``patch x patch`` crop. Dense prediction (:meth:`forward`) cuts one patch
    per pixel (zero padding at the border) and runs the network on each: S*S evaluations for one image."""

    def __init__(self, config: SegConfig = SegConfig()) -> None:
        super().__init__()
        if config.patch % 2 != 1:
            raise ValueError(f"patch must be odd so that it has a centre pixel, got {config.patch}")
        self.config = config
        w = config.patch_width
        after = math.ceil(math.ceil(config.patch / 2) / 2)  # side after two stride-2 convolutions
        self.net = nn.Sequential(
            block(3, w, 2),
            block(w, 2 * w, 2),
            nn.Flatten(),
            nn.Linear(2 * w * after * after, 64),
            nn.ReLU(inplace=True),
            nn.Linear(64, config.num_classes),
        )

    def classify(self, patches: Tensor) -> Tensor:
        """(N, 3, P, P) in [0, 1] -> centre-pixel logits (N, C)."""
        return self.net(patches - 0.5)

    def forward(self, images: Tensor, chunk: int = 2048) -> Tensor:
        b, _, h, w = images.shape
        p = self.config.patch
        out = []
        for i in range(b):
            cols = F.unfold(images[i : i + 1] - 0.5, p, padding=p // 2)  # (1, 3*P*P, H*W), zero = mid-grey
            patches = cols[0].T.reshape(h * w, 3, p, p) + 0.5  # (H*W, 3, P, P)
            logits = torch.cat([self.classify(patches[j : j + chunk]) for j in range(0, h * w, chunk)])  # (H*W, C)
            out.append(logits.T.reshape(1, -1, h, w))
        return torch.cat(out)  # (B, C, H, W)


def patches_at(images: Tensor, rows: Tensor, cols: Tensor, index: Tensor, patch: int) -> Tensor:
    """The ``patch x patch`` crops centred on pixels ``(rows[k], cols[k])`` of image ``index[k]`` -> (K, 3, P, P),
    padded with mid-grey (0.5) beyond the border exactly as :meth:`PatchClassifier.forward` pads."""
    r = patch // 2
    padded = F.pad(images - 0.5, (r, r, r, r)) + 0.5  # (B, 3, S+2r, S+2r)
    offs = torch.arange(patch, device=images.device)
    ys = (rows[:, None] + offs[None, :])[:, :, None].expand(-1, patch, patch)  # (K, P, P)
    xs = (cols[:, None] + offs[None, :])[:, None, :].expand(-1, patch, patch)  # (K, P, P)
    return padded[index[:, None, None], :, ys, xs].permute(0, 3, 1, 2)  # (K, 3, P, P)


class RecurrentRefiner(nn.Module):
    """A short-sighted step network (three 3x3 convolutions at half resolution: a 14 px reach) applied
    ``refine_steps`` times to the image and its own previous class probabilities, with the same weights each
    time. Pass ``t`` can use evidence up to about 14 * t pixels away (Pinheiro & Collobert's recurrent CNN)."""

    def __init__(self, config: SegConfig = SegConfig()) -> None:
        super().__init__()
        self.config = config
        c, w = config.num_classes, config.refine_width
        self.step = nn.Sequential(  # three 3x3 convolutions (the reach), 1x1 convolutions between them (capacity)
            block(3 + c, w),
            nn.Conv2d(w, w, 1),
            nn.ReLU(inplace=True),
            block(w, w),
            nn.Conv2d(w, w, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(w, c, 3, padding=1),
        )

    def passes(self, images: Tensor, steps: int | None = None) -> list[Tensor]:
        """Class logits ``(B, C, S, S)`` after each pass, first to last."""
        steps = self.config.refine_steps if steps is None else steps
        small = F.avg_pool2d(images - 0.5, 2)  # (B, 3, S/2, S/2)
        b, _, h, w = small.shape
        probs = torch.full((b, self.config.num_classes, h, w), 1.0 / self.config.num_classes, device=images.device)
        out = []
        for _ in range(steps):
            logits = self.step(torch.cat([small, probs], dim=1))  # (B, C, S/2, S/2)
            probs = logits.softmax(1)
            out.append(F.interpolate(logits, size=images.shape[-2:], mode="bilinear", align_corners=False))
        return out

    def forward(self, images: Tensor) -> Tensor:
        return self.passes(images)[-1]  # (B, C, S, S)


def build(kind: str, config: SegConfig = SegConfig()) -> nn.Module:
    """A fresh model of ``kind`` (one of :data:`KINDS`); default initialisation draws from torch's global
    generator, so build it under :func:`demos.common.seeded` for a repeatable model."""
    if kind == "patch":
        return PatchClassifier(config)
    if kind == "fcn":
        return FCN(config, skips=False)
    if kind == "fcn-skips":
        return FCN(config, skips=True)
    if kind == "hypercolumns":
        return Hypercolumns(config)
    if kind == "refine":
        return RecurrentRefiner(config)
    raise ValueError(f"unknown model {kind!r}; choose one of {', '.join(KINDS)}")


@torch.no_grad()
def predict(model: nn.Module, images: Tensor, batch: int = 64) -> Tensor:
    """Class per pixel ``(N, S, S)`` int64 for images ``(N, 3, S, S)``, in batches, in eval mode."""
    model.eval()
    return torch.cat([model(images[i : i + batch]).argmax(1) for i in range(0, len(images), batch)])
