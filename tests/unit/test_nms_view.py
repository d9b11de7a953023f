"""The NMS lab's figures: every box set is one path shape (not one SVG element per box), the figure states per
threshold, a greedy step, the IoU profile and the held-out AP bars."""

from __future__ import annotations

import re

import numpy as np
import torch

from demos.nms.evaluate import greedy_trace
from ui.nms_view import (
    LEGEND_PX,
    MAX_MARKERS,
    TITLE_PX,
    ap_bar_figure,
    box_layer,
    box_path,
    iou_bar_figure,
    kept_layers,
    run_views,
    step_layers,
    view_figure,
)


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


def _run(iou: float, kept: int, suppressed: int, ap: float | None) -> dict[str, object]:
    boxes = [[10.0 * i, 0.0, 10.0 * i + 8, 8.0] for i in range(kept)]
    return {
        "iou": iou,
        "kept_boxes": boxes,
        "kept_scores": [0.9 - 0.01 * i for i in range(kept)],
        "kept_labels": [i % 2 for i in range(kept)],
        "suppressed_boxes": [[1.0, 1.0, 9.0, 9.0]] * suppressed,
        "candidates": kept + suppressed,
        "precision": None if ap is None else 0.75,
        "recall": None if ap is None else 0.5,
        "ap": ap,
    }


def test_run_views_title_the_counts_and_add_metrics_only_where_there_is_a_truth() -> None:
    truth = np.array([[0.0, 0.0, 8.0, 8.0]])
    scene, photo = (
        run_views([_run(0.5, 3, 4, 0.6)], ["circle", "square"], truth),
        run_views([_run(0.3, 2, 5, None)], ["face"], None),
    )
    assert scene[0].meta == {"iou": 0.5, "kept": 3, "suppressed": 4, "precision": 0.75, "recall": 0.5, "ap": 0.6}
    assert scene[0].title.startswith("<b>3</b> kept · 4 suppressed · precision 0.75")
    assert [layer["name"] for layer in scene[0].layers if layer["showlegend"]] == [
        "suppressed (4)",
        "ground truth",
        "kept: circle",
        "kept: square",
    ]
    assert photo[0].meta == {"iou": 0.3, "kept": 2, "suppressed": 5} and "AP" not in photo[0].title
    hidden = run_views([_run(0.5, 3, 4, 0.6)], ["circle", "square"], truth, show_suppressed=False, show_truth=False)
    assert not any(str(layer["name"]).startswith(("suppressed", "ground")) for layer in hidden[0].layers)


def test_the_page_figure_shows_one_view_with_its_title_and_no_slider_of_its_own() -> None:
    view = run_views([_run(0.4, 2, 1, 0.9)], ["circle", "square"], None)[0]
    fig = view_figure("data:image/png;base64,", 128, 64, view, display_width=400)
    assert fig.layout.title.text == view.title and fig.layout.meta == view.meta
    assert not fig.layout.sliders  # the IoU threshold is a widget shared with the step-through
    assert fig.layout.height == 200 + TITLE_PX + LEGEND_PX  # the image keeps its aspect ratio


def test_a_step_draws_kept_removed_and_spared_boxes_from_the_right_positions() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60], [51, 50, 61, 60], [90, 90, 95, 95]], float)
    candidates = np.array([0, 1, 2, 3])  # box 4 scored under the threshold
    scores = torch.tensor([0.9, 0.8, 0.7, 0.6])
    steps = greedy_trace(torch.from_numpy(boxes[candidates]), scores, 0.5)
    assert [s.picked for s in steps] == [0, 2]
    layers, counts = step_layers(boxes, candidates, steps, 2)
    assert counts == {"in_play": 0, "removed": 1, "kept_before": 1}
    paths = {str(layer["name"]).split(" (")[0]: rectangles(str(layer["path"])) for layer in layers if layer["visible"]}
    assert paths == {
        "removed at this step": [(51, 50, 61, 60)],
        "kept earlier": [(0, 0, 10, 10)],
        "picked now": [(50, 50, 60, 60)],
    }


def test_ap_bars_keep_the_order_and_values_they_are_given() -> None:
    fig = ap_bar_figure({"greedy": 0.97, "none": 0.48}, {"greedy": "Greedy NMS", "none": "No NMS"})
    assert list(fig.data[0].y) == ["Greedy NMS", "No NMS"] and list(fig.data[0].x) == [0.97, 0.48]
    assert list(fig.data[0].text) == ["0.970", "0.480"]
