"""What the early-layers panel draws, as plain JSON: the three first layers' 32 filters as tiles, and their summed
response on a photo beside the photo's edges.

``python -m demos.filters panel --save`` writes ``results/panel.json``; the card page draws it without torch.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor

from demos.filters.layers import (
    NETWORKS,
    TITLES,
    colour_share,
    edge_alignment,
    first_layers,
    low_frequency_share,
    normalise_photo,
    responses,
    sobel_magnitude,
)
from demos.seg.images import enlarge, jpeg_uri, png_uri

TILE = 9  # each 3 x 3 filter is drawn 27 x 27 pixels
COLUMNS = 8
SOURCES: tuple[str, ...] = ("astronaut", "coffee", "chelsea")


def filter_tiles(weights: Tensor) -> np.ndarray:
    """(32, 3, 3, 3) filters -> one (H, W, 3) uint8 picture: 4 rows of 8 tiles, each filter stretched to [0, 255]
    on its own (so a weak filter is as visible as a strong one), white gaps between tiles."""
    w = weights.detach().cpu().double()
    lo = w.amin((1, 2, 3), keepdim=True)
    hi = w.amax((1, 2, 3), keepdim=True)
    tiles = ((w - lo) / (hi - lo).clamp(min=1e-12) * 255).round().byte().permute(0, 2, 3, 1).numpy()  # (32, 3, 3, 3)
    side, gap = 3 * TILE, 3
    rows = (len(tiles) + COLUMNS - 1) // COLUMNS
    out = np.full((rows * (side + gap) - gap, COLUMNS * (side + gap) - gap, 3), 255, dtype=np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, COLUMNS)
        out[r * (side + gap) : r * (side + gap) + side, c * (side + gap) : c * (side + gap) + side] = enlarge(
            tile, TILE
        )
    return out


def magnitude_picture(values: Tensor) -> np.ndarray:
    """(H, W) non-negative map -> grey (H, W, 3) uint8, stretched so its 99th percentile is white."""
    v = values.detach().cpu().double()
    top = float(torch.quantile(v.flatten(), 0.99)) or 1.0
    grey = (v / top).clamp(0, 1).mul(255).round().byte().numpy()
    return np.repeat(grey[:, :, None], 3, axis=2)


def photo_view(layers: dict[str, Tensor], name: str) -> dict[str, Any]:
    """The photo, its Sobel edges and each layer's summed response magnitude, with each layer's edge alignment."""
    from demos.seg.superpixels import photo

    image = photo(name)  # (256, 256, 3)
    grey = torch.as_tensor(image, dtype=torch.float32).mean(-1)
    x = normalise_photo(image)
    return {
        "name": name,
        "photo": jpeg_uri(image),
        "edges": png_uri(magnitude_picture(sobel_magnitude(grey)[::2, ::2])),
        "responses": {k: png_uri(magnitude_picture(responses(w, x).abs().sum(0))) for k, w in layers.items()},
        "edge_alignment": {k: round(edge_alignment(w, image), 4) for k, w in layers.items()},
    }


def shipped() -> dict[str, Any]:
    layers = first_layers()
    return {
        "networks": list(NETWORKS),
        "titles": TITLES,
        "tiles": {k: png_uri(filter_tiles(layers[k])) for k in NETWORKS},
        "low_frequency_share": {k: round(float(low_frequency_share(layers[k]).mean()), 4) for k in NETWORKS},
        "colour_share": {k: [round(float(v), 3) for v in colour_share(layers[k])] for k in NETWORKS},
        "photo": photo_view(layers, SOURCES[0]),
    }
