"""The NMS page's figures: every box set is one path shape (not one SVG element per box), and the IoU profile."""

from __future__ import annotations

import re

import numpy as np

from ui.nms_view import MAX_MARKERS, box_layer, box_path, iou_bar_figure, kept_layers


def rectangles(path: str) -> list[tuple[float, float, float, float]]:
    found = re.findall(r"M([-\d.e]+),([-\d.e]+)H([-\d.e]+)V([-\d.e]+)H([-\d.e]+)Z", path)
    out = []
    for x1, y1, x2, y2, x1_again in found:
        assert x1 == x1_again  # the outline closes where it started
        out.append((float(x1), float(y1), float(x2), float(y2)))
    return out


def test_a_box_path_holds_every_box_as_one_closed_rectangle() -> None:
    boxes = np.array([[0, 0, 10, 5], [2.25, 3.5, 40, 41.04], [100, 7, 128, 9]], dtype=np.float32)
    path = box_path(boxes)
    assert path.count("M") == 3 and path.count("Z") == 3
    got = np.array(rectangles(path))
    np.testing.assert_allclose(got, boxes, atol=0.051)  # rounded to a tenth of a pixel


def test_a_thousand_boxes_make_one_shape_with_a_legend_entry() -> None:
    rng = np.random.default_rng(0)
    xy = rng.random((1000, 2)) * 100
    layer = box_layer(np.concatenate([xy, xy + 5], axis=1), "suppressed (1000)", "red", 1)
    assert layer["type"] == "path" and layer["name"] == "suppressed (1000)" and layer["showlegend"]
    assert len(rectangles(str(layer["path"]))) == 1000
    assert layer["visible"]


def test_an_empty_box_set_is_a_hidden_but_valid_shape() -> None:
    layer = box_layer(np.zeros((0, 4)), "kept earlier (0)", "blue", 2)
    assert layer["visible"] is False
    assert layer["path"]  # plotly rejects an empty path string


def test_the_iou_profile_puts_removed_boxes_first_and_counts_them() -> None:
    ious = np.array([0.2, 0.9, 0.6, 0.1, 0.7])
    fig = iou_bar_figure(ious, ious > 0.5, 0.5)
    removed, kept = fig.data
    assert removed.name == "removed (3)" and kept.name == "still in play (2)"
    assert list(removed.y[:3]) == [0.9, 0.7, 0.6]  # highest IoU first
    assert list(kept.y[:2]) == [0.2, 0.1]
    assert removed.x[0] == 0.5 and kept.x[0] == 3.5  # the columns follow on from each other


def test_the_iou_profile_of_a_step_that_removes_nothing_has_one_trace() -> None:
    fig = iou_bar_figure(np.array([0.3, 0.1]), np.array([False, False]), 0.5)
    assert [t.name for t in fig.data] == ["still in play (2)"]


def test_only_the_best_kept_boxes_get_hover_markers_but_every_box_is_drawn() -> None:
    rng = np.random.default_rng(1)
    xy = rng.random((300, 2)) * 100
    boxes = np.concatenate([xy, xy + 8], axis=1)
    scores = rng.random(300)
    labels = rng.integers(0, 2, 300)
    layers, markers = kept_layers(boxes, scores, labels, ["circle", "square"])
    drawn = sum(len(rectangles(str(layer["path"]))) for layer in layers if layer["showlegend"])
    assert drawn == 300
    assert len(markers["x"]) == MAX_MARKERS
    best = sorted(scores, reverse=True)[MAX_MARKERS - 1]
    assert all(float(t.split("score ")[1]) >= round(best, 2) for t in markers["text"])
