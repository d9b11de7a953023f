"""Pictures for the panels as data URIs (plain numpy and Pillow, no torch): images, class maps, instance maps and
edges, enlarged with nearest-neighbour so that every pixel stays a crisp square in the browser.

The class colours are part of what the panels say, so they live here with the data, not in the UI.
"""

from __future__ import annotations

import base64
import io

import numpy as np

# background, circle, square, triangle, diamond (the order of demos.scenes.masks.SEMANTIC_CLASSES)
CLASS_COLOURS: tuple[str, ...] = ("#E2E8F0", "#2563EB", "#F59E0B", "#DC2626", "#16A34A")
# Distinct colours for instances (cycled); background stays light grey.
INSTANCE_COLOURS: tuple[str, ...] = (
    "#1D4ED8",
    "#F97316",
    "#059669",
    "#DB2777",
    "#7C3AED",
    "#CA8A04",
    "#0891B2",
    "#B91C1C",
    "#4D7C0F",
    "#9333EA",
    "#0F766E",
    "#C2410C",
)
BACKGROUND = "#E2E8F0"


def rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """(H, W, 3) float in [0, 1] (or uint8) -> uint8."""
    arr = np.asarray(image)
    if arr.dtype == np.uint8:
        return arr
    return (np.clip(arr, 0.0, 1.0) * 255).round().astype(np.uint8)


def enlarge(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement of an (H, W, ...) array by an integer ``factor``."""
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1) if factor > 1 else image


def png_uri(image: np.ndarray, factor: int = 1) -> str:
    """(H, W, 3) image -> PNG data URI, enlarged ``factor`` times."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(enlarge(to_uint8(image), factor)).save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def jpeg_uri(image: np.ndarray, quality: int = 85) -> str:
    """(H, W, 3) photo -> JPEG data URI (a photo compresses far better as JPEG than as PNG)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(to_uint8(image)).save(buf, format="JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def paint_classes(labels: np.ndarray, colours: tuple[str, ...] = CLASS_COLOURS) -> np.ndarray:
    """(H, W) class indices -> (H, W, 3) uint8 in the class colours."""
    palette = np.array([rgb(c) for c in colours], dtype=np.uint8)
    return palette[np.asarray(labels, dtype=np.int64)]


def paint_instances(masks: np.ndarray) -> np.ndarray:
    """(N, H, W) bool instance masks -> (H, W, 3) uint8, one colour per instance (later ones on top)."""
    masks = np.asarray(masks, dtype=bool)
    out = np.empty((*masks.shape[1:], 3), dtype=np.uint8)
    out[:] = rgb(BACKGROUND)
    for i, m in enumerate(masks):
        out[m] = rgb(INSTANCE_COLOURS[i % len(INSTANCE_COLOURS)])
    return out


def mark(image: np.ndarray, where: np.ndarray, colour: str) -> np.ndarray:
    """A copy of (H, W, 3) ``image`` with the pixels of boolean ``where`` painted ``colour``."""
    out = to_uint8(image).copy()
    out[np.asarray(where, dtype=bool)] = rgb(colour)
    return out
