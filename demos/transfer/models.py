"""The strategies as models: one MobileNetV2 split into a frozen stem and a trained trunk, and a tiny CNN.

``scratch``     MobileNetV2, random init, everything trained (BatchNorm learns its statistics).
``frozen``      ImageNet MobileNetV2 as a fixed feature extractor; only a new linear head is trained.
``last-block``  ImageNet weights; the last inverted-residual block and the final 1x1 conv are fine-tuned.
``full``        ImageNet weights; everything is fine-tuned, the backbone at a lower learning rate.
``tiny-cnn``    the strongest small baseline: a two-conv CNN on the native 28x28 images, from scratch.

For the pretrained strategies BatchNorm keeps its ImageNet running statistics (eval mode) while its weights
train: batches of a few dozen images would give noisy statistics. The frozen stem's output does not depend on
training, so :mod:`demos.transfer.train` computes it once per image and caches it.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from demos.transfer.weights import mobilenet_v2

STRATEGIES: tuple[str, ...] = ("scratch", "frozen", "last-block", "full", "tiny-cnn")
PRETRAINED: frozenset[str] = frozenset({"frozen", "last-block", "full"})
FEATURES_DIM = 1280  # MobileNetV2's pooled feature width
LAST_BLOCK_START = 17  # features[17] is the last inverted residual (160 -> 320), features[18] the final 1x1 conv
N_FEATURE_MODULES = 19  # len(mobilenet_v2().features)


def check_strategy(strategy: str) -> None:
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy {strategy!r} is unknown; choose one of {', '.join(STRATEGIES)}")


def stem_length(strategy: str) -> int:
    """How many of MobileNetV2's 19 feature modules are frozen (and cacheable) for a strategy."""
    return {"scratch": 0, "full": 0, "last-block": LAST_BLOCK_START, "frozen": N_FEATURE_MODULES}[strategy]


class TransferNet(nn.Module):
    """MobileNetV2 features as ``stem`` (frozen) + ``trunk`` (trained), global average pool, linear ``head``."""

    def __init__(self, features: nn.Sequential, split: int, num_classes: int = 10) -> None:
        super().__init__()
        self.stem = features[:split]
        self.trunk = features[split:]
        self.head = nn.Linear(FEATURES_DIM, num_classes)

    def stem_features(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, S, S) -> the stem's output: (B, C, h, w), or pooled (B, 1280) when the trunk is empty."""
        h = self.stem(x)
        return self.pool(h) if len(self.trunk) == 0 else h

    def pool(self, h: torch.Tensor) -> torch.Tensor:
        return h.mean(dim=(2, 3))  # (B, 1280)

    def embed_from_stem(self, h: torch.Tensor) -> torch.Tensor:
        """Stem output -> pooled features (B, 1280)."""
        return h if h.dim() == 2 else self.pool(self.trunk(h))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.embed_from_stem(self.stem_features(x))  # (B, 1280)

    def forward_from_stem(self, h: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed_from_stem(h))  # (B, classes)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """(B, 3, S, S) -> logits (B, classes). ``generator`` is accepted for a uniform call with
        :class:`TinyCNN` and unused: MobileNetV2's feature layers have no dropout."""
        return self.forward_from_stem(self.stem_features(x))  # (B, classes)


class TinyCNN(nn.Module):
    """Two 3x3 conv layers with max-pooling, then a 128-unit hidden layer: ~0.42M parameters on 28x28 grey.

    Dropout on the hidden layer while training draws its masks from the ``generator`` passed to
    :meth:`forward` (the same masks ``nn.Dropout`` would draw from a generator in that state), so a seeded run
    never touches torch's global generator."""

    def __init__(self, num_classes: int = 10, width: int = 32, hidden: int = 128, dropout: float = 0.3) -> None:
        super().__init__()
        self.dropout = dropout
        self.convs = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (B, w, 14, 14)
            nn.Conv2d(width, 2 * width, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (B, 2w, 7, 7)
        )
        self.hidden = nn.Sequential(nn.Flatten(), nn.Linear(2 * width * 49, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, num_classes)

    def embed(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """(B, 1, 28, 28) -> hidden features (B, hidden); dropout only in training mode."""
        h = self.hidden(self.convs(x))  # (B, hidden)
        if not self.training or self.dropout == 0:
            return h
        keep = torch.empty_like(h).bernoulli_(1 - self.dropout, generator=generator).div_(1 - self.dropout)
        return h * keep  # (B, hidden)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.head(self.embed(x, generator))  # (B, classes)


def build_model(strategy: str, num_classes: int = 10, weights: Path | None = None) -> nn.Module:
    """The model for a strategy with ``requires_grad`` set: False on the frozen stem, True elsewhere.

    Random parts (the new head, scratch weights) draw from torch's global generator, as ``nn.Module``
    initialisation does: build it under :func:`demos.common.seeded` (see :func:`demos.transfer.train.build_seeded`)."""
    check_strategy(strategy)
    if strategy == "tiny-cnn":
        return TinyCNN(num_classes)
    features = mobilenet_v2(pretrained=strategy in PRETRAINED, path=weights).features
    assert isinstance(features, nn.Sequential)
    model = TransferNet(features, stem_length(strategy), num_classes)
    for p in model.stem.parameters():
        p.requires_grad_(False)
    return model


def param_groups(model: nn.Module, strategy: str, lr: float, backbone_lr_factor: float) -> list[dict[str, object]]:
    """Optimiser groups: the head at ``lr``; pretrained trainable layers at ``lr * backbone_lr_factor``;
    everything at ``lr`` when training from scratch."""
    check_strategy(strategy)
    if strategy not in PRETRAINED or not isinstance(model, TransferNet):
        return [{"params": [p for p in model.parameters() if p.requires_grad], "lr": lr}]
    groups: list[dict[str, object]] = [{"params": list(model.head.parameters()), "lr": lr}]
    trunk = [p for p in model.trunk.parameters() if p.requires_grad]
    if trunk:
        groups.append({"params": trunk, "lr": lr * backbone_lr_factor})
    return groups


def set_training(model: nn.Module, strategy: str) -> None:
    """Train mode, except the frozen stem and (for pretrained models) every BatchNorm, which keep ImageNet's
    running statistics; dropout and the rest train normally. Only walks the trained part of the network."""
    if not isinstance(model, TransferNet):
        model.train()
        return
    model.training = True
    model.stem.eval()
    model.trunk.train()
    model.head.train()
    if strategy in PRETRAINED:
        for m in model.trunk.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.eval()


def count_params(model: nn.Module) -> tuple[int, int]:
    """(trainable, total) parameter counts."""
    total = sum(p.numel() for p in model.parameters())
    return sum(p.numel() for p in model.parameters() if p.requires_grad), total
