"""Computed questions on boxes and masks: IoU, what non-max suppression keeps, segmentation scores.

IoU and NMS come from :mod:`demos.nms` (the NMS lab's own operations); mask scores from torch on the masks.
"""

from __future__ import annotations

import random
import string

from demos.questions.core import BoxesFigure, Instance, LettersAnswer, NumberAnswer, Template

Box = tuple[float, float, float, float]
CANVAS = (120.0, 90.0)  # width, height of the drawing, in pixels


def _box(rng: random.Random, w_range: tuple[int, int] = (20, 50), h_range: tuple[int, int] = (20, 45)) -> Box:
    w, h = rng.randrange(*w_range), rng.randrange(*h_range)
    x, y = rng.randrange(2, int(CANVAS[0]) - w - 2), rng.randrange(2, int(CANVAS[1]) - h - 2)
    return (float(x), float(y), float(x + w), float(y + h))


def _jitter(rng: random.Random, box: Box, amount: int) -> Box:
    x1, y1, x2, y2 = (v + rng.randrange(-amount, amount + 1) for v in box)
    x1, x2 = sorted((min(max(x1, 0.0), CANVAS[0] - 2), min(max(x2, 2.0), CANVAS[0])))
    y1, y2 = sorted((min(max(y1, 0.0), CANVAS[1] - 2), min(max(y2, 2.0), CANVAS[1])))
    return (x1, y1, max(x2, x1 + 4), max(y2, y1 + 4))


def iou(a: Box, b: Box) -> float:
    """IoU of two boxes, computed by :func:`demos.nms.box_iou`."""
    import torch

    from demos.nms import box_iou

    return float(box_iou(torch.tensor([a]), torch.tensor([b]))[0, 0])


def _iou(rng: random.Random) -> Instance:
    a = _box(rng)
    b = _jitter(rng, a, rng.choice([6, 10, 14]))
    value = iou(a, b)
    return Instance(
        prompt=f"Box A is {_fmt(a)} and box B is {_fmt(b)}, as (x1, y1, x2, y2). What is their IoU? (Two decimals.)",
        answer=NumberAnswer(round(value, 4), digits=2, tol=0.01),
        explanation=f"Intersection over union: the overlap's area divided by the area either box covers = {value:.3f}.",
        params=dict(a=a, b=b),
        computed_by="demos.nms.ops:box_iou",
        figure=BoxesFigure(*CANVAS, (a, b), ("A", "B"), caption="The two boxes, y downwards."),
    )


def _fmt(box: Box) -> str:
    return "(" + ", ".join(f"{v:g}" for v in box) + ")"


def _scene(rng: random.Random) -> tuple[list[Box], list[float], list[str]]:
    """Two objects, each with two or three overlapping detections; scores distinct; letters in random order."""
    boxes: list[Box] = []
    for _ in range(2):
        obj = _box(rng, (24, 44), (22, 40))
        boxes += [obj] + [_jitter(rng, obj, rng.choice([4, 8, 12])) for _ in range(rng.randrange(1, 3))]
    scores = [round(s, 2) for s in rng.sample([x / 100 for x in range(30, 99)], len(boxes))]
    letters = list(string.ascii_uppercase[: len(boxes)])
    order = list(range(len(boxes)))
    rng.shuffle(order)
    return [boxes[i] for i in order], [scores[i] for i in order], letters


def kept(boxes: list[Box], scores: list[float], threshold: float) -> list[int]:
    """Indices that greedy NMS keeps, by :func:`demos.nms.nms`."""
    import torch

    from demos.nms import nms

    return [int(i) for i in nms(torch.tensor(boxes), torch.tensor(scores), threshold)]


def _nms_count(rng: random.Random) -> Instance:
    boxes, scores, letters = _scene(rng)
    threshold = rng.choice([0.3, 0.5, 0.7])
    keep = kept(boxes, scores, threshold)
    return Instance(
        prompt=f"Greedy non-max suppression runs at an IoU threshold of {threshold} on the {len(boxes)} scored boxes "
        f"in the figure ({_listing(boxes, scores, letters)}). How many boxes does it keep?",
        answer=NumberAnswer(len(keep)),
        explanation=f"Take the best-scoring box, drop every box overlapping it by more than {threshold} IoU, repeat: "
        f"it keeps {', '.join(letters[i] for i in keep)}.",
        params=dict(boxes=boxes, scores=scores, letters=letters, threshold=threshold),
        computed_by="demos.nms.ops:nms",
        figure=BoxesFigure(*CANVAS, tuple(boxes), tuple(letters), tuple(scores), caption="Boxes with their scores."),
    )


def _nms_which(rng: random.Random) -> Instance:
    boxes, scores, letters = _scene(rng)
    threshold = rng.choice([0.3, 0.5])
    keep = kept(boxes, scores, threshold)
    return Instance(
        prompt=f"Which boxes does greedy non-max suppression keep at an IoU threshold of {threshold}? The boxes: "
        f"{_listing(boxes, scores, letters)}.",
        answer=LettersAnswer(frozenset(letters[i] for i in keep)),
        explanation=f"In score order it keeps {', '.join(letters[i] for i in keep)}; each other box overlaps a kept, "
        f"better box by more than {threshold} IoU.",
        params=dict(boxes=boxes, scores=scores, letters=letters, threshold=threshold),
        computed_by="demos.nms.ops:nms",
        figure=BoxesFigure(*CANVAS, tuple(boxes), tuple(letters), tuple(scores), caption="Boxes with their scores."),
    )


def _listing(boxes: list[Box], scores: list[float], letters: list[str]) -> str:
    return "; ".join(f"{n} {_fmt(b)} score {s:.2f}" for n, b, s in zip(letters, boxes, scores, strict=True))


def _masks(rng: random.Random) -> tuple[Box, Box]:
    truth = _box(rng, (20, 50), (20, 45))
    return truth, _jitter(rng, truth, rng.choice([5, 10, 15]))


def _mask_scores(truth: Box, pred: Box) -> tuple[float, float]:
    """(pixel accuracy, IoU of the object class) of a predicted rectangle mask against the true one, by torch on
    the pixel masks of the canvas."""
    import torch

    w, h = int(CANVAS[0]), int(CANVAS[1])
    ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")  # (H, W) each

    def mask(b: Box) -> torch.Tensor:
        return (xs >= b[0]) & (xs < b[2]) & (ys >= b[1]) & (ys < b[3])  # (H, W) bool

    t, p = mask(truth), mask(pred)
    accuracy = float((t == p).float().mean())
    iou_value = float((t & p).sum() / (t | p).sum())
    return accuracy, iou_value


def _seg_iou(rng: random.Random) -> Instance:
    truth, pred = _masks(rng)
    _, value = _mask_scores(truth, pred)
    return Instance(
        prompt=f"On a {CANVAS[0]:g} × {CANVAS[1]:g} image the object's true mask is the rectangle {_fmt(truth)} and "
        f"the predicted mask is {_fmt(pred)} (pixel x1 to x2 − 1, y1 to y2 − 1). What is the object class's IoU? "
        "(Two decimals.)",
        answer=NumberAnswer(round(value, 4), digits=2, tol=0.01),
        explanation=f"Pixels in both masks divided by pixels in either = {value:.3f}.",
        params=dict(truth=truth, pred=pred),
        computed_by="torch (boolean masks)",
        figure=BoxesFigure(*CANVAS, (truth, pred), ("truth", "prediction"), caption="True and predicted masks."),
    )


def _pixel_accuracy(rng: random.Random) -> Instance:
    truth, pred = _masks(rng)
    accuracy, value = _mask_scores(truth, pred)
    return Instance(
        prompt=f"On a {CANVAS[0]:g} × {CANVAS[1]:g} image (object or background) the object's true mask is "
        f"{_fmt(truth)} and the predicted one {_fmt(pred)} (pixel x1 to x2 − 1, y1 to y2 − 1). What share of "
        "pixels is labelled right? (Two decimals.)",
        answer=NumberAnswer(round(accuracy, 4), digits=2, tol=0.01),
        explanation=f"Pixel accuracy {accuracy:.3f}, while the object's IoU is only {value:.3f}: the background, "
        "mostly right, dominates the pixel count.",
        params=dict(truth=truth, pred=pred),
        computed_by="torch (boolean masks)",
        figure=BoxesFigure(*CANVAS, (truth, pred), ("truth", "prediction"), caption="True and predicted masks."),
    )


TEMPLATES: tuple[Template, ...] = (
    Template("box-iou", ("intersection-over-union",), "IoU of two boxes", _iou, lab="nms"),
    Template("nms-count", ("non-max-suppression",), "How many boxes NMS keeps", _nms_count, lab="nms"),
    Template("nms-which", ("non-max-suppression",), "Which boxes NMS keeps", _nms_which, lab="nms"),
    Template("mask-iou", ("segmentation-metrics",), "IoU of a predicted mask", _seg_iou),
    Template("pixel-accuracy", ("segmentation-metrics",), "Pixel accuracy of a predicted mask", _pixel_accuracy),
)
