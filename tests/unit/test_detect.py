"""Detector families: window and anchor counts, box encoding, SSD matching, size-split AP on hand-made cases,
the shipped detectors on a few held-out scenes, and a tiny training run."""

from __future__ import annotations

import pytest
import torch

from demos.detect.anchors import LEVELS, all_anchors, anchors_per_image, decode, encode, match
from demos.detect.data import TEST_SEED, Truth, scenes, truth
from demos.detect.evaluate import METHODS, candidates, size_ap, suppress
from demos.detect.models import KINDS, AnchorDetector, GridDetector, build
from demos.detect.train import TrainConfig, load, train
from demos.detect.windows import all_windows, window_boxes
from demos.nms.evaluate import Detections
from demos.nms.ops import box_iou


def test_window_counts_by_hand() -> None:
    assert len(window_boxes(64, 10)) == 28 * 28  # (64 - 10) // 2 + 1 = 28 positions a side
    boxes = window_boxes(8, 4, stride=2)
    assert boxes[0].tolist() == [0, 0, 4, 4] and boxes[-1].tolist() == [4, 4, 8, 8] and len(boxes) == 9
    windows, per = all_windows(64)
    assert per == {10: 784, 14: 676, 20: 529, 26: 400} and len(windows) == 2389
    with pytest.raises(ValueError, match="window size"):
        window_boxes(64, 65)


def test_anchor_layout_and_encoding_round_trip() -> None:
    anchors = all_anchors(64)
    assert len(anchors) == anchors_per_image(64) == 16 * 16 * 2 + 8 * 8 * 2
    first = anchors[0]  # stride-4 map, first cell centre (2, 2), smallest size 9
    assert first.tolist() == pytest.approx([2 - 4.5, 2 - 4.5, 2 + 4.5, 2 + 4.5])
    g = torch.Generator().manual_seed(1)
    xy = torch.rand(50, 2, generator=g) * 40
    boxes = torch.cat([xy, xy + 4 + torch.rand(50, 2, generator=g) * 20], dim=1)
    some = anchors[torch.randint(len(anchors), (50,), generator=g)]
    assert torch.allclose(decode(encode(boxes, some), some), boxes, atol=1e-4)


def test_match_gives_every_box_an_anchor_and_ignores_the_middle() -> None:
    anchors = torch.tensor([[0.0, 0, 10, 10], [0, 0, 10, 12], [0, 0, 10, 20], [30, 30, 40, 40]])
    boxes = torch.tensor([[0.0, 0, 10, 10], [38, 38, 48, 48]])
    cls, matched = match(anchors, boxes, torch.tensor([2, 1]))
    # box 0: IoU 1.0, 10/12 and 0.5 (all positive); box 1 overlaps anchor 3 by IoU 0.02 only: forced onto it
    assert cls.tolist() == [3, 3, 3, 2]
    assert matched[3].tolist() == [38, 38, 48, 48]
    cls2, _ = match(anchors[:3], boxes[:1], torch.tensor([0]), positive=0.9, negative=0.4)
    assert cls2.tolist() == [1, -1, -1]  # IoU 0.83 and 0.5 sit between the thresholds: ignored


def _truth(boxes: list[list[float]], labels: list[int], small: list[bool]) -> Truth:
    return Truth(torch.tensor(boxes), torch.tensor(labels), torch.tensor(small))


def test_size_ap_scores_each_size_apart() -> None:
    t = _truth([[0, 0, 10, 10], [20, 20, 45, 45]], [0, 0], [True, False])
    only_large = Detections(torch.tensor([[20.0, 20, 45, 45]]), torch.tensor([0.9]), torch.tensor([0]))
    assert size_ap([only_large], [t], "large") == pytest.approx(1.0)
    assert size_ap([only_large], [t], "small") == pytest.approx(0.0)
    assert size_ap([only_large], [t]) == pytest.approx(0.5)  # one of the two objects, at precision 1
    # a wrong small detection ranked first costs the small AP nothing for large objects, and vice versa
    both = Detections(
        torch.tensor([[50.0, 50, 56, 56], [20, 20, 45, 45], [0, 0, 10, 10]]),
        torch.tensor([0.95, 0.9, 0.8]),
        torch.tensor([0, 0, 0]),
    )
    assert size_ap([both], [t], "large") == pytest.approx(1.0)
    assert size_ap([both], [t], "small") == pytest.approx(0.5)  # the false small box ranks above the true one
    with pytest.raises(ValueError, match="size"):
        size_ap([both], [t], "medium")


@pytest.mark.parametrize("kind", KINDS)
def test_fresh_detectors_give_candidates_of_consistent_shape(kind: str) -> None:
    model = build(kind).eval()
    images = torch.rand(2, 3, 64, 64)
    if kind == "windows":
        out = model(torch.rand(5, 3, 16, 16))
        assert out.shape[0] == 5
        return
    assert isinstance(model, GridDetector | AnchorDetector)
    with torch.no_grad():
        cands = model.candidates(images)
    assert len(cands) == 2
    for c in cands:
        n = len(c.scores)
        assert c.boxes.shape == (n, 4) and c.labels.shape == (n,)
        assert ((c.scores >= 0) & (c.scores <= 1)).all()


@pytest.fixture(scope="module")
def held_out() -> tuple[torch.Tensor, list[Truth]]:
    data = scenes(6, TEST_SEED)
    return torch.stack([s.image for s in data]), [truth(s) for s in data]


@pytest.mark.parametrize("method", [m for m in METHODS if m != "windows"])
def test_shipped_detectors_find_the_held_out_shapes(method: str, held_out: tuple[torch.Tensor, list[Truth]]) -> None:
    images, truths = held_out
    model = load("windows" if method == "proposals" else method)
    with torch.no_grad():
        dets = [suppress(c) for c in candidates(method, model, images)]
    assert size_ap(dets, truths) > 0.5
    for d, t in zip(dets, truths, strict=True):  # every true box has a detection of its class at IoU 0.5 mostly
        assert len(d.scores) > 0 and bool((d.scores[:-1] >= d.scores[1:]).all())
        assert box_iou(d.boxes, t.boxes).max() > 0.5


def test_a_tiny_training_lowers_the_loss_and_repeats_exactly() -> None:
    data = scenes(8, 11)
    config = TrainConfig(scenes=8, epochs=3, batch_size=4)
    a, b = train("fpn", config, data=data), train("fpn", config, data=data)
    assert a.losses[-1] < a.losses[0] and a.losses == b.losses
    assert isinstance(a.model, AnchorDetector) and a.model.levels == LEVELS
