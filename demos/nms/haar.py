"""A classical sliding-window detector: OpenCV's Haar cascades with every raw window kept.

``detectMultiScale3`` with ``minNeighbors=0`` skips OpenCV's own grouping step (its built-in alternative to
NMS), so every window that passed all cascade stages comes back with the last stage's weight as its
confidence. We map that weight through a logistic function to a score in (0, 1); the order is unchanged.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

CASCADES: dict[str, str] = {
    "face": "haarcascade_frontalface_default.xml",
    "cat face": "haarcascade_frontalcatface.xml",
    "eye": "haarcascade_eye.xml",
}
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_SIDE = 4000  # pixels; larger images are refused (decoding bombs, slow cascades)
WORK_SIDE = 640  # images are scaled so their longer side is at most this before detection


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


def decode_upload(data: bytes, name: str = "upload") -> np.ndarray:
    """An uploaded file -> RGB uint8 array, or ValueError saying what is wrong and what to upload instead."""
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
            if max(img.size) > MAX_SIDE:
                raise ValueError(f"{name} is {img.size[0]}x{img.size[1]} pixels; the limit is {MAX_SIDE} per side")
            return np.asarray(img.convert("RGB"))
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
