"""Instance segmentation as a cascade: the NMS lab's detector finds boxes, a small mask head segments each box.

Semantic segmentation labels pixels by class, so two touching squares are one "square" region; instance
segmentation must also say which square. Here stage one is the shipped shapes detector of :mod:`demos.nms`
(raw boxes, then class-aware NMS from :mod:`demos.nms.evaluate`); stage two crops each box (a little enlarged)
with RoIAlign and predicts a 28 x 28 mask of the object the box is centred on, which is pasted back into the
image. Masks are scored by mask AP: a prediction is a hit when its mask overlaps an unmatched true instance of
its class by mask IoU >= the threshold (:func:`demos.nms.evaluate.average_precision` does the rest).

Baselines: the detector's boxes filled in as masks, and connected components of the *exact* semantic mask,
which merge touching objects of one class whatever the model.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torchvision.ops import roi_align

from demos.common import generator, read_half, save_half, seeded
from demos.scenes import SHAPES, Rendered, make_dataset
from demos.scenes.masks import masks_of

CPU = torch.device("cpu")
MASK_HEAD = Path(__file__).resolve().parent / "checkpoints" / "mask-head.pt"
TRAIN_SEED = 30_000  # training scenes for the mask head (the detector trained on 1,000+; NMS evaluates on 20,000)
TEST_SEED = 60_000  # held-out scenes for the instance claims


@dataclass(frozen=True)
class MaskHeadConfig:
    size: int = 28  # side of the crop and of the predicted mask
    width: int = 16  # channels of the dilated convolutions
    context: float = 1.2  # crops cover the box enlarged by this factor, so a slightly short box still sees it all


@dataclass(frozen=True)
class MaskTrainConfig:
    seed: int = 0
    scenes: int = 300  # crowded training scenes (about 7 objects each)
    epochs: int = 8
    batch_size: int = 64  # boxes per step
    lr: float = 4e-3
    jitter: float = 0.1  # training boxes are true boxes with each side moved by up to this fraction of the size


class MaskHead(nn.Module):
    """Crop ``(N, 3, M, M)`` -> mask logits ``(N, M, M)`` of the object the crop is centred on. Four dilated 3x3
    convolutions (dilations 1, 2, 4, 8) give every output pixel a 31 px view: the whole crop."""

    def __init__(self, config: MaskHeadConfig = MaskHeadConfig()) -> None:
        super().__init__()
        self.config = config
        w = config.width
        layers: list[nn.Module] = []
        cin = 5  # RGB plus the crop's x, y coordinates, so the head knows where the centre is
        for d in (1, 2, 4, 8):
            layers += [nn.Conv2d(cin, w, 3, padding=d, dilation=d, bias=False), nn.BatchNorm2d(w), nn.ReLU(True)]
            cin = w
        layers.append(nn.Conv2d(w, 1, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, crops: Tensor) -> Tensor:
        n, _, m, _ = crops.shape
        ramp = torch.linspace(-1, 1, m, device=crops.device)
        yy, xx = torch.meshgrid(ramp, ramp, indexing="ij")  # (M, M) each
        coords = torch.stack([xx, yy]).expand(n, 2, m, m)  # (N, 2, M, M)
        return self.net(torch.cat([crops - 0.5, coords], dim=1))[:, 0]  # (N, M, M)


def enlarge(boxes: Tensor, factor: float) -> Tensor:
    """(N, 4) boxes scaled about their centres by ``factor``."""
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    half = (boxes[:, 2:] - boxes[:, :2]) / 2 * factor
    return torch.cat([centre - half, centre + half], dim=1)


def crop(images: Tensor, boxes: Tensor, index: Tensor, size: int) -> Tensor:
    """RoIAlign crops ``(N, C, size, size)`` of ``boxes`` (N, 4) in image ``index`` (N,) of ``images`` (B, C, S, S)."""
    rois = torch.cat([index[:, None].to(boxes), boxes], dim=1)  # (N, 5)
    return roi_align(images, rois, output_size=size, spatial_scale=1.0, sampling_ratio=2, aligned=True)


def paste(masks: Tensor, boxes: Tensor, image_size: int) -> Tensor:
    """Mask probabilities ``(N, M, M)`` on their boxes ``(N, 4)`` -> ``(N, S, S)`` in the image (0 outside the box):
    each pixel centre is located in its box's crop and the crop is sampled there bilinearly -- the inverse of
    :func:`crop`'s sampling."""
    n = masks.shape[0]
    if n == 0:
        return masks.new_zeros(0, image_size, image_size)
    centres = torch.arange(image_size, dtype=masks.dtype, device=masks.device) + 0.5  # (S,)
    x1, y1, x2, y2 = (boxes[:, i : i + 1] for i in range(4))  # (N, 1) each
    u = (centres[None] - x1) / (x2 - x1).clamp(min=1e-3) * 2 - 1  # (N, S) in [-1, 1] inside the box
    v = (centres[None] - y1) / (y2 - y1).clamp(min=1e-3) * 2 - 1  # (N, S)
    grid = torch.stack(
        [u[:, None, :].expand(n, image_size, image_size), v[:, :, None].expand(n, image_size, image_size)], dim=-1
    )  # (N, S, S, 2)
    return F.grid_sample(masks[:, None], grid, mode="bilinear", padding_mode="zeros", align_corners=False)[:, 0]


# ------------------------------------------------------------------------------------------------ training


@dataclass
class MaskTrainResult:
    model: MaskHead
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0


def _instances(scenes: list[Rendered]) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Every visible object of ``scenes``: images (B, 3, S, S), boxes (N, 4), image index (N,), masks (N, S, S)."""
    images = torch.stack([s.image for s in scenes])
    boxes, index, masks = [], [], []
    for i, s in enumerate(scenes):
        m = masks_of(s)
        seen = s.visible > 0
        boxes.append(s.boxes[seen])
        masks.append(m.instances[seen])
        index.append(torch.full((int(seen.sum()),), i, dtype=torch.long))
    return images, torch.cat(boxes), torch.cat(index), torch.cat(masks).float()


def jittered(boxes: Tensor, amount: float, g: torch.Generator) -> Tensor:
    """Each side of each box moved by up to ``amount`` of the box's width or height, at random."""
    wh = (boxes[:, 2:] - boxes[:, :2]).repeat(1, 2)  # (N, 4)
    return boxes + (torch.rand(boxes.shape, generator=g) * 2 - 1).to(boxes) * amount * wh


def train_mask_head(
    train_config: MaskTrainConfig = MaskTrainConfig(),
    config: MaskHeadConfig = MaskHeadConfig(),
    device: torch.device = CPU,
    on_epoch: Callable[[int, float], None] | None = None,
) -> MaskTrainResult:
    """Train the mask head on jittered true boxes of crowded scenes (binary cross-entropy per mask pixel)."""
    from demos.nms.detector import CROWDED

    t0 = time.perf_counter()
    scenes = make_dataset(train_config.scenes, TRAIN_SEED + train_config.seed, CROWDED)
    images, boxes, index, masks = _instances(scenes)
    images, masks = images.to(device), masks.to(device)
    with seeded(train_config.seed):
        model = MaskHead(config)
    model = model.to(device)
    g = generator(train_config.seed)
    n, bs = len(boxes), train_config.batch_size
    steps = train_config.epochs * ((n + bs - 1) // bs)
    opt = torch.optim.AdamW(model.parameters(), lr=train_config.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=train_config.lr, total_steps=steps, pct_start=0.2)
    result = MaskTrainResult(model=model)
    for epoch in range(train_config.epochs):
        model.train()
        order = torch.randperm(n, generator=g)
        total = 0.0
        for start in range(0, n, bs):
            idx = order[start : start + bs]
            b = enlarge(jittered(boxes[idx], train_config.jitter, g), config.context).to(device)
            i = index[idx].to(device)
            x = crop(images, b, i, config.size)  # (B, 3, M, M)
            target = crop(masks[idx.to(device)][:, None], b, torch.arange(len(idx), device=device), config.size)
            loss = F.binary_cross_entropy_with_logits(model(x), (target[:, 0] > 0.5).float())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        result.losses.append(total / n)
        if on_epoch is not None:
            on_epoch(epoch, result.losses[-1])
    model.eval()
    result.seconds = time.perf_counter() - t0
    return result


def save_mask_head(model: MaskHead, path: Path, meta: dict[str, Any]) -> None:
    save_half(path, "mask-head", model, meta, config=asdict(model.config))


def load_mask_head(device: torch.device = CPU, path: Path = MASK_HEAD) -> MaskHead:
    remake = "python -m demos.seg train --model mask-head --threads 1"
    blob = read_half(path, "mask-head", remake)
    with seeded(0):
        model = MaskHead(MaskHeadConfig(**blob["config"]))
    model.load_state_dict(blob["state_dict"])
    return model.to(device).eval()


# ------------------------------------------------------------------------------------------------ inference


@dataclass(frozen=True)
class Instances:
    masks: Tensor  # (N, S, S) bool, one per predicted instance
    scores: Tensor  # (N,) float, best first
    labels: Tensor  # (N,) int64 index into SHAPES
    boxes: Tensor  # (N, 4) float (x1, y1, x2, y2); the mask's own box for the connected-components baseline


@torch.no_grad()
def detect_and_segment(
    detector: nn.Module, head: MaskHead, images: Tensor, score_threshold: float = 0.05, max_instances: int = 50
) -> tuple[list[Instances], list[Instances]]:
    """Stage one (detector, class-aware NMS at IoU 0.5) and stage two (mask head) on ``images`` (B, 3, S, S).
    Returns the instances with the head's masks and, for comparison, the same boxes filled in as masks."""
    from demos.nms.detector import ShapesDetector, raw_detections
    from demos.nms.evaluate import apply_method

    assert isinstance(detector, ShapesDetector), "the first stage is the NMS lab's ShapesDetector"
    s = images.shape[-1]
    with_masks, with_boxes = [], []
    for i, raw in enumerate(raw_detections(detector, images)):
        kept = apply_method(raw.boxes, raw.scores, raw.labels, "batched", 0.5, score_threshold).kept
        boxes, scores, labels = kept.boxes[:max_instances], kept.scores[:max_instances], kept.labels[:max_instances]
        if len(boxes):
            big = enlarge(boxes, head.config.context)
            index = torch.full((len(boxes),), i, dtype=torch.long, device=images.device)
            probs = head(crop(images, big, index, head.config.size)).sigmoid()  # (N, M, M)
            masks = paste(probs, big, s) > 0.5  # (N, S, S)
        else:
            masks = torch.zeros(0, s, s, dtype=torch.bool, device=images.device)
        with_masks.append(Instances(masks.cpu(), scores.cpu(), labels.cpu(), boxes.cpu()))
        with_boxes.append(Instances(box_masks(boxes, s).cpu(), scores.cpu(), labels.cpu(), boxes.cpu()))
    return with_masks, with_boxes


def box_masks(boxes: Tensor, image_size: int) -> Tensor:
    """(N, 4) boxes -> (N, S, S) bool: the pixels whose centres lie inside each box."""
    c = torch.arange(image_size, device=boxes.device, dtype=torch.float32) + 0.5  # (S,)
    inside_x = (c[None] >= boxes[:, 0:1]) & (c[None] <= boxes[:, 2:3])  # (N, S)
    inside_y = (c[None] >= boxes[:, 1:2]) & (c[None] <= boxes[:, 3:4])  # (N, S)
    return inside_y[:, :, None] & inside_x[:, None, :]


def connected_components(semantic: Tensor) -> Instances:
    """Every 4-connected region of one class in a semantic map ``(S, S)`` as an instance (score: its area, so
    bigger regions rank first). What a semantic segmentation alone can say about instances."""
    from scipy import ndimage

    sem = semantic.cpu().numpy()
    masks, labels, areas = [], [], []
    for c in range(1, len(SHAPES) + 1):
        regions, count = ndimage.label(sem == c)
        for r in range(1, count + 1):
            region = regions == r
            masks.append(torch.from_numpy(region))
            labels.append(c - 1)
            areas.append(float(region.sum()))
    s = semantic.shape[-1]
    if not masks:
        empty = torch.zeros(0)
        return Instances(torch.zeros(0, s, s, dtype=torch.bool), empty, empty.long(), torch.zeros(0, 4))
    from demos.scenes.masks import mask_boxes

    stacked = torch.stack(masks)
    scores = torch.tensor(areas) / (s * s)
    order = scores.argsort(descending=True, stable=True)
    return Instances(stacked[order], scores[order], torch.tensor(labels)[order], mask_boxes(stacked)[order])


# ------------------------------------------------------------------------------------------------ mask AP


def mask_iou(a: Tensor, b: Tensor) -> Tensor:
    """Pairwise IoU of boolean masks ``(N, S, S)`` and ``(K, S, S)`` -> ``(N, K)`` float64 (0 for two empty)."""
    fa, fb = a.reshape(len(a), -1).double(), b.reshape(len(b), -1).double()
    inter = fa @ fb.T  # (N, K)
    union = fa.sum(1)[:, None] + fb.sum(1)[None, :] - inter
    return torch.where(union > 0, inter / union.clamp(min=1), torch.zeros_like(inter))


def match_masks(pred: Instances, gt_masks: Tensor, gt_labels: Tensor, iou: float = 0.5) -> tuple[Tensor, Tensor]:
    """Greedy matching in score order (as :func:`demos.nms.evaluate.match`, with mask IoU): hit flags ``(N,)`` of
    the predictions and the matched flags ``(K,)`` of the true instances."""
    hits = torch.zeros(len(pred.scores), dtype=torch.bool)
    taken = torch.zeros(len(gt_masks), dtype=torch.bool)
    if len(pred.scores) == 0 or len(gt_masks) == 0:
        return hits, taken
    overlaps = mask_iou(pred.masks, gt_masks)  # (N, K)
    same = pred.labels[:, None] == gt_labels[None, :]
    overlaps = torch.where(same, overlaps, torch.full_like(overlaps, -1.0))
    for i in pred.scores.argsort(descending=True, stable=True).tolist():
        row = overlaps[i].masked_fill(taken, -1.0)
        j = int(row.argmax())
        if row[j] >= iou:
            hits[i], taken[j] = True, True
    return hits, taken


def mask_ap(preds: list[Instances], gts: list[tuple[Tensor, Tensor]], iou: float = 0.5) -> float:
    """Mean over shape classes of mask AP@``iou``, predictions pooled over images; ``gts`` are (masks, labels)."""
    from demos.nms.evaluate import average_precision

    hits_by_class: list[list[Tensor]] = [[] for _ in SHAPES]
    scores_by_class: list[list[Tensor]] = [[] for _ in SHAPES]
    n_gt = [0] * len(SHAPES)
    for pred, (gm, gl) in zip(preds, gts, strict=True):
        hits, _ = match_masks(pred, gm, gl, iou)
        for c in range(len(SHAPES)):
            sel = pred.labels == c
            hits_by_class[c].append(hits[sel])
            scores_by_class[c].append(pred.scores[sel].double())
            n_gt[c] += int((gl == c).sum())
    aps = [
        average_precision(torch.cat(hits_by_class[c]), torch.cat(scores_by_class[c]), n_gt[c])
        for c in range(len(SHAPES))
    ]
    valid = [a for a in aps if a == a]
    return sum(valid) / len(valid) if valid else 0.0


def touching_same_class(instances: Tensor, labels: Tensor) -> Tensor:
    """``(K,)`` bool: which instances share an edge (4-neighbour) with another visible instance of their class."""
    k = len(labels)
    out = torch.zeros(k, dtype=torch.bool)
    if k < 2:
        return out
    m = instances.float()[:, None]  # (K, 1, S, S)
    cross = torch.tensor([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]]).view(1, 1, 3, 3)
    grown = F.conv2d(m, cross, padding=1)[:, 0] > 0  # (K, S, S)
    for a in range(k):
        for b in range(k):
            if a != b and labels[a] == labels[b] and bool((grown[a] & instances[b]).any()):
                out[a] = True
    return out


def instance_report(scenes: int, device: torch.device, seed: int = TEST_SEED) -> dict[str, Any]:
    """Mask AP@0.5 and @0.75 of the cascade, of its boxes as masks, and of connected components of the exact
    semantic mask, on ``scenes`` held-out crowded scenes; and the recall of instances that touch another of their
    class (the ones semantics cannot separate)."""
    from demos.nms.detector import CHECKPOINT, CROWDED, load

    t0 = time.perf_counter()
    data = make_dataset(scenes, seed, CROWDED)
    detector, head = load(CHECKPOINT, device), load_mask_head(device)
    gts, touching = [], []
    cascade: list[Instances] = []
    boxes: list[Instances] = []
    components: list[Instances] = []
    for start in range(0, len(data), 32):
        chunk = data[start : start + 32]
        images = torch.stack([s.image for s in chunk]).to(device)
        a, b = detect_and_segment(detector, head, images)
        cascade += a
        boxes += b
    for s in data:
        m = masks_of(s)
        seen = s.visible > 0
        gts.append((m.instances[seen], m.labels[seen]))
        touching.append(touching_same_class(m.instances[seen], m.labels[seen]))
        components.append(connected_components(m.semantic))
    n_touching = int(sum(int(t.sum()) for t in touching))

    def touching_recall(preds: list[Instances]) -> float:
        found = 0
        for pred, (gm, gl), t in zip(preds, gts, touching, strict=True):
            _, matched = match_masks(pred, gm, gl, 0.5)
            found += int((matched & t).sum())
        return round(found / max(n_touching, 1), 4)

    methods = {"cascade": cascade, "boxes": boxes, "components": components}
    return {
        "scenes": scenes,
        "scene_seed": seed,
        "instances": int(sum(len(g[1]) for g in gts)),
        "touching_same_class": n_touching,
        "mask_ap50": {k: round(mask_ap(v, gts, 0.5), 4) for k, v in methods.items()},
        "mask_ap75": {k: round(mask_ap(v, gts, 0.75), 4) for k, v in methods.items()},
        "touching_recall": {k: touching_recall(v) for k, v in methods.items()},
        "seconds": round(time.perf_counter() - t0, 1),
    }


def as_numpy_masks(instances: Instances) -> np.ndarray:
    """(N, S, S) bool numpy copy of the masks, for drawing."""
    return instances.masks.cpu().numpy().astype(bool)
