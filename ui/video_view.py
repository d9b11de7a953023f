"""Plotly figures for the video and augmentation labs: rows of pictures (PNG/JPEG data URIs) in image coordinates,
optionally with a slider that swaps every picture, overlay trace and title in the browser (no server round trip).
Takes plain JSON-able data; imports neither torch nor the demo packages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

TRACK_COLOURS = ("#22D3EE", "#FACC15", "#F472B6", "#A3E635")


@dataclass(frozen=True)
class Overlay:
    """Line segments or polylines drawn on one picture: ``xs``/``ys`` with ``None`` between pieces."""

    panel: int  # index of the picture (0-based, row-major)
    xs: list[float | None]
    ys: list[float | None]
    name: str
    colour: str = TRACK_COLOURS[0]
    width: float = 1.5
    markers: bool = False  # a dot at the start of every piece
    dot: float = 0.45  # half the side of that dot, in image pixels


@dataclass(frozen=True)
class Step:
    """What the figure shows at one slider position."""

    label: str
    images: list[str]  # one data URI per panel, row-major
    title: str
    overlays: list[Overlay] = field(default_factory=list)


def segments(x0: Sequence[float], y0: Sequence[float], x1: Sequence[float], y1: Sequence[float]) -> tuple[list, list]:
    """Segments (x0, y0) -> (x1, y1) as one polyline list with ``None`` breaks."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for a, b, c, d in zip(x0, y0, x1, y1, strict=True):
        xs += [a, c, None]
        ys += [b, d, None]
    return xs, ys


def polylines(tracks: Sequence[Sequence[Sequence[float]]]) -> tuple[list, list]:
    """Tracks ``[[(x, y), ...], ...]`` as one polyline list with ``None`` breaks."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for track in tracks:
        xs += [p[0] for p in track] + [None]
        ys += [p[1] for p in track] + [None]
    return xs, ys


def _image_layout(source: str, panel: int, side: float) -> dict[str, Any]:
    ref = "" if panel == 0 else str(panel + 1)
    return {
        "source": source,
        "xref": f"x{ref}",
        "yref": f"y{ref}",
        "x": 0,
        "y": 0,
        "sizex": side,
        "sizey": side,
        "sizing": "stretch",
        "layer": "below",
    }


def _ref(panel: int) -> str:
    return "" if panel == 0 else str(panel + 1)


def overlay_shapes(o: Overlay) -> list[dict[str, Any]]:
    """An overlay as layout shapes: its lines as one SVG path, and a small filled square at the start of every
    piece when ``markers``. Shapes, unlike traces, change with a relayout alone, which keeps a slider move cheap."""
    lines: list[str] = []
    dots: list[str] = []
    pen_up = True
    for x, y in zip(o.xs, o.ys, strict=True):
        if x is None or y is None:
            pen_up = True
            continue
        if pen_up and o.markers:
            d = o.dot
            dots.append(f"M{x - d:.2f},{y - d:.2f}H{x + d:.2f}V{y + d:.2f}H{x - d:.2f}Z")
        lines.append(f"{'M' if pen_up else 'L'}{x:.2f},{y:.2f}")
        pen_up = False
    ref = _ref(o.panel)
    base = {"type": "path", "xref": f"x{ref}", "yref": f"y{ref}", "layer": "above"}
    out = [{**base, "path": "".join(lines) or "M0,0", "line": {"color": o.colour, "width": o.width}}]
    if o.markers:
        out.append({**base, "path": "".join(dots) or "M0,0", "line": {"width": 0}, "fillcolor": o.colour})
    return out


def _shapes(step: Step) -> list[dict[str, Any]]:
    return [shape for o in step.overlays for shape in overlay_shapes(o)]


def picture_grid(
    steps: list[Step],
    titles: Sequence[str],
    side: float,
    columns: int,
    active: int = 0,
    cell_px: int = 150,
    slider_prefix: str = "",
) -> go.Figure:
    """Pictures in a grid (``columns`` per row, one subplot each, ``side`` x ``side`` image coordinates), overlays
    on top (as layout shapes) and, with more than one step, a slider that swaps pictures, overlays and title in
    the browser with one relayout. Every step must have the same number of pictures."""
    if not steps:
        raise ValueError("a picture grid needs at least one step")
    first = steps[active]
    n = len(first.images)
    rows = -(-n // columns)
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=list(titles)[:n],
        horizontal_spacing=0.015,
        vertical_spacing=0.14 if rows > 1 else 0.0,
    )
    fig.update_layout(images=[_image_layout(src, i, side) for i, src in enumerate(first.images)], shapes=_shapes(first))
    for i in range(rows * columns):
        ref = "" if i == 0 else str(i + 1)
        fig.update_layout(
            {
                f"xaxis{ref}": {"range": [0, side], "visible": False, "constrain": "domain"},
                f"yaxis{ref}": {"range": [side, 0], "visible": False, "scaleanchor": f"x{ref}", "constrain": "domain"},
            }
        )
    slider_h = 70 if len(steps) > 1 else 0
    extra = 20 * max(s.title.count("<br>") for s in steps)  # room for a title broken into lines
    fig.update_layout(
        title={
            "text": first.title,
            "font": {"size": 13},
            "x": 0,
            "xanchor": "left",
            # above the plot area, clear of the subplot titles, however many lines it has
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            "pad": {"t": 10},
        },
        height=rows * cell_px + 60 + extra + slider_h,
        margin={"l": 4, "r": 4, "t": 56 + extra, "b": 4 + slider_h},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right", "font": {"size": 11}},
        plot_bgcolor="white",
        uirevision="keep",
    )
    for annotation in fig.layout.annotations:
        annotation.font = {"size": 12}
    if len(steps) > 1:
        fig.update_layout(
            sliders=[
                {
                    "active": active,
                    "currentvalue": {"prefix": slider_prefix, "font": {"size": 12}},
                    "pad": {"t": 8, "b": 0},
                    "steps": [
                        {
                            "method": "relayout",
                            "label": s.label,
                            "args": [
                                {
                                    "images": [_image_layout(src, i, side) for i, src in enumerate(s.images)],
                                    "shapes": _shapes(s),
                                    "title.text": s.title,
                                }
                            ],
                        }
                        for s in steps
                    ],
                }
            ]
        )
    return fig


def bar_figure(
    labels: Sequence[str],
    values: Sequence[float],
    title: str,
    axis: str,
    highlight: Sequence[bool] | None = None,
    dots: Sequence[Sequence[float]] | None = None,
    height: int = 300,
    range_: tuple[float, float] | None = None,
    names: tuple[str, str] = ("mean", "mean"),
) -> go.Figure:
    """Horizontal bars (one per label), optional per-bar dots (seeds) and highlighted bars: highlighted bars are
    teal and the others grey, with ``names`` (highlighted, other) as their legend entries when the legend shows."""
    percent = "%" in axis
    marks = list(highlight) if highlight is not None else [True] * len(labels)
    fig = go.Figure()
    for flag, colour, name in ((True, "#0891B2", names[0]), (False, "#94A3B8", names[1])):
        picked = [i for i, h in enumerate(marks) if bool(h) == flag]
        if not picked:
            continue
        fig.add_bar(
            x=[values[i] for i in picked],
            y=[labels[i] for i in picked],
            orientation="h",
            marker_color=colour,
            text=[f"{values[i]:.0%}" if percent else f"{values[i]:.3g}" for i in picked],
            textposition="inside",
            insidetextanchor="start",
            textfont={"color": "white"},
            name=name,
            hovertemplate="%{y}: %{x:.3f}<extra></extra>",
        )
    if dots is not None:
        xs = [v for d in dots for v in d]
        ys = [lab for lab, d in zip(labels, dots, strict=True) for _ in d]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", marker={"size": 6, "color": "#0F172A"}, name="each seed"))
    fig.update_layout(
        title={"text": title, "font": {"size": 13}, "x": 0, "xanchor": "left"},
        height=height,
        margin={"l": 4, "r": 30, "t": 40, "b": 40},
        xaxis={"title": axis, "range": list(range_) if range_ else None, "tickformat": ".0%" if percent else None},
        yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": list(labels)},
        barmode="overlay",
        legend={"orientation": "h", "y": -0.25},
        showlegend=dots is not None,
    )
    return fig


def direction_key(steps: int = 8) -> go.Figure:
    """The colour key of a flow picture (hue = direction, image y pointing down, as ``demos.video.flow.flow_to_rgb``
    draws it; brightness = length): ``steps`` direction swatches with arrows, then a dark-to-bright ramp."""
    import colorsys

    arrows = {0: "→", 45: "↘", 90: "↓", 135: "↙", 180: "←", 225: "↖", 270: "↑", 315: "↗"}
    xs, colours, texts = [], [], []
    for i in range(steps):
        degrees = round(360 * i / steps)
        r, g, b = colorsys.hsv_to_rgb(degrees / 360, 1.0, 1.0)
        xs.append(i)
        colours.append(f"rgb({r * 255:.0f},{g * 255:.0f},{b * 255:.0f})")
        texts.append(arrows.get(degrees, f"{degrees}°"))
    for j, value in enumerate((0.15, 0.4, 0.7, 1.0)):
        xs.append(steps + 1 + j)
        colours.append(f"rgb({255 * value:.0f},0,0)")
        texts.append(("short", "", "", "long")[j])
    fig = go.Figure(
        go.Scatter(
            x=xs,
            y=[0] * len(xs),
            mode="markers+text",
            marker={"symbol": "square", "size": 22, "color": colours, "line": {"width": 0}},
            text=texts,
            textposition="bottom center",
            textfont={"size": [22] * steps + [13] * 4},  # arrow glyphs draw small: a larger size for them
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.update_xaxes(visible=False, range=[-0.7, steps + 4.7])
    fig.update_yaxes(visible=False, range=[-1.6, 0.7])
    fig.update_layout(
        height=80,
        width=420,
        margin={"l": 4, "r": 4, "t": 22, "b": 0},
        plot_bgcolor="white",
        title={"text": "Flow colours: direction (hue) · length (brightness, rightward shown)", "font": {"size": 12}},
        title_x=0,
    )
    return fig
