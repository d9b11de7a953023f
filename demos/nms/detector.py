"""A small dense (anchor-free, FCOS-style) shape detector whose raw output is what NMS cleans up.

Every cell of a stride-4 grid predicts a class score for each shape, a centredness score and a box as
distances (left, top, right, bottom) from the cell's centre. Many neighbouring cells see the same object,
so one object yields a cluster of near-identical boxes: exactly the duplicates non-max suppression removes.
"""

from __future__ import annotations

import math
import pickle
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from demos.common import cudnn_flags, seeded
from demos.scenes import SHAPES, Rendered, SceneConfig, make_dataset

CPU = torch.device("cpu")
CHECKPOINT = Path(__file__).resolve().parent / "checkpoints" / "shapes_detector.pt"

# Crowded scenes: many objects, allowed to overlap, so that NMS has real decisions to make.
CROWDED = SceneConfig(image_size=128, min_objects=4, max_objects=10, max_overlap=0.35)


@dataclass(frozen=True)
class DetectorConfig:
    image_size: int = 128  # square input side in pixels
    stride: int = 4  # pixels per grid cell: 128 / 4 = 32 x 32 = 1,024 raw boxes per image
    width: int = 40  # channels of the stride-4 trunk
    num_classes: int = len(SHAPES)
    centre_fraction: float = 0.6  # cells inside this central part of a box are positives for it


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 0  # seeds scenes, initial weights and batch order
    train_scenes: int = 2000  # rendered once, then reused every epoch
    epochs: int = 16
    batch_size: int = 32
    lr: float = 3e-3  # AdamW, cosine decay to 0
    weight_decay: float = 1e-4
    scene_seed: int = 1_000  # train scenes come from this seed; eval scenes from another (see evaluate.py)


class ShapesDetector(nn.Module):
    def __init__(self, config: DetectorConfig = DetectorConfig()) -> None:
        super().__init__()
        self.config = config
        w = config.width

        def block(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
            conv = nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation, bias=False)
            return nn.Sequential(conv, nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

        # Two stride-2 convolutions reach stride 4; dilated convolutions then widen the receptive field
        # (about 60 px) to cover the largest shapes without shrinking the grid.
        self.trunk = nn.Sequential(
            block(3, 16, stride=2),
            block(16, 32, stride=2),
            block(32, w),
            block(w, w, dilation=2),
            block(w, w, dilation=4),
            block(w, w, dilation=8),
        )
        self.cls_head = nn.Conv2d(w, config.num_classes, 1)
        self.box_head = nn.Conv2d(w, 4, 1)
        self.ctr_head = nn.Conv2d(w, 1, 1)
        prior = 0.01  # start with every cell confidently background (focal-loss initialisation)
        assert self.cls_head.bias is not None
        nn.init.constant_(self.cls_head.bias, -math.log((1 - prior) / prior))

    def forward(self, images: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """images (B, 3, S, S) in [0, 1] -> class logits (B, C, G, G), log-distances (B, 4, G, G),
        centredness logits (B, 1, G, G), where G = S / stride."""
        x = self.trunk(images - 0.5)  # (B, W, G, G)
        return self.cls_head(x), self.box_head(x), self.ctr_head(x)


def cell_centres(grid: int, stride: int, device: torch.device) -> Tensor:
    """Pixel centres of a grid's cells -> (G*G, 2) as (x, y), row-major."""
    c = (torch.arange(grid, device=device, dtype=torch.float32) + 0.5) * stride  # (G,)
    ys, xs = torch.meshgrid(c, c, indexing="ij")  # (G, G) each
    return torch.stack([xs.flatten(), ys.flatten()], dim=1)  # (G*G, 2)


def assign_targets(boxes: Tensor, labels: Tensor, centres: Tensor, centre_fraction: float) -> tuple[Tensor, Tensor]:
    """Ground truth for one image. boxes (K, 4), labels (K,), centres (P, 2) ->
    class index per cell (P,) with -1 for background, and target (l, t, r, b) distances (P, 4).
    A cell is positive for an object if it lies in the central ``centre_fraction`` of its box (the cell
    nearest the centre always counts); where objects compete, the smallest box wins."""
    p = centres.shape[0]
    cls = torch.full((p,), -1, dtype=torch.long, device=centres.device)
    ltrb = torch.zeros(p, 4, device=centres.device)
    if boxes.numel() == 0:
        return cls, ltrb
    x, y = centres[:, 0:1], centres[:, 1:2]  # (P, 1)
    ctr = (boxes[:, :2] + boxes[:, 2:]) / 2  # (K, 2)
    half = (boxes[:, 2:] - boxes[:, :2]) / 2 * centre_fraction  # (K, 2)
    inside = ((x - ctr[:, 0]).abs() <= half[:, 0]) & ((y - ctr[:, 1]).abs() <= half[:, 1])  # (P, K)
    nearest = ((centres[:, None, :] - ctr[None]) ** 2).sum(-1).argmin(0)  # (K,)
    inside[nearest, torch.arange(len(boxes), device=centres.device)] = True
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])  # (K,)
    cost = torch.where(inside, area[None, :], torch.full_like(inside, float("inf"), dtype=torch.float32))
    best_cost, best = cost.min(dim=1)  # (P,)
    positive = torch.isfinite(best_cost)
    cls[positive] = labels[best[positive]]
    b = boxes[best]  # (P, 4)
    ltrb = torch.stack([x[:, 0] - b[:, 0], y[:, 0] - b[:, 1], b[:, 2] - x[:, 0], b[:, 3] - y[:, 0]], dim=1)
    ltrb = torch.where(positive[:, None], ltrb.clamp(min=0.5), torch.zeros_like(ltrb))
    return cls, ltrb


def centredness(ltrb: Tensor) -> Tensor:
    """FCOS centredness of (P, 4) distances -> (P,) in [0, 1]: 1 at a box's centre, 0 at its edge."""
    lr, tb = ltrb[:, [0, 2]], ltrb[:, [1, 3]]
    return ((lr.min(1).values / lr.max(1).values) * (tb.min(1).values / tb.max(1).values)).clamp(0).sqrt()


def ltrb_iou(pred: Tensor, target: Tensor) -> Tensor:
    """IoU of boxes given as distances from the same point: (P, 4), (P, 4) -> (P,)."""
    inter_w = torch.minimum(pred[:, 0], target[:, 0]) + torch.minimum(pred[:, 2], target[:, 2])
    inter_h = torch.minimum(pred[:, 1], target[:, 1]) + torch.minimum(pred[:, 3], target[:, 3])
    inter = inter_w.clamp(min=0) * inter_h.clamp(min=0)
    area_p = (pred[:, 0] + pred[:, 2]) * (pred[:, 1] + pred[:, 3])
    area_t = (target[:, 0] + target[:, 2]) * (target[:, 1] + target[:, 3])
    return inter / (area_p + area_t - inter).clamp(min=1e-6)


def focal_loss(logits: Tensor, targets: Tensor, alpha: float = 0.25, gamma: float = 2.0) -> Tensor:
    """Sigmoid focal loss (Lin et al. 2017), summed. logits, targets (P, C) with targets in {0, 1}."""
    p = logits.sigmoid()
    ce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    a_t = alpha * targets + (1 - alpha) * (1 - targets)
    return (a_t * (1 - p_t) ** gamma * ce).sum()


def detection_loss(
    outputs: tuple[Tensor, Tensor, Tensor], cls_t: Tensor, ltrb_t: Tensor, stride: int
) -> dict[str, Tensor]:
    """Focal loss on classes, IoU loss on boxes and BCE on centredness, normalised by positive cells.
    cls_t (B, P) with -1 background, ltrb_t (B, P, 4)."""
    cls_logits, box_out, ctr_logits = outputs
    c = cls_logits.shape[1]
    cls_logits = cls_logits.flatten(2).transpose(1, 2).reshape(-1, c)  # (B*P, C)
    ltrb_pred = (box_out.flatten(2).transpose(1, 2).reshape(-1, 4).clamp(max=8)).exp() * stride  # (B*P, 4)
    ctr_logits = ctr_logits.flatten()  # (B*P,)
    cls_t, ltrb_t = cls_t.flatten(), ltrb_t.reshape(-1, 4)
    pos = cls_t >= 0
    n_pos = max(int(pos.sum()), 1)
    onehot = torch.zeros_like(cls_logits)
    onehot[pos, cls_t[pos]] = 1.0
    loss_cls = focal_loss(cls_logits, onehot) / n_pos
    if pos.any():
        loss_box = (1 - ltrb_iou(ltrb_pred[pos], ltrb_t[pos])).sum() / n_pos
        loss_ctr = F.binary_cross_entropy_with_logits(ctr_logits[pos], centredness(ltrb_t[pos]), reduction="sum")
        loss_ctr = loss_ctr / n_pos
    else:
        loss_box = loss_ctr = cls_logits.sum() * 0
    return {"cls": loss_cls, "box": loss_box, "ctr": loss_ctr, "total": loss_cls + loss_box + loss_ctr}


def to_batch(scenes: list[Rendered], config: DetectorConfig, device: torch.device) -> tuple[Tensor, Tensor, Tensor]:
    """Images (B, 3, S, S), class targets (B, P) and distance targets (B, P, 4) for a list of scenes."""
    grid = config.image_size // config.stride
    centres = cell_centres(grid, config.stride, device)
    images = torch.stack([s.image for s in scenes]).to(device)
    targets = [
        assign_targets(
            s.boxes[s.visible > 0].to(device), s.labels[s.visible > 0].to(device), centres, config.centre_fraction
        )
        for s in scenes
    ]
    return images, torch.stack([t[0] for t in targets]), torch.stack([t[1] for t in targets])


@dataclass
class TrainResult:
    model: ShapesDetector
    losses: list[float] = field(default_factory=list)  # mean total loss per epoch
    seconds: float = 0.0


def train(
    train_config: TrainConfig = TrainConfig(),
    config: DetectorConfig = DetectorConfig(),
    device: torch.device = CPU,
    scene_config: SceneConfig = CROWDED,
    on_epoch: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Train a detector from scratch on freshly rendered scenes; deterministic for a seed on one device.

    Touches no process-wide state: the initial weights are drawn under :func:`demos.common.seeded` (torch's
    global generator seeded, then restored), batch order and flips come from a private ``random.Random``, and
    cuDNN runs deterministic convolutions for this call only. ``on_epoch(epoch, mean_loss)`` after each epoch."""
    with cudnn_flags(deterministic=True, benchmark=False):  # reproducible convolutions on the GPU too
        return _train(train_config, config, device, scene_config, on_epoch)


def _train(
    train_config: TrainConfig,
    config: DetectorConfig,
    device: torch.device,
    scene_config: SceneConfig,
    on_epoch: Callable[[int, float], None] | None,
) -> TrainResult:
    t0 = time.perf_counter()
    with seeded(train_config.seed):
        model = ShapesDetector(config)
    model = model.to(device)
    scenes = make_dataset(train_config.train_scenes, train_config.scene_seed + train_config.seed, scene_config)
    images, cls_t, ltrb_t = to_batch(scenes, config, device)  # whole set: (N, 3, S, S), (N, P), (N, P, 4)
    opt = torch.optim.AdamW(model.parameters(), lr=train_config.lr, weight_decay=train_config.weight_decay)
    steps_per_epoch = math.ceil(len(scenes) / train_config.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=train_config.lr, total_steps=train_config.epochs * steps_per_epoch, pct_start=0.15
    )
    order_rng = random.Random(train_config.seed)
    result = TrainResult(model=model)
    for epoch in range(train_config.epochs):
        model.train()
        order = list(range(len(scenes)))
        order_rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), train_config.batch_size):
            idx = torch.tensor(order[start : start + train_config.batch_size], device=device)
            x = images[idx]
            if order_rng.random() < 0.5:  # horizontal flip: mirror images and distance targets together
                x, ct, lt = _flip(x, cls_t[idx], ltrb_t[idx], config)
            else:
                ct, lt = cls_t[idx], ltrb_t[idx]
            losses = detection_loss(model(x), ct, lt, config.stride)
            opt.zero_grad(set_to_none=True)
            losses["total"].backward()
            opt.step()
            sched.step()
            total += losses["total"].item() * len(idx)
        result.losses.append(total / len(scenes))
        if on_epoch is not None:
            on_epoch(epoch, result.losses[-1])
    model.eval()
    result.seconds = time.perf_counter() - t0
    return result


def _flip(images: Tensor, cls_t: Tensor, ltrb_t: Tensor, config: DetectorConfig) -> tuple[Tensor, Tensor, Tensor]:
    grid = config.image_size // config.stride
    b = images.shape[0]
    images = images.flip(-1)  # (B, 3, S, S)
    cls_t = cls_t.view(b, grid, grid).flip(-1).reshape(b, -1)  # (B, P)
    ltrb_t = ltrb_t.view(b, grid, grid, 4).flip(2)[..., [2, 1, 0, 3]].reshape(b, -1, 4)  # left <-> right
    return images, cls_t, ltrb_t


@dataclass(frozen=True)
class RawDetections:
    boxes: Tensor  # (P, 4) float32 (x1, y1, x2, y2) pixels, one per grid cell, before any NMS
    scores: Tensor  # (P,) best class probability x predicted centredness, in [0, 1]
    labels: Tensor  # (P,) int64 index into SHAPES of the best class


@torch.no_grad()
def raw_detections(model: ShapesDetector, images: Tensor) -> list[RawDetections]:
    """Every grid cell's box, score and class for each image of (B, 3, S, S): no thresholding, no NMS."""
    config = model.config
    cls_logits, box_out, ctr_logits = model(images)
    b, _, g, _ = cls_logits.shape
    centres = cell_centres(g, config.stride, images.device)  # (P, 2)
    ltrb = box_out.flatten(2).transpose(1, 2).clamp(max=8).exp() * config.stride  # (B, P, 4)
    boxes = torch.cat([centres - ltrb[..., :2], centres + ltrb[..., 2:]], dim=-1)  # (B, P, 4)
    boxes = boxes.clamp(0, config.image_size)
    probs = cls_logits.flatten(2).transpose(1, 2).sigmoid()  # (B, P, C)
    ctr = ctr_logits.flatten(2).transpose(1, 2).sigmoid()  # (B, P, 1)
    best, labels = probs.max(dim=-1)  # (B, P)
    scores = best * ctr[..., 0]  # centredness ranks a cell near an object's centre above one near its edge
    return [RawDetections(boxes[i], scores[i], labels[i]) for i in range(b)]


def save(model: ShapesDetector, path: Path, meta: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().half() if v.is_floating_point() else v.cpu() for k, v in model.state_dict().items()}
    torch.save({"config": asdict(model.config), "state_dict": state, "meta": meta}, path)


def load(path: Path = CHECKPOINT, device: torch.device = CPU) -> ShapesDetector:
    """The detector saved at ``path``; a clear error if the file is missing or not a detector checkpoint."""
    if not path.exists():
        raise FileNotFoundError(f"no detector checkpoint at {path}; make one with: python -m demos.nms train")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError) as exc:
        raise ValueError(f"{path} could not be read ({exc}); remake it with: python -m demos.nms train") from exc
    if not isinstance(blob, dict) or "state_dict" not in blob or "config" not in blob:
        raise ValueError(f"{path} is not a shapes-detector checkpoint; remake it with: python -m demos.nms train")
    model = ShapesDetector(DetectorConfig(**blob["config"]))
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in blob["state_dict"].items()})
    return model.to(device).eval()
