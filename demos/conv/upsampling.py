"""Learned upsampling two ways, and the checkerboard a stride-2 transposed convolution leaves (Odena et al. 2016).

Both networks enlarge a grey image 4 times (two doublings) and differ only in how: ``transposed`` doubles with
3 x 3 transposed convolutions of stride 2 (the kernel size is not a multiple of the stride, so output pixels
receive one, two or four overlapping kernel taps depending on their position), ``resize-conv`` resizes by
nearest neighbour and then applies a 3 x 3 convolution (every output pixel gets the same number of taps). They
are trained on the same 4x super-resolution task (scikit-image's photos, 64 x 64 patches) from the same seed,
and compared with the classical upsamplers of the notes' "Program #2 - Upsample Images": nearest, bilinear,
bicubic.

The checkerboard is measured by :func:`checkerboard_energy`: the share of an image's energy (mean removed) in
the three 2-D Fourier components that repeat every two pixels, away from the border (zero padding makes edges
of its own).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from demos.common import generator, seeded

SCALE = 4  # two doublings
METHODS = ("transposed", "resize-conv")
SHOWN = 64  # side of the centre crop of each output the record keeps for the panel
CLASSICAL = ("nearest", "bilinear", "bicubic")
TRAIN_IMAGES = ("astronaut", "coffee", "chelsea", "rocket")  # scikit-image photos, shipped with the package
TEST_IMAGE = "camera"


def make_upsampler(method: str, width: int = 16) -> nn.Sequential:
    """(N, 1, H, W) -> (N, 1, 4H, 4W) in two doublings. ``transposed``: conv, then twice a 3 x 3 transposed
    convolution with stride 2; ``resize-conv``: conv, then twice nearest x2 followed by a 3 x 3 convolution.
    ReLU between layers; the two have exactly the same number of parameters."""
    if method == "transposed":
        return nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1),  # (N, W, H, W)
            nn.ReLU(),
            nn.ConvTranspose2d(width, width, 3, stride=2, padding=1, output_padding=1),  # (N, W, 2H, 2W)
            nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 3, stride=2, padding=1, output_padding=1),  # (N, 1, 4H, 4W)
        )
    if method == "resize-conv":
        return nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1),  # (N, W, H, W)
            nn.ReLU(),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(width, width, 3, padding=1),  # (N, W, 2H, 2W)
            nn.ReLU(),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(width, 1, 3, padding=1),  # (N, 1, 4H, 4W)
        )
    raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")


def checkerboard_energy(img: Tensor, border: int = 8) -> float:
    """Share of ``img``'s (Tensor[H, W]) energy, mean removed, at the period-2 frequencies (H/2, 0), (0, W/2) and
    (H/2, W/2) of its interior (``border`` pixels cut from each side): 0 for a smooth image, 1 for a pure
    checkerboard or stripes of period 2. The interior must have even sides."""
    if border:
        img = img[border:-border, border:-border]
    h, w = img.shape
    if h % 2 or w % 2:
        raise ValueError(f"checkerboard_energy needs even sides, got {h} x {w}")
    power = torch.fft.fft2(img.double() - img.double().mean()).abs() ** 2  # (H, W)
    total = float(power.sum())
    period2 = float(power[h // 2, 0] + power[0, w // 2] + power[h // 2, w // 2])
    return period2 / total if total > 0 else 0.0


def psnr(got: Tensor, want: Tensor) -> float:
    """Peak signal-to-noise ratio in dB for images in [0, 1]."""
    mse = float(F.mse_loss(got.clamp(0, 1), want))
    return 10 * float(np.log10(1.0 / mse)) if mse > 0 else float("inf")


def load_images() -> tuple[list[Tensor], Tensor]:
    """scikit-image's training photos and the held-out camera man, grey, float in [0, 1], as (H, W) tensors with
    even sides."""
    import skimage.color
    import skimage.data

    def grey(name: str) -> Tensor:
        im = getattr(skimage.data, name)()
        im = skimage.color.rgb2gray(im) if im.ndim == 3 else im / 255.0
        t = torch.from_numpy(np.asarray(im, dtype=np.float32))
        return t[: t.shape[0] // 2 * 2, : t.shape[1] // 2 * 2]

    return [grey(n) for n in TRAIN_IMAGES], grey(TEST_IMAGE)


def shrink(hr: Tensor) -> Tensor:
    """(N, 1, 4H, 4W) -> (N, 1, H, W) by 4 x 4 averaging: the low-resolution input of the task."""
    return F.avg_pool2d(hr, SCALE)


def patches(images: list[Tensor], n: int, size: int, gen: torch.Generator) -> Tensor:
    """``n`` random ``size`` x ``size`` crops (N, 1, S, S) drawn from ``images`` with ``gen``."""
    out = []
    for _ in range(n):
        im = images[int(torch.randint(len(images), (1,), generator=gen))]
        top = int(torch.randint(im.shape[0] - size + 1, (1,), generator=gen))
        left = int(torch.randint(im.shape[1] - size + 1, (1,), generator=gen))
        out.append(im[top : top + size, left : left + size])
    return torch.stack(out).unsqueeze(1)  # (N, 1, S, S)


@dataclass(frozen=True)
class Config:
    steps: int = 300
    batch_size: int = 16
    patch: int = 64  # high-resolution patch side; the input is a quarter of it
    lr: float = 3e-3  # Adam
    width: int = 16
    crop: int = 128  # side of the held-out test crop (camera man) shown and measured
    seed: int = 0

    def check(self) -> None:
        if not (1 <= self.steps <= 20_000 and 1 <= self.batch_size <= 256 and 8 <= self.patch <= 256):
            raise ValueError("steps must be 1..20000, batch_size 1..256 and patch 8..256")
        if self.patch % SCALE or self.crop % SCALE or not 32 <= self.crop <= 512:
            raise ValueError(f"patch and crop must be multiples of {SCALE}, crop in 32..512")


@torch.no_grad()
def flat_response(model: nn.Module, size: int = 16) -> Tensor:
    """The model's output for a flat grey input (1, 1, size, size) of value 0.5: any pattern in it (away from the
    border) comes from the layer structure, not from the image. Returns Tensor[4 * size, 4 * size]."""
    return model(torch.full((1, 1, size, size), 0.5))[0, 0]


def train_upsampler(
    method: str,
    config: Config,
    device: torch.device,
    images: tuple[list[Tensor], Tensor] | None = None,
    on_step: Callable[[str, int, float], None] | None = None,
) -> dict[str, Any]:
    """Train ``method`` on 4x super-resolution for ``config.steps`` Adam steps (MSE), then measure on the held-out
    crop: PSNR, checkerboard energy of the output and of its error, and the flat-input response before and after
    training. Returns numbers and the output crop (a list of rows, for the panel)."""
    config.check()
    train, test = images if images is not None else load_images()
    with seeded(config.seed):
        model = make_upsampler(method, config.width)
    before = checkerboard_energy(flat_response(model))
    model = model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    gen = generator(config.seed + 1)
    losses = []
    t0 = time.perf_counter()
    for step in range(config.steps):
        hr = patches(train, config.batch_size, config.patch, gen).to(device)  # (B, 1, P, P)
        loss = F.mse_loss(model(shrink(hr)), hr)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if on_step is not None:
            on_step(method, step + 1, losses[-1])
    seconds = time.perf_counter() - t0
    model = model.cpu().eval()
    hr_test = test_crop(test, config.crop)  # (1, 1, C, C)
    with torch.no_grad():
        out = model(shrink(hr_test))[0, 0]  # (C, C)
    flat = flat_response(model)
    return {
        "method": method,
        "parameters": sum(p.numel() for p in model.parameters()),
        "psnr": round(psnr(out, hr_test[0, 0]), 3),
        "checkerboard": checkerboard_energy(out),
        "error_checkerboard": checkerboard_energy(out - hr_test[0, 0]),
        "flat_checkerboard_init": before,
        "flat_checkerboard_trained": checkerboard_energy(flat),
        "flat_output": _grey(flat, flat.shape[0], stretch=True),
        "output": _grey(out),
        "losses": [round(v, 5) for v in losses[:: max(1, len(losses) // 100)]],
        "seconds": round(seconds, 2),
    }


def test_crop(test: Tensor, crop: int) -> Tensor:
    """The centre ``crop`` x ``crop`` of the held-out image as (1, 1, C, C)."""
    top, left = (test.shape[0] - crop) // 2, (test.shape[1] - crop) // 2
    return test[top : top + crop, left : left + crop].reshape(1, 1, crop, crop)


def classical(test: Tensor, crop: int) -> dict[str, dict[str, Any]]:
    """Nearest, bilinear and bicubic 4x upsampling of the same low-resolution crop, measured the same way."""
    hr = test_crop(test, crop)
    lr = shrink(hr)
    out = {}
    for mode in CLASSICAL:
        kwargs = {} if mode == "nearest" else {"align_corners": False}
        up = F.interpolate(lr, scale_factor=SCALE, mode=mode, **kwargs)[0, 0]  # (C, C)
        out[mode] = {
            "psnr": round(psnr(up, hr[0, 0]), 3),
            "checkerboard": checkerboard_energy(up),
            "error_checkerboard": checkerboard_energy(up - hr[0, 0]),
            "output": _grey(up),
        }
    return out


def compare(config: Config, device: torch.device, on_step: Callable[[str, int, float], None] | None = None) -> dict:
    """Both learned upsamplers and the classical ones on the same task; the record the panel shows."""
    images = load_images()
    hr = test_crop(images[1], config.crop)
    return {
        "config": asdict(config),
        "target": _grey(hr[0, 0]),
        "target_checkerboard": checkerboard_energy(hr[0, 0]),
        "learned": {m: train_upsampler(m, config, device, images, on_step) for m in METHODS},
        "classical": classical(images[1], config.crop),
    }


def _grey(img: Tensor, size: int = SHOWN, stretch: bool = False) -> list[list[int]]:
    """The centre ``size`` x ``size`` of ``img`` (values in [0, 1]) as rows of 0-255 grey levels, for the panel;
    ``stretch`` maps the image's own minimum and maximum to 0 and 255 (a faint pattern made visible)."""
    top, left = (img.shape[0] - size) // 2, (img.shape[1] - size) // 2
    img = img.detach().cpu()[top : top + size, left : left + size]
    if stretch:
        low, high = float(img.min()), float(img.max())
        img = (img - low) / (high - low) if high > low else img * 0 + 0.5
    return (img.clamp(0, 1) * 255).round().to(torch.uint8).tolist()
