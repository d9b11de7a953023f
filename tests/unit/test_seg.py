"""Segmentation: metrics against scikit-learn and hand-computed cases, boundary recall, model shapes, a tiny
training run, superpixel pooling and the instance machinery (paste inverts crop, mask AP)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import confusion_matrix, jaccard_score

from demos.common import generator
from demos.seg.data import NUM_CLASSES, seg_set
from demos.seg.instance import Instances, box_masks, connected_components, crop, mask_ap, mask_iou, paste
from demos.seg.metrics import (
    boundary_precision,
    boundary_recall,
    class_iou,
    confusion,
    edges,
    mean_iou,
    pixel_accuracy,
)
from demos.seg.models import KINDS, build
from demos.seg.superpixels import pool
from demos.seg.train import TrainConfig, train


def test_metrics_on_a_hand_computed_background_heavy_case() -> None:
    truth = torch.zeros(10, 10, dtype=torch.long)
    truth[2:4, 2:4] = 1  # 4 pixels of class 1 in 100
    pred = torch.zeros(10, 10, dtype=torch.long)  # a model that says "background" everywhere
    conf = confusion(pred, truth, 2)
    assert conf.tolist() == [[96, 0], [4, 0]]
    assert pixel_accuracy(conf) == pytest.approx(0.96)
    assert class_iou(conf).tolist() == pytest.approx([0.96, 0.0])
    assert mean_iou(conf) == pytest.approx(0.48)  # pixel accuracy flatters it by 0.48


def test_a_class_absent_from_truth_and_prediction_is_left_out_of_the_mean() -> None:
    conf = confusion(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0]), 3)
    iou = class_iou(conf)
    assert iou[:2].tolist() == pytest.approx([0.5, 0.5]) and bool(iou[2].isnan())
    assert mean_iou(conf) == pytest.approx(0.5)


def test_confusion_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="shape"):
        confusion(torch.zeros(3, dtype=torch.long), torch.zeros(4, dtype=torch.long), 2)
    with pytest.raises(ValueError, match="outside"):
        confusion(torch.tensor([0, 2]), torch.tensor([0, 1]), 2)


@pytest.mark.filterwarnings("ignore:A single label was found")
@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 60), st.integers(0, 10_000))
def test_confusion_and_iou_agree_with_scikit_learn(classes: int, n: int, seed: int) -> None:
    g = generator(seed)
    truth, pred = torch.randint(classes, (n,), generator=g), torch.randint(classes, (n,), generator=g)
    conf = confusion(pred, truth, classes)
    labels = list(range(classes))
    assert np.array_equal(conf.numpy(), confusion_matrix(truth.numpy(), pred.numpy(), labels=labels))
    present = sorted(set(truth.tolist()) | set(pred.tolist()))
    theirs = jaccard_score(truth.numpy(), pred.numpy(), labels=present, average=None, zero_division=0.0)
    assert class_iou(conf)[present].numpy() == pytest.approx(theirs)
    assert mean_iou(conf) == pytest.approx(float(np.mean(theirs)))


def test_boundary_recall_and_precision_by_hand() -> None:
    truth = np.zeros((8, 8), dtype=int)
    truth[:, 4:] = 1  # one vertical edge: column 3 is the edge line (8 pixels)
    assert edges(truth).sum() == 8 and edges(truth)[:, 3].all()
    assert boundary_recall(truth, truth) == 1.0
    shifted = np.zeros((8, 8), dtype=int)
    shifted[:, 6:] = 1  # the segments' edge 2 px away
    assert boundary_recall(shifted, truth, tolerance=1) == 0.0
    assert boundary_recall(shifted, truth, tolerance=2) == 1.0
    one_region = np.zeros((8, 8), dtype=int)
    assert boundary_recall(one_region, truth) == 0.0 and boundary_precision(one_region, truth) == 1.0
    grid = np.arange(64).reshape(8, 8)  # every pixel its own segment: all true edges found, most drawn edges wrong
    assert boundary_recall(grid, truth) == 1.0 and boundary_precision(grid, truth) < 0.5
    with pytest.raises(ValueError, match="shape"):
        boundary_recall(grid[:4], truth)


@pytest.mark.parametrize("kind", KINDS)
def test_every_model_labels_every_pixel(kind: str) -> None:
    model = build(kind).eval()
    with torch.no_grad():
        out = model(torch.rand(2, 3, 32, 32))
    assert out.shape == (2, NUM_CLASSES, 32, 32)


def test_a_tiny_fcn_training_lowers_its_loss_and_repeats_exactly() -> None:
    data = seg_set(8, seed=3)
    config = TrainConfig(scenes=8, epochs=3, batch_size=4)
    a, b = train("fcn-skips", config, data=data), train("fcn-skips", config, data=data)
    assert a.losses[-1] < a.losses[0]
    assert a.losses == b.losses


def test_pool_gives_each_superpixel_its_mean() -> None:
    segments = np.array([[0, 0, 1], [0, 1, 1]])
    probs = np.stack([np.array([[1.0, 0.0, 0.0], [0.5, 1.0, 0.5]]), np.ones((2, 3))])  # (2, 2, 3)
    out = pool(probs, segments)
    assert np.allclose(out[0], 0.5)  # both regions average to 0.5
    assert np.allclose(out[1], 1.0)


def test_paste_puts_a_crop_back_where_it_came_from() -> None:
    image = torch.zeros(1, 1, 32, 32)
    image[0, 0, 8:20, 10:18] = 1.0  # a rectangle
    box = torch.tensor([[6.0, 4.0, 22.0, 24.0]])  # around it, with a margin
    crops = crop(image, box, torch.zeros(1, dtype=torch.long), 16)[:, 0]  # (1, 16, 16)
    back = paste(crops, box, 32) > 0.5
    assert mask_iou(back, image[:, 0].bool()).item() > 0.9
    assert not back[0, :, :6].any() and not back[0, :3].any()  # nothing outside the box


def test_connected_components_split_apart_regions_but_not_touching_ones() -> None:
    sem = torch.zeros(8, 8, dtype=torch.long)
    sem[1:3, 1:3] = 1
    sem[5:7, 5:7] = 1  # a second, separate region of class 1
    sem[1:3, 5:7] = 2
    sem[3:4, 5:7] = 2  # touches the class-2 region: still one
    inst = connected_components(sem)
    assert sorted(inst.labels.tolist()) == [0, 0, 1]
    assert sorted(inst.masks.sum((1, 2)).tolist()) == [4, 4, 6]


def test_mask_ap_is_one_for_exact_masks_and_half_for_merged_ones() -> None:
    gt = torch.zeros(2, 8, 8, dtype=torch.bool)
    gt[0, :, :3], gt[1, :, 3:6] = True, True  # two touching objects of class 0
    labels = torch.zeros(2, dtype=torch.long)
    exact = Instances(gt.clone(), torch.tensor([0.9, 0.8]), labels, torch.zeros(2, 4))
    assert mask_ap([exact], [(gt, labels)]) == pytest.approx(1.0)
    merged = Instances(gt.any(0, keepdim=True), torch.tensor([0.9]), labels[:1], torch.zeros(1, 4))
    assert mask_iou(merged.masks, gt).tolist()[0] == pytest.approx([24 / 48, 24 / 48])
    assert mask_ap([merged], [(gt, labels)]) == pytest.approx(0.5)  # one of two found, at precision 1


def test_box_masks_cover_pixel_centres_inside() -> None:
    m = box_masks(torch.tensor([[1.0, 2.0, 4.0, 3.0]]), 6)[0]
    assert m.sum() == 3 and m[2, 1:4].all()
