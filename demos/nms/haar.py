"""A classical sliding-window detector: OpenCV's Haar cascades with every raw window kept.

``detectMultiScale3`` with ``minNeighbors=0`` skips OpenCV's own grouping step (its built-in alternative to
NMS), so every window that passed all cascade stages comes back with the last stage's weight as its
confidence. We map that weight through a logistic function to a score in (0, 1); the order is unchanged.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import Tensor

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

CASCADES: dict[str, str] = {
    "face": "haarcascade_frontalface_default.xml",
    "cat face": "haarcascade_frontalcatface.xml",
    "eye": "haarcascade_eye.xml",
}
MAX_UPLOAD_MB = 8  # the uploader refuses larger files before they reach the server's memory
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_SIDE = 4000  # pixels; larger images are refused (decoding bombs, slow cascades)
WORK_SIDE = 640  # images are scaled so their longer side is at most this before detection
MIN_SIDE = 24  # the cascades' smallest window (minSize), in pixels
MAX_ASPECT = 20  # longer side / shorter side; scaled to WORK_SIDE, a thinner strip holds no 24 px window
HIGH_DEPTH_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")  # Pillow's 16/32-bit greyscale modes


@dataclass(frozen=True)
class HaarWindows:
    image: np.ndarray  # (H, W, 3) uint8 RGB, as searched (possibly downscaled)
    boxes: Tensor  # (N, 4) float32 (x1, y1, x2, y2)
    scores: Tensor  # (N,) float32 in (0, 1)
    grouped: int  # how many detections OpenCV's own grouping (minNeighbors=3) reports, for comparison


def sample_images() -> dict[str, tuple[np.ndarray, str]]:
    """Photos that ship inside installed packages: name -> (RGB uint8 image, cascade to use)."""
    import matplotlib.cbook
    from PIL import Image
    from skimage import data

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=True) as f:  # type: ignore[union-attr]
        hopper = np.asarray(Image.open(f).convert("RGB"))
    return {
        "Astronaut (scikit-image)": (data.astronaut(), "face"),
        "Grace Hopper (matplotlib)": (hopper, "face"),
        "Chelsea the cat (scikit-image)": (data.chelsea(), "cat face"),
    }


@dataclass(frozen=True)
class Photo:
    image: np.ndarray  # (H, W, 3) uint8 RGB
    note: str | None  # what was done to make it usable (a 16-bit image scaled to 8 bits), for the learner


def check_size(width: int, height: int, name: str = "the image") -> None:
    """Raise ValueError unless a ``width`` x ``height`` image can be searched: at most ``MAX_SIDE`` a side, at least
    ``MIN_SIDE`` (the cascade's smallest window), and no thinner than ``MAX_ASPECT``:1 (scaled to ``WORK_SIDE``,
    a thinner strip would be under one window high)."""
    if max(width, height) > MAX_SIDE:
        raise ValueError(f"{name} is {width}x{height} pixels; the limit is {MAX_SIDE} per side: resize it first")
    if min(width, height) < MIN_SIDE:
        raise ValueError(
            f"{name} is {width}x{height} pixels; the cascade's smallest window is {MIN_SIDE} px, so both sides "
            f"must be at least {MIN_SIDE} px: upload a larger photo"
        )
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise ValueError(
            f"{name} is {width}x{height} pixels, a strip {max(width, height) / min(width, height):.0f} times longer "
            f"than it is wide; crop it to at most {MAX_ASPECT}:1"
        )


def _high_depth_to_rgb(img: PILImage) -> tuple[np.ndarray, str]:
    """A 16-bit or 32-bit greyscale image (Pillow modes I;16*, I, F) -> RGB uint8, its range stretched to 0..255
    (``convert("RGB")`` would clip every value above 255 to white)."""
    values = np.asarray(img, dtype=np.float64)  # (H, W)
    low, high = float(values.min()), float(values.max())
    scaled = (values - low) / (high - low) * 255 if high > low else np.zeros_like(values)
    grey = np.clip(np.round(scaled), 0, 255).astype(np.uint8)
    depth = "16-bit" if img.mode.startswith("I;16") else "32-bit float" if img.mode == "F" else "32-bit"
    note = f"a {depth} greyscale image: its values {low:g}..{high:g} were scaled to 8 bits (0..255) for the cascade"
    return np.repeat(grey[:, :, None], 3, axis=2), note


def decode_upload(data: bytes, name: str = "upload") -> Photo:
    """An uploaded file -> RGB uint8 photo, or ValueError saying what is wrong and what to upload instead."""
    from PIL import Image, UnidentifiedImageError

    if len(data) == 0:
        raise ValueError(f"{name} is empty; upload a JPEG or PNG photo")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"{name} is {len(data) / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:.0f} MB — resize it first"
        )
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ("JPEG", "PNG", "WEBP", "BMP"):
                raise ValueError(f"{name} is a {img.format} file; upload a JPEG, PNG, WebP or BMP image")
            check_size(*img.size, name=name)
            if img.mode in HIGH_DEPTH_MODES:
                image, note = _high_depth_to_rgb(img)
                return Photo(image, f"{name} is {note}.")
            return Photo(np.asarray(img.convert("RGB")), None)
    except UnidentifiedImageError as exc:
        raise ValueError(f"{name} is not an image this app can read; upload a JPEG or PNG photo") from exc
    except (OSError, Image.DecompressionBombError) as exc:
        raise ValueError(f"{name} could not be decoded ({exc}); try saving it again as JPEG or PNG") from exc


def detect_windows(
    image: np.ndarray, cascade: str = "face", scale_factor: float = 1.1, min_size: int = 24
) -> HaarWindows:
    """Every raw window the cascade accepts in ``image`` (H, W, 3) uint8 RGB, with a score per window."""
    import cv2

    if cascade not in CASCADES:
        raise ValueError(f"unknown cascade {cascade!r}; choose one of {', '.join(CASCADES)}")
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be (H, W, 3) uint8 RGB, got {image.shape} {image.dtype}")
    if not 1.01 <= scale_factor <= 2.0:
        raise ValueError(f"scale_factor must be in [1.01, 2.0], got {scale_factor}")
    h, w = image.shape[:2]
    if max(h, w) > WORK_SIDE:
        s = WORK_SIDE / max(h, w)
        if round(min(h, w) * s) < min_size:  # cv2.resize would fail on a 0-pixel side, the cascade find nothing
            raise ValueError(
                f"a {w}x{h} image scaled to {WORK_SIDE} px is under {min_size} px across; crop it to at most "
                f"{MAX_ASPECT}:1"
            )
        image = cv2.resize(image, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    gray = cv2.equalizeHist(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
    path = Path(cv2.data.haarcascades) / CASCADES[cascade]  # type: ignore[attr-defined]  # not in cv2's stubs
    classifier = cv2.CascadeClassifier(str(path))
    if classifier.empty():
        raise RuntimeError(f"OpenCV could not load {path}; reinstall opencv-python-headless<5")
    rects, _levels, weights = classifier.detectMultiScale3(
        gray, scaleFactor=scale_factor, minNeighbors=0, minSize=(min_size, min_size), outputRejectLevels=True
    )
    grouped = classifier.detectMultiScale(gray, scaleFactor=scale_factor, minNeighbors=3, minSize=(min_size, min_size))
    xywh = np.asarray(rects, dtype=np.float32).reshape(-1, 4)  # (N, 4) x, y, w, h
    boxes = torch.from_numpy(np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1))  # (N, 4)
    scores = torch.from_numpy(np.asarray(weights, dtype=np.float32).reshape(-1)).sigmoid()  # (N,)
    return HaarWindows(image=image, boxes=boxes, scores=scores, grouped=len(grouped))
