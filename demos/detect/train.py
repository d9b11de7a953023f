"""Seeded training of the detectors, and their checkpoints.

Losses: the window classifier -- cross-entropy on crops of jittered true boxes (their shape) and of windows
that miss every object (background); the grid detector -- YOLO's: objectness for the box predictor responsible
for each object (the one whose size prior is nearest, in the cell holding the object's centre), box offsets for
it, one class per cell; the anchor detectors -- SSD's: cross-entropy with 3:1 hard-negative mining and smooth L1
on the positive anchors' offsets. Randomness comes from a private generator; models are built under
:func:`demos.common.seeded`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from demos.common import generator, read_half, save_half, seeded
from demos.detect.anchors import all_anchors, encode, match
from demos.detect.data import TRAIN_SEED, scenes, truth
from demos.detect.models import KINDS, AnchorDetector, DetectConfig, GridDetector, WindowClassifier, build
from demos.detect.windows import crops
from demos.nms.ops import box_iou
from demos.scenes import Rendered

CPU = torch.device("cpu")
CHECKPOINTS = Path(__file__).resolve().parent / "checkpoints"
DEFAULT_EPOCHS: dict[str, int] = {"windows": 6}  # crops are many per scene, so fewer passes suffice


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 0  # weights, batch order, flips, sampled windows
    scenes: int = 800  # training scenes, rendered once
    epochs: int = 12
    batch_size: int = 16  # images per step (the window classifier: 16 images' crops)
    lr: float = 4e-3  # AdamW peak, one-cycle schedule
    weight_decay: float = 1e-4


@dataclass
class TrainResult:
    model: nn.Module
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0


# ------------------------------------------------------------------------------------------------ targets


def grid_targets(model: GridDetector, scene: Rendered) -> tuple[Tensor, Tensor, Tensor, int]:
    """YOLO targets of one scene: class per cell (G, G) with -1 for no object, responsible-predictor mask
    (G, G, B'), target boxes (G, G, B', 4), and how many objects lost their predictor to another object."""
    g = model.config.image_size // model.stride
    priors = torch.tensor(model.config.grid_priors)
    cls = torch.full((g, g), -1, dtype=torch.long)
    resp = torch.zeros(g, g, len(priors), dtype=torch.bool)
    boxes = torch.zeros(g, g, len(priors), 4)
    t = truth(scene)
    area = (t.boxes[:, 2] - t.boxes[:, 0]) * (t.boxes[:, 3] - t.boxes[:, 1])
    lost = 0
    for k in area.argsort(descending=True).tolist():  # larger objects claim their cell's class first
        b = t.boxes[k]
        cx, cy = float(b[0] + b[2]) / 2, float(b[1] + b[3]) / 2
        col, row = min(int(cx // model.stride), g - 1), min(int(cy // model.stride), g - 1)
        side = float(((b[2] - b[0]) * (b[3] - b[1])).sqrt())
        j = int((priors.log() - torch.tensor(side).log()).abs().argmin())
        if resp[row, col, j]:
            lost += 1
            continue
        resp[row, col, j] = True
        boxes[row, col, j] = b
        if cls[row, col] < 0:
            cls[row, col] = t.labels[k]
    return cls, resp, boxes, lost


def grid_loss(model: GridDetector, images: Tensor, targets: tuple[Tensor, Tensor, Tensor]) -> Tensor:
    cls_t, resp, boxes_t = targets  # (B, G, G), (B, G, G, B'), (B, G, G, B', 4)
    cls, obj, t = model.split(model(images))
    loss_obj = F.binary_cross_entropy_with_logits(obj, resp.float(), reduction="none")
    loss_obj = (loss_obj * torch.where(resp, 1.0, 0.5)).sum()  # YOLO's lambda_noobj = 0.5
    n = max(int(resp.sum()), 1)
    has = cls_t >= 0
    loss_cls = F.cross_entropy(cls[has], cls_t[has], reduction="sum") if has.any() else cls.sum() * 0
    pred = model.boxes_from(t)[resp]  # (M, 4)
    target = boxes_t[resp]
    if len(target):
        pc, tc = (pred[:, :2] + pred[:, 2:]) / 2, (target[:, :2] + target[:, 2:]) / 2
        pw, tw = (pred[:, 2:] - pred[:, :2]).clamp(min=1e-3), (target[:, 2:] - target[:, :2]).clamp(min=1e-3)
        loss_box = 5.0 * (F.smooth_l1_loss((pc - tc) / 8, torch.zeros_like(pc), reduction="sum"))
        loss_box = loss_box + 5.0 * F.smooth_l1_loss(pw.log(), tw.log(), reduction="sum")  # YOLO's lambda_coord
    else:
        loss_box = pred.sum() * 0
    return (loss_obj + loss_cls + loss_box) / n


def anchor_loss(model: AnchorDetector, images: Tensor, targets: tuple[Tensor, Tensor]) -> Tensor:
    cls_t, boxes_t = targets  # (B, P), (B, P, 4)
    logits, deltas = model(images)  # (B, P, 1 + C), (B, P, 4)
    anchors = all_anchors(model.config.image_size, model.levels, images.device)
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), cls_t.clamp(min=0).reshape(-1), reduction="none")
    ce = ce.view(cls_t.shape)  # (B, P)
    pos, neg = cls_t > 0, cls_t == 0
    n_pos = pos.sum(1, keepdim=True)  # (B, 1)
    hardness = torch.where(neg, ce.detach(), torch.full_like(ce, -1.0))
    rank = hardness.argsort(1, descending=True).argsort(1)  # (B, P) rank of each negative by its loss
    hard = neg & (rank < (3 * n_pos).clamp(min=8))  # SSD: at most three negatives per positive
    loss_cls = ce[pos | hard].sum()
    if pos.any():
        target = encode(boxes_t[pos], anchors.expand(len(images), -1, -1)[pos])
        loss_box = F.smooth_l1_loss(deltas[pos], target, reduction="sum")
    else:
        loss_box = deltas.sum() * 0
    return (loss_cls + loss_box) / max(int(pos.sum()), 1)


def window_samples(
    scene: Rendered, g: torch.Generator, per_object: int = 4, background: int = 16
) -> tuple[Tensor, Tensor]:
    """Training windows of one scene: (N, 4) boxes and (N,) labels (0 background, 1 + shape). Positives are true
    boxes with each side moved by up to 12% of the size (IoU with the truth stays about 0.6 or more);
    background windows are random squares of 8-30 px overlapping every object by IoU < 0.3."""
    t = truth(scene)
    s = scene.image.shape[-1]
    boxes, labels = [], []
    if len(t.boxes):
        rep = t.boxes.repeat_interleave(per_object, 0)  # (K*n, 4)
        wh = (rep[:, 2:] - rep[:, :2]).repeat(1, 2)
        boxes.append(rep + (torch.rand(rep.shape, generator=g) * 2 - 1) * 0.12 * wh)
        labels.append(t.labels.repeat_interleave(per_object) + 1)
    side = 8 + torch.rand(background * 3, generator=g) * 22  # (M,)
    x1 = torch.rand(background * 3, generator=g) * (s - side)
    y1 = torch.rand(background * 3, generator=g) * (s - side)
    cand = torch.stack([x1, y1, x1 + side, y1 + side], dim=1)
    if len(t.boxes):
        cand = cand[box_iou(cand, t.boxes).max(1).values < 0.3]
    boxes.append(cand[:background])
    labels.append(torch.zeros(len(cand[:background]), dtype=torch.long))
    return torch.cat(boxes), torch.cat(labels)


# ------------------------------------------------------------------------------------------------ training


def train(
    kind: str,
    train_config: TrainConfig = TrainConfig(),
    config: DetectConfig | None = None,
    device: torch.device = CPU,
    data: list[Rendered] | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Train a detector of ``kind`` from scratch on ``data`` (default: ``train_config.scenes`` training scenes)."""
    if kind not in KINDS:
        raise ValueError(f"unknown model {kind!r}; choose one of {', '.join(KINDS)}")
    t0 = time.perf_counter()
    config = config or DetectConfig()
    data = data if data is not None else scenes(train_config.scenes, TRAIN_SEED)
    with seeded(train_config.seed):
        model = build(kind, config)
    model = model.to(device)
    images = torch.stack([s.image for s in data]).to(device)  # (N, 3, S, S)
    g = generator(train_config.seed)
    targets: Any
    if isinstance(model, GridDetector):
        made = [grid_targets(model, s)[:3] for s in data]
        targets = tuple(torch.stack([m[i] for m in made]).to(device) for i in range(3))
    elif isinstance(model, AnchorDetector):
        anchors = all_anchors(config.image_size, model.levels)
        made2 = [match(anchors, truth(s).boxes, truth(s).labels) for s in data]
        targets = (torch.stack([m[0] for m in made2]).to(device), torch.stack([m[1] for m in made2]).to(device))
    n, bs = len(data), train_config.batch_size
    steps = train_config.epochs * ((n + bs - 1) // bs)
    opt = torch.optim.AdamW(model.parameters(), lr=train_config.lr, weight_decay=train_config.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=train_config.lr, total_steps=steps, pct_start=0.2)
    result = TrainResult(model=model)
    for epoch in range(train_config.epochs):
        model.train()
        order = torch.randperm(n, generator=g)
        total = 0.0
        for start in range(0, n, bs):
            idx = order[start : start + bs]
            if isinstance(model, WindowClassifier):
                samples = [window_samples(data[i], g) for i in idx.tolist()]
                pairs = zip(idx.tolist(), samples, strict=True)
                x = torch.cat([crops(images[i], b, config.window) for i, (b, _) in pairs])
                y = torch.cat([lab for _, lab in samples]).to(device)
                loss = F.cross_entropy(model(x), y)
            elif isinstance(model, GridDetector):
                on = idx.to(device)
                loss = grid_loss(model, images[on], (targets[0][on], targets[1][on], targets[2][on]))
            else:
                assert isinstance(model, AnchorDetector)
                on = idx.to(device)
                loss = anchor_loss(model, images[on], (targets[0][on], targets[1][on]))
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


def checkpoint_path(kind: str, folder: Path = CHECKPOINTS) -> Path:
    return folder / f"{kind}.pt"


def save(model: nn.Module, kind: str, path: Path, meta: dict[str, Any]) -> None:
    config: DetectConfig = model.config  # type: ignore[assignment]
    save_half(path, kind, model, meta, config=asdict(config))


def load(kind: str, device: torch.device = CPU, folder: Path = CHECKPOINTS) -> nn.Module:
    """The shipped detector of ``kind``; a clear error naming the command that makes it if it is missing."""
    path = checkpoint_path(kind, folder)
    remake = f"python -m demos.detect train --model {kind} --threads 1"
    blob = read_half(path, kind, remake)
    raw = dict(blob["config"])
    raw["widths"], raw["grid_priors"] = tuple(raw["widths"]), tuple(raw["grid_priors"])
    with seeded(0):
        model = build(kind, DetectConfig(**raw))
    model.load_state_dict(blob["state_dict"])
    return model.to(device).eval()
