"""Detection by classifying crops: every sliding window, or only the region proposals (R-CNN's first step).

Sliding windows slide squares of several sizes over the image at a fixed stride and classify each crop
(resized to 16 x 16 by RoIAlign) with :class:`~demos.detect.models.WindowClassifier`. R-CNN replaces the
exhaustive windows by a few hundred class-agnostic region proposals from a bottom-up segmentation (selective
search); here the proposals are the boxes of Felzenszwalb regions at two scales, selective search's starting
point, and the very same classifier scores them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor
from torchvision.ops import roi_align

from demos.detect.models import Candidates, WindowClassifier

WINDOW_SIZES: tuple[int, ...] = (10, 14, 20, 26)  # square window sides in pixels, small to large objects
WINDOW_STRIDE = 2  # pixels between neighbouring windows of one size
PROPOSAL_SCALES: tuple[float, ...] = (200.0, 60.0)  # Felzenszwalb scales whose region boxes are proposals


def window_boxes(image_size: int, size: int, stride: int = WINDOW_STRIDE) -> Tensor:
    """Every ``size`` x ``size`` window at ``stride`` inside the image -> (N, 4), N = ((S - size) // stride + 1)^2."""
    if not 1 <= size <= image_size or stride < 1:
        raise ValueError(f"window size must be in [1, {image_size}] and stride >= 1, got {size} and {stride}")
    starts = torch.arange(0, image_size - size + 1, stride, dtype=torch.float32)  # (n,)
    ys, xs = torch.meshgrid(starts, starts, indexing="ij")
    x1, y1 = xs.reshape(-1), ys.reshape(-1)
    return torch.stack([x1, y1, x1 + size, y1 + size], dim=1)


def all_windows(
    image_size: int, sizes: tuple[int, ...] = WINDOW_SIZES, stride: int = WINDOW_STRIDE
) -> tuple[Tensor, dict[int, int]]:
    """Windows of every size, and how many there are of each size."""
    per = {s: window_boxes(image_size, s, stride) for s in sizes}
    return torch.cat(list(per.values())), {s: len(b) for s, b in per.items()}


def crops(image: Tensor, boxes: Tensor, side: int) -> Tensor:
    """RoIAlign crops of ``boxes`` (N, 4) from one image (3, S, S), resized to (N, 3, side, side)."""
    rois = torch.cat([torch.zeros(len(boxes), 1, device=image.device), boxes.to(image.device)], dim=1)  # (N, 5)
    return roi_align(image[None], rois, output_size=side, spatial_scale=1.0, sampling_ratio=2, aligned=True)


@torch.no_grad()
def classify(model: WindowClassifier, image: Tensor, boxes: Tensor, batch: int = 4096) -> Candidates:
    """Each box's crop through the classifier: score = the best shape's probability, label = that shape."""
    model.eval()
    if len(boxes) == 0:
        return Candidates(boxes.reshape(0, 4), torch.zeros(0), torch.zeros(0, dtype=torch.long))
    probs = torch.cat(
        [
            model(crops(image, boxes[i : i + batch], model.config.window)).softmax(-1)
            for i in range(0, len(boxes), batch)
        ]
    )  # (N, 1 + C)
    scores, labels = probs[:, 1:].max(-1)
    return Candidates(boxes.to(image.device), scores, labels)


def proposals(image: Tensor, scales: tuple[float, ...] = PROPOSAL_SCALES, max_fraction: float = 0.4) -> Tensor:
    """Class-agnostic region proposals for one image (3, S, S): the bounding boxes of Felzenszwalb regions at
    each of ``scales``, without near-duplicates (IoU > 0.9) and without regions wider or taller than
    ``max_fraction`` of the image (the background). -> (N, 4) float32."""
    from skimage.segmentation import felzenszwalb

    from demos.nms.ops import nms

    arr = image.detach().cpu().permute(1, 2, 0).double().numpy()  # (S, S, 3)
    s = arr.shape[0]
    found = []
    for scale in scales:
        regions = felzenszwalb(arr, scale=scale, sigma=0.5, min_size=8)
        for r in np.unique(regions):
            rows, cols = np.nonzero(regions == r)
            x1, y1, x2, y2 = cols.min(), rows.min(), cols.max() + 1, rows.max() + 1
            if (x2 - x1) <= max_fraction * s and (y2 - y1) <= max_fraction * s:
                found.append((x1, y1, x2, y2))
    if not found:
        return torch.zeros(0, 4)
    boxes = torch.tensor(found, dtype=torch.float32)
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep = nms(boxes, area, 0.9)  # one of each set of near-identical boxes
    return boxes[keep]


@dataclass(frozen=True)
class WindowCounts:
    per_size: dict[int, int]  # window side -> number of windows per image
    total: int
    proposals_mean: float  # region proposals per image, on average
