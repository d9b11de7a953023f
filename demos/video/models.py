"""The action models, from a single frame to two streams, small enough to train on a CPU in seconds.

Every model takes ``clips (B, T, 3, H, W)`` in [0, 1] and ``flows (B, T-1, 2, H, W)`` (Farnebäck's, used by
the two-stream model only) and returns logits ``(B, classes)``. ``width`` scales every layer.

* ``single-frame``: a 2D CNN on each frame alone, its logits averaged over the frames (Karpathy et al. 2014's
  baseline); frame order never reaches it.
* ``early-fusion``: the first layer's filters span the whole clip (3·T input channels, temporal extent T).
* ``late-fusion``: one 2D tower (shared weights) on the first and the last frame, merged at the classifier.
* ``slow-fusion``: 3D convolutions whose temporal extent grows layer by layer (4, then 2, then 2 frames).
* ``c3d``: 3 x 3 x 3 convolutions everywhere, 2 x 2 x 2 pooling (VGG in 3D, Tran et al. 2015).
* ``two-stream``: a spatial 2D CNN on the middle frame plus a temporal 2D CNN on the stacked flows, their logits
  summed (Simonyan & Zisserman 2014).
* ``cnn-lstm``: a 2D CNN per frame, an LSTM over the frame features (Donahue et al. 2015).
* ``conv-gru``: a convolutional GRU over per-frame feature maps: the recurrence inside the conv layer (Ballas
  et al. 2016; the LSTM form is ConvLSTM, Shi et al. 2015).
* ``multires``: a fovea stream on the centre crop at full resolution and a context stream on the whole frame at
  half resolution, each a small C3D (Karpathy et al. 2014's multi-resolution network).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

MODELS: tuple[str, ...] = (
    "single-frame",
    "early-fusion",
    "late-fusion",
    "slow-fusion",
    "c3d",
    "two-stream",
    "cnn-lstm",
    "conv-gru",
    "multires",
)


def _tower(in_ch: int, width: int) -> nn.Sequential:
    """A 2D CNN: 3 conv layers with pooling, global average -> ``(B, 2 * width)``."""
    return nn.Sequential(
        nn.Conv2d(in_ch, width, 3, padding=1),
        nn.BatchNorm2d(width),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1),
        nn.BatchNorm2d(2 * width),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(2 * width, 2 * width, 3, padding=1),
        nn.BatchNorm2d(2 * width),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
    )


class SingleFrame(nn.Module):
    def __init__(self, frames: int, classes: int, width: int) -> None:
        super().__init__()
        self.tower, self.head = _tower(3, width), nn.Linear(2 * width, classes)

    def forward(self, clips: torch.Tensor, flows: torch.Tensor | None = None) -> torch.Tensor:
        b, t = clips.shape[:2]
        per_frame = self.head(self.tower(clips.flatten(0, 1)))  # (B*T, C)
        return per_frame.view(b, t, -1).mean(1)  # (B, C): order-free by construction


class EarlyFusion(nn.Module):
    def __init__(self, frames: int, classes: int, width: int) -> None:
        super().__init__()
        self.tower, self.head = _tower(3 * frames, width), nn.Linear(2 * width, classes)

    def forward(self, clips: torch.Tensor, flows: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.tower(clips.flatten(1, 2)))  # (B, 3T, H, W) -> (B, C)


class LateFusion(nn.Module):
    def __init__(self, frames: int, classes: int, width: int) -> None:
        super().__init__()
        self.tower, self.head = _tower(3, width), nn.Linear(4 * width, classes)

    def forward(self, clips: torch.Tensor, flows: torch.Tensor | None = None) -> torch.Tensor:
        first, last = self.tower(clips[:, 0]), self.tower(clips[:, -1])  # (B, 2w) each
        return self.head(torch.cat([first, last], 1))


class SlowFusion(nn.Module):
    def __init__(self, frames: int, classes: int, width: int) -> None:
        super().__init__()
        if frames < 8:
            raise ValueError(f"slow fusion needs at least 8 frames, got {frames}")
        self.body = nn.Sequential(
            nn.Conv3d(3, width, (4, 3, 3), stride=(2, 1, 1), padding=(0, 1, 1)),  # T -> (T-4)/2+1
            nn.BatchNorm3d(width),
            nn.ReLU(),
            nn.MaxPool3d((1, 2, 2)),
            nn.Conv3d(width, 2 * width, (2, 3, 3), padding=(0, 1, 1)),
            nn.BatchNorm3d(2 * width),
            nn.ReLU(),
            nn.MaxPool3d((1, 2, 2)),
            nn.Conv3d(2 * width, 2 * width, (2, 3, 3), padding=(0, 1, 1)),
            nn.BatchNorm3d(2 * width),
            nn.ReLU(),
            nn.AdaptiveAvgPool3d(1),
            nn.Flatten(),
        )
        self.head = nn.Linear(2 * width, classes)

    def forward(self, clips: torch.Tensor, flows: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.body(clips.transpose(1, 2)))  # (B, 3, T, H, W) -> (B, C)


def _c3d(width: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv3d(3, width, 3, padding=1),
        nn.BatchNorm3d(width),
        nn.ReLU(),
        nn.MaxPool3d((1, 2, 2)),
        nn.Conv3d(width, 2 * width, 3, padding=1),
        nn.BatchNorm3d(2 * width),
        nn.ReLU(),
        nn.MaxPool3d(2),
        nn.Conv3d(2 * width, 2 * width, 3, padding=1),
        nn.BatchNorm3d(2 * width),
        nn.ReLU(),
        nn.AdaptiveAvgPool3d(1),
        nn.Flatten(),
    )


class C3D(nn.Module):
    def __init__(self, frames: int, classes: int, width: int) -> None:
        super().__init__()
        self.body, self.head = _c3d(width), nn.Linear(2 * width, classes)

    def forward(self, clips: torch.Tensor, flows: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.body(clips.transpose(1, 2)))  # (B, 3, T, H, W) -> (B, C)


class TwoStream(nn.Module):
    def __init__(self, frames: int, classes: int, width: int) -> None:
        super().__init__()
        self.spatial, self.spatial_head = _tower(3, width), nn.Linear(2 * width, classes)
        self.temporal, self.temporal_head = _tower(2 * (frames - 1), width), nn.Linear(2 * width, classes)

    def streams(self, clips: torch.Tensor, flows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The two streams' logits: appearance of the middle frame, motion of the stacked flows ``(B, C)`` each."""
        middle = clips[:, clips.shape[1] // 2]  # (B, 3, H, W)
        return self.spatial_head(self.spatial(middle)), self.temporal_head(self.temporal(flows.flatten(1, 2)))

    def forward(self, clips: torch.Tensor, flows: torch.Tensor | None = None) -> torch.Tensor:
        if flows is None:
            raise ValueError("the two-stream model needs the clips' optical flow")
        spatial, temporal = self.streams(clips, flows)
        return spatial + temporal


class CnnLstm(nn.Module):
    def __init__(self, frames: int, classes: int, width: int) -> None:
        super().__init__()
        self.tower = _tower(3, width)
        self.lstm = nn.LSTM(2 * width, 4 * width, batch_first=True)
        self.head = nn.Linear(4 * width, classes)

    def forward(self, clips: torch.Tensor, flows: torch.Tensor | None = None) -> torch.Tensor:
        b, t = clips.shape[:2]
        feats = self.tower(clips.flatten(0, 1)).view(b, t, -1)  # (B, T, 2w)
        out, _ = self.lstm(feats)  # (B, T, 4w)
        return self.head(out[:, -1])


class ConvGRUCell(nn.Module):
    """A GRU whose matrix products are 3 x 3 convolutions: gates and state are feature maps ``(B, hidden, H, W)``."""

    def __init__(self, in_ch: int, hidden: int) -> None:
        super().__init__()
        self.hidden = hidden
        self.gates = nn.Conv2d(in_ch + hidden, 2 * hidden, 3, padding=1)  # update z and reset r
        self.candidate = nn.Conv2d(in_ch + hidden, hidden, 3, padding=1)

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        z, r = torch.sigmoid(self.gates(torch.cat([x, h], 1))).chunk(2, 1)  # (B, hidden, H, W) each
        n = torch.tanh(self.candidate(torch.cat([x, r * h], 1)))
        return (1 - z) * h + z * n


class ConvGru(nn.Module):
    def __init__(self, frames: int, classes: int, width: int) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2))
        self.cell = ConvGRUCell(width, 2 * width)
        self.head = nn.Sequential(
            nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 2 * width, 3, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(2 * width, classes),
        )

    def forward(self, clips: torch.Tensor, flows: torch.Tensor | None = None) -> torch.Tensor:
        b, t = clips.shape[:2]
        maps = self.stem(clips.flatten(0, 1))  # (B*T, w, H/2, W/2)
        maps = maps.view(b, t, *maps.shape[1:])
        h = maps.new_zeros(b, self.cell.hidden, *maps.shape[-2:])
        for step in range(t):
            h = self.cell(maps[:, step], h)  # (B, 2w, H/2, W/2)
        return self.head(h)


class MultiRes(nn.Module):
    def __init__(self, frames: int, classes: int, width: int) -> None:
        super().__init__()
        half = max(1, width // 2)
        self.fovea, self.context = _c3d(half), _c3d(half)
        self.head = nn.Linear(4 * half, classes)

    def forward(self, clips: torch.Tensor, flows: torch.Tensor | None = None) -> torch.Tensor:
        x = clips.transpose(1, 2)  # (B, 3, T, H, W)
        h, w = x.shape[-2:]
        fovea = x[..., h // 4 : h // 4 + h // 2, w // 4 : w // 4 + w // 2]  # centre crop, full resolution
        context = F.avg_pool3d(x, (1, 2, 2))  # whole frame, half resolution
        return self.head(torch.cat([self.fovea(fovea), self.context(context)], 1))


BUILDERS: dict[str, Callable[[int, int, int], nn.Module]] = {
    "single-frame": SingleFrame,
    "early-fusion": EarlyFusion,
    "late-fusion": LateFusion,
    "slow-fusion": SlowFusion,
    "c3d": C3D,
    "two-stream": TwoStream,
    "cnn-lstm": CnnLstm,
    "conv-gru": ConvGru,
    "multires": MultiRes,
}


def build(name: str, frames: int, classes: int, width: int) -> nn.Module:
    """A fresh model (default initialisation from torch's global generator: build under ``demos.common.seeded``)."""
    if name not in BUILDERS:
        raise ValueError(f"model {name!r} is not one of {', '.join(MODELS)}")
    return BUILDERS[name](frames, classes, width)


def parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
