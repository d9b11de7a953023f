"""Plotly figures for the NMS demo page. Takes numpy arrays; imports neither torch nor the demo package."""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go

# Kept boxes per class (circle, square, triangle, diamond), drawn over a white halo to stand out on any scene.
SHAPE_COLOURS = ("#0F172A", "#0891B2", "#C026D3", "#4D7C0F")
ONE_CLASS_COLOUR = "#22D3EE"
SUPPRESSED = "rgba(220, 38, 38, 0.55)"
RAW = "rgba(100, 116, 139, 0.45)"


def png_source(image: np.ndarray) -> str:
    """(H, W, 3) uint8 -> PNG data URI (far smaller in the browser than a plotly pixel array)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG", optimize=False)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _outline(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rectangle outlines of (N, 4) boxes as one polyline broken by NaN: one trace, not N shapes. Numpy arrays
    (not lists) keep plotly's validation fast at a thousand boxes."""
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)  # float32: half the bytes sent to the browser
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    nan = np.full(len(boxes), np.nan, dtype=np.float32)
    xs = np.stack([x1, x2, x2, x1, x1, nan], axis=1).ravel()  # (6N,)
    ys = np.stack([y1, y1, y2, y2, y1, nan], axis=1).ravel()  # (6N,)
    return xs, ys


def box_trace(boxes: np.ndarray, name: str, colour: str, width: float, dash: str = "solid") -> go.Scatter:
    xs, ys = _outline(boxes)
    return go.Scatter(
        x=xs, y=ys, mode="lines", name=name, line={"color": colour, "width": width, "dash": dash}, hoverinfo="skip"
    )


def label_trace(boxes: np.ndarray, texts: list[str], colour: str) -> go.Scatter:
    return go.Scatter(
        x=boxes[:, 0] if len(boxes) else [],
        y=boxes[:, 1] if len(boxes) else [],
        mode="markers",
        marker={"size": 7, "color": colour, "symbol": "square"},
        text=texts,
        hovertemplate="%{text}<extra></extra>",
        showlegend=False,
    )


def image_figure(source: str, width: int, height: int, traces: list[go.Scatter], display_width: int = 560) -> go.Figure:
    """An image (PNG data URI, ``width`` x ``height`` pixels) in image coordinates with traces on top."""
    fig = go.Figure(traces)
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


def kept_traces(boxes: np.ndarray, scores: np.ndarray, labels: np.ndarray, class_names: list[str] | None) -> list:
    """Kept boxes, one trace per class so the legend names classes, plus hover markers with scores."""
    traces = []
    names = class_names or ["detection"]
    for c, name in enumerate(names):
        sel = labels == c
        if not sel.any():
            continue
        colour = SHAPE_COLOURS[c % len(SHAPE_COLOURS)] if len(names) > 1 else ONE_CLASS_COLOUR
        halo = box_trace(boxes[sel], "", "rgba(255, 255, 255, 0.9)", 5)
        halo.showlegend = False
        traces += [halo, box_trace(boxes[sel], f"kept: {name}", colour, 2.5)]
        texts = [f"{name} · score {s:.2f}" for s in scores[sel]]
        traces.append(label_trace(boxes[sel], texts, colour))
    return traces


def sweep_figure(
    thresholds: list[float], series: dict[str, list[float]], y_title: str, marker: float | None
) -> go.Figure:
    fig = go.Figure([go.Scatter(x=thresholds, y=ys, mode="lines+markers", name=name) for name, ys in series.items()])
    if marker is not None:
        fig.add_vline(x=marker, line_dash="dot", line_color="#64748B", annotation_text="your threshold")
    fig.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title="NMS IoU threshold",
        yaxis_title=y_title,
        legend={"orientation": "h", "y": 1.12},
    )
    return fig


def iou_bar_figure(ious: np.ndarray, suppressed: np.ndarray, threshold: float) -> go.Figure:
    """IoU of the picked box with every box still in play at one greedy step, highest first."""
    order = np.argsort(-ious, kind="stable")
    colours = np.where(suppressed[order], SUPPRESSED, RAW)
    fig = go.Figure(
        go.Bar(
            x=np.arange(1, len(order) + 1),
            y=ious[order],
            marker_color=colours,
            hovertemplate="IoU %{y:.2f}<extra></extra>",
        )
    )
    fig.add_hline(y=threshold, line_dash="dot", line_color="#DC2626", annotation_text=f"IoU threshold {threshold:.2f}")
    fig.update_layout(
        height=260,
        margin={"l": 10, "r": 10, "t": 20, "b": 10},
        xaxis_title="boxes still in play, by IoU with the picked box",
        yaxis={"title": "IoU", "range": [0, 1.02]},
        bargap=0.05,
    )
    return fig
