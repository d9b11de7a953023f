"""Pictures as data URIs for the panels' JSON (no torch)."""

from __future__ import annotations

import base64
import io

import numpy as np


def png_uri(image: np.ndarray) -> str:
    """``uint8 (H, W, 3)`` or ``(H, W)`` -> PNG data URI (small in JSON, drawn by the browser)."""
    from PIL import Image

    if image.dtype != np.uint8:
        raise ValueError(f"images must be uint8, got {image.dtype}")
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def jpeg_uri(image: np.ndarray, quality: int = 85) -> str:
    """``uint8 (H, W, 3)`` photo -> JPEG data URI (a photo's PNG is several times larger)."""
    from PIL import Image

    if image.dtype != np.uint8:
        raise ValueError(f"images must be uint8, got {image.dtype}")
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
