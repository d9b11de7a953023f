"""Plotly figures of the NMS lab (its card panel and its page). Takes numpy arrays and the JSON-able runs of
``demos.nms.panel``; imports no torch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

# Kept boxes per class (circle, square, triangle, diamond), drawn over a white halo to stand out on any scene.
SHAPE_COLOURS = ("#0F172A", "#0891B2", "#C026D3", "#4D7C0F")
ONE_CLASS_COLOUR = "#22D3EE"
SUPPRESSED = "rgba(220, 38, 38, 0.55)"
RAW = "rgba(100, 116, 139, 0.45)"
TITLE_PX = 34  # the counts above the image
LEGEND_PX = 60  # the legend under the image (two rows at most)
SLIDER_PX = 150  # the legend plus the figure's own IoU slider and its labels


def box_path(boxes: np.ndarray) -> str:
    """(N, 4) boxes -> one SVG path of N closed rectangles ("M x1,y1 H x2 V y2 H x1 Z" each)."""
    b = np.round(np.asarray(boxes, dtype=np.float64).reshape(-1, 4), 1)
    return "".join(f"M{x1:g},{y1:g}H{x2:g}V{y2:g}H{x1:g}Z" for x1, y1, x2, y2 in b.tolist())


def box_layer(
    boxes: np.ndarray, name: str, colour: str, width: float, dash: str = "solid", legend: bool = True
) -> dict[str, object]:
    """Box outlines as a single plotly path shape with its own legend entry. One SVG element however many boxes
    there are: a scatter trace with NaN breaks makes one element per box, and the browser's redraw time grows
    with the element count (about 300 ms for 1,000 boxes in headless Chromium on two cores)."""
    return {
        "type": "path",
        "path": box_path(boxes) or "M0,0",
        "xref": "x",
        "yref": "y",
        "line": {"color": colour, "width": width, "dash": dash},
        "layer": "above",
        "name": name,
        "showlegend": legend,
        "visible": bool(len(boxes)),
    }


def image_figure(
    source: str,
    width: int,
    height: int,
    layers: list[dict[str, object]],
    traces: list[go.Scatter] | None = None,
    display_width: int = 560,
) -> go.Figure:
    """An image (PNG data URI, ``width`` x ``height`` pixels) in image coordinates with box layers (shapes
    from :func:`box_layer`, drawn in order) and traces on top."""
    fig = go.Figure(traces or [])
    fig.update_layout(shapes=layers)
    fig.add_layout_image(
        source=source, x=0, y=0, sizex=width, sizey=height, xref="x", yref="y", sizing="stretch", layer="below"
    )
    fig.update_xaxes(range=[0, width], visible=False, constrain="domain")
    fig.update_yaxes(range=[height, 0], visible=False, scaleanchor="x")
    fig.update_layout(
        height=round(display_width * height / width) + 40,
        margin={"l": 0, "r": 0, "t": 0, "b": 40},
        legend={"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0},
        plot_bgcolor="white",
        uirevision="keep",  # keep zoom while sliders move
    )
    return fig


MAX_MARKERS = 100  # hover markers are one SVG element each: only the best-scoring kept boxes get one


def kept_layers(
    boxes: np.ndarray, scores: np.ndarray, labels: np.ndarray, class_names: list[str] | None
) -> tuple[list[dict[str, object]], dict[str, list]]:
    """Kept boxes, one layer per class so the legend names classes (each over a white halo), plus hover markers
    at the top-left corners of the ``MAX_MARKERS`` best-scoring ones -> (layers, markers with x, y, text and
    colour lists)."""
    marked = np.zeros(len(scores), dtype=bool)
    marked[np.argsort(-scores, kind="stable")[:MAX_MARKERS]] = True
    layers: list[dict[str, object]] = []
    markers: dict[str, list] = {"x": [], "y": [], "text": [], "color": []}
    names = class_names or ["detection"]
    for c, name in enumerate(names):
        sel = labels == c
        if not sel.any():
            continue
        colour = SHAPE_COLOURS[c % len(SHAPE_COLOURS)] if len(names) > 1 else ONE_CLASS_COLOUR
        layers += [
            box_layer(boxes[sel], "", "rgba(255, 255, 255, 0.9)", 5, legend=False),
            box_layer(boxes[sel], f"kept: {name}", colour, 2.5),
        ]
        hover = sel & marked
        markers["x"] += np.round(boxes[hover, 0], 1).tolist()
        markers["y"] += np.round(boxes[hover, 1], 1).tolist()
        markers["text"] += [f"{name} · score {s:.2f}" for s in scores[hover]]
        markers["color"] += [colour] * int(hover.sum())
    return layers, markers


@dataclass(frozen=True)
class ThresholdView:
    """What the box figure shows at one IoU threshold."""

    iou: float
    layers: list[dict[str, object]]  # box shapes, drawn in order
    markers: dict[str, list]  # hover markers of the kept boxes (x, y, text, color)
    title: str  # the counts and metrics at this threshold, as the figure title
    meta: dict[str, object]  # the same figures as numbers, for tests and the benchmark


def _markers(view: ThresholdView) -> go.Scatter:
    """Hover markers at the top-left corners of the best-scoring kept boxes."""
    return go.Scatter(
        x=view.markers["x"],
        y=view.markers["y"],
        mode="markers",
        marker={"size": 7, "color": view.markers["color"], "symbol": "square"},
        text=view.markers["text"],
        hovertemplate="%{text}<extra></extra>",
        showlegend=False,
    )


def threshold_figure(
    source: str, width: int, height: int, views: list[ThresholdView], active: int, display_width: int = 560
) -> go.Figure:
    """The image with the boxes of ``views[active]`` and a plotly slider over all views. Moving that slider
    swaps the precomputed shapes, markers and title in the browser, with no round trip to the server."""
    view = views[active]
    fig = image_figure(source, width, height, view.layers, [_markers(view)], display_width=display_width)
    steps = [
        {
            "method": "update",
            "label": f"{v.iou:.2f}",
            "args": [
                {
                    "x": [v.markers["x"]],
                    "y": [v.markers["y"]],
                    "text": [v.markers["text"]],
                    "marker.color": [v.markers["color"]],
                },
                {"shapes": v.layers, "title.text": v.title, "meta": v.meta},
                [0],
            ],
        }
        for v in views
    ]
    fig.update_layout(
        title={"text": view.title, "x": 0, "xanchor": "left", "y": 0.995, "yanchor": "top", "font": {"size": 14}},
        meta=view.meta,
        margin={"l": 0, "r": 0, "t": TITLE_PX, "b": SLIDER_PX},
        height=round(display_width * height / width) + TITLE_PX + SLIDER_PX,
        legend={"orientation": "h", "y": -0.2, "yanchor": "top", "x": 0},
        sliders=[
            {
                "active": active,
                "steps": steps,
                "currentvalue": {"prefix": "IoU threshold ", "font": {"size": 13}},
                "pad": {"t": 8, "b": 0},
                "x": 0,
                "len": 1,
                "y": -0.01,
                "yanchor": "top",
                "ticklen": 3,
                "transition": {"duration": 0},  # the grip jumps to the step: no 150 ms slide to wait for
                "font": {"size": 10},
            }
        ],
    )
    return fig


def sweep_figure(
    thresholds: Sequence[float], series: Mapping[str, Sequence[float]], y_title: str, marker: float | None
) -> go.Figure:
    """One line per series against the NMS IoU threshold, with a dotted marker at the learner's threshold."""
    fig = go.Figure([go.Scatter(x=thresholds, y=ys, mode="lines+markers", name=name) for name, ys in series.items()])
    if marker is not None:
        fig.add_vline(x=marker, line_dash="dot", line_color="#64748B", annotation_text="your threshold")
    fig.update_layout(
        height=360,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title="NMS IoU threshold",
        yaxis_title=y_title,
        legend={"orientation": "h", "y": -0.22, "yanchor": "top", "x": 0},  # under the axis: never over a line
    )
    return fig


def iou_bar_figure(ious: np.ndarray, suppressed: np.ndarray, threshold: float) -> go.Figure:
    """IoU of the picked box with every box still in play at one greedy step, highest first, drawn as a filled
    step profile (one bar-like column per box; two SVG elements however many boxes there are)."""
    order = np.lexsort((-ious, ~suppressed))  # removed boxes first, each group by decreasing IoU
    ys, removed = ious[order], int(suppressed.sum())
    traces = []
    for lo, hi, colour, name in (
        (0, removed, SUPPRESSED, f"removed ({removed})"),
        (removed, len(ys), RAW, f"still in play ({len(ys) - removed})"),
    ):
        if hi == lo:
            continue
        traces.append(
            go.Scatter(
                x=np.arange(lo, hi + 1) + 0.5,  # left edge of each column, plus the right edge of the last
                y=np.append(ys[lo:hi], ys[hi - 1]),
                mode="lines",
                line={"shape": "hv", "color": colour, "width": 1},
                fill="tozeroy",
                fillcolor=colour,
                name=name,
                hovertemplate="IoU %{y:.2f}<extra></extra>",
            )
        )
    fig = go.Figure(traces)
    fig.add_hline(y=threshold, line_dash="dot", line_color="#DC2626", annotation_text=f"IoU threshold {threshold:.2f}")
    fig.update_layout(
        height=260,
        margin={"l": 10, "r": 10, "t": 20, "b": 10},
        xaxis={"title": "boxes still in play, by IoU with the picked box", "range": [0.5, max(len(ys), 1) + 0.5]},
        yaxis={"title": "IoU", "range": [0, 1.02]},
        legend={"orientation": "h", "y": 1.15},
    )
    return fig


def run_views(
    runs: Sequence[Mapping[str, Any]],
    classes: Sequence[str],
    truth: np.ndarray | None,
    show_suppressed: bool = True,
    show_truth: bool = True,
) -> list[ThresholdView]:
    """The box figure's states, one per IoU threshold, from ``demos.nms.panel.suppress_all``'s runs: suppressed
    boxes (if shown), the dotted truth (if there is one and it is shown), kept boxes per class, and a title with
    the counts (and precision, recall and AP@0.5 when there is a truth)."""
    views = []
    for run in runs:
        kept_boxes = np.asarray(run["kept_boxes"], dtype=np.float64).reshape(-1, 4)
        suppressed = np.asarray(run["suppressed_boxes"], dtype=np.float64).reshape(-1, 4)
        layers = []
        if show_suppressed and len(suppressed):
            layers.append(box_layer(suppressed, f"suppressed ({len(suppressed)})", SUPPRESSED, 1))
        if show_truth and truth is not None:
            layers.append(box_layer(truth, "ground truth", "#111827", 1.5, dash="dot"))
        kept, markers = kept_layers(
            kept_boxes, np.asarray(run["kept_scores"]), np.asarray(run["kept_labels"], dtype=np.int64), list(classes)
        )
        n_kept = len(kept_boxes)
        meta: dict[str, object] = {"iou": run["iou"], "kept": n_kept, "suppressed": run["candidates"] - n_kept}
        title = f"<b>{n_kept}</b> kept · {run['candidates'] - n_kept} suppressed"
        if run.get("ap") is not None:
            meta.update(precision=run["precision"], recall=run["recall"], ap=run["ap"])
            title += f" · precision {run['precision']:.2f} · recall {run['recall']:.2f} · AP@0.5 {run['ap']:.2f}"
        views.append(ThresholdView(run["iou"], layers + kept, markers, title, meta))
    return views


def scene_views(data: Mapping[str, Any], show_suppressed: bool = True, show_truth: bool = True) -> list[ThresholdView]:
    """The card panel's figure states from :func:`demos.nms.panel.scene_runs`' JSON."""
    truth = np.asarray(data["gt_boxes"], dtype=np.float64).reshape(-1, 4)
    return run_views(data["runs"], data["classes"], truth, show_suppressed, show_truth)


def view_figure(source: str, width: int, height: int, view: ThresholdView, display_width: int = 560) -> go.Figure:
    """The image with the boxes of one threshold's view, its counts as the title (the page's figure: the IoU
    threshold is a widget beside it, shared with the step-through and the charts)."""
    fig = image_figure(source, width, height, view.layers, [_markers(view)], display_width=display_width)
    fig.update_layout(
        title={"text": view.title, "x": 0, "xanchor": "left", "y": 0.995, "yanchor": "top", "font": {"size": 14}},
        meta=view.meta,
        margin={"l": 0, "r": 0, "t": TITLE_PX, "b": LEGEND_PX},
        height=round(display_width * height / width) + TITLE_PX + LEGEND_PX,
        legend={"orientation": "h", "y": -0.01, "yanchor": "top", "x": 0},
    )
    return fig


def step_layers(
    boxes: np.ndarray, candidates: np.ndarray, steps: Sequence[Any], k: int
) -> tuple[list[dict[str, object]], dict[str, int]]:
    """Step ``k`` (1-based) of the greedy loop drawn over the raw ``boxes`` (N, 4): the boxes still in play,
    those this step removes, those kept at earlier steps and the one picked now -> (layers, their counts).
    ``candidates`` (M,) maps a step's indices into ``boxes``; a step has ``picked``, ``compared`` and
    ``suppressed`` as in ``demos.nms.evaluate.GreedyStep``."""
    step = steps[k - 1]
    kept_before = candidates[[s.picked for s in steps[: k - 1]]]
    doomed = candidates[step.compared[step.suppressed]]
    spared = candidates[step.compared[~step.suppressed]]
    layers = [
        box_layer(boxes[spared], f"still in play ({len(spared)})", RAW, 1),
        box_layer(boxes[doomed], f"removed at this step ({len(doomed)})", SUPPRESSED, 1.5),
        box_layer(boxes[kept_before], f"kept earlier ({len(kept_before)})", "#2563EB", 2),
        box_layer(boxes[[candidates[step.picked]]], "picked now", "#F59E0B", 4),
    ]
    return layers, {"in_play": len(spared), "removed": len(doomed), "kept_before": len(kept_before)}


def ap_bar_figure(ap_by_method: Mapping[str, float], labels: Mapping[str, str]) -> go.Figure:
    """Held-out AP@0.5 per method as horizontal bars, in the order given, each labelled with its value."""
    names = [labels.get(m, m) for m in ap_by_method]
    values = list(ap_by_method.values())
    bars = go.Figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            text=[f"{v:.3f}" for v in values],
            textposition="outside",
            cliponaxis=False,  # the value labels sit past the bar ends, outside the axis range
        )
    )
    bars.update_layout(
        height=260,
        margin={"l": 10, "r": 50, "t": 10, "b": 10},
        xaxis={"range": [0, 1.0], "title": "AP@0.5"},
        yaxis={"autorange": "reversed"},
    )
    return bars
