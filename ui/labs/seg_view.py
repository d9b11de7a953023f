"""Plotly figures shared by the vision lab panels (segmentation, detectors, spatial transformer, early layers).
They take pictures as data URIs and numbers as plain lists; nothing here imports torch or a lab package."""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

FONT = {"size": 12}


def picture_grid(
    pictures: Sequence[tuple[str, str]],
    columns: int,
    tile: int = 150,
    legend: Sequence[tuple[str, str]] = (),
) -> go.Figure:
    """Pictures (data URI, title) in a grid of ``columns``, each ``tile`` px wide, square pixels kept; ``legend``
    adds (name, colour) swatches below, for the colours the pictures use. The layout is written out directly
    (as ``make_subplots`` would lay it out), which builds in milliseconds instead of a tenth of a second."""
    n = len(pictures)
    rows = (n + columns - 1) // columns
    plot_px = rows * (tile + 34) + (40 if legend else 10) - 28  # the plot area's height (see the layout below)
    h_space, v_space = 0.02, 30 / plot_px  # 30 px between rows: room for the next row's titles
    width = (1 - h_space * (columns - 1)) / columns
    height = (1 - v_space * (rows - 1)) / rows
    data: list[dict[str, Any]] = []
    layout: dict[str, Any] = {"annotations": []}
    for i, (uri, title) in enumerate(pictures):
        row, col = divmod(i, columns)
        suffix = "" if i == 0 else str(i + 1)
        x0, top = col * (width + h_space), 1 - row * (height + v_space)
        data.append({"type": "image", "source": uri, "hoverinfo": "skip", "xaxis": f"x{suffix}", "yaxis": f"y{suffix}"})
        layout[f"xaxis{suffix}"] = {"domain": [x0, x0 + width], "anchor": f"y{suffix}", "visible": False}
        layout[f"yaxis{suffix}"] = {
            "domain": [top - height, top],
            "anchor": f"x{suffix}",
            "visible": False,
            "scaleanchor": f"x{suffix}",
            "autorange": "reversed",
        }
        layout["annotations"].append(
            {
                "text": title,
                "x": x0 + width / 2,
                "y": top,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 11},
            }
        )
    for name, colour in legend:
        data.append(
            {
                "type": "scatter",
                "x": [None],
                "y": [None],
                "mode": "markers",
                "name": name,
                "marker": {"color": colour, "size": 12, "symbol": "square"},
            }
        )
    layout.update(
        height=rows * (tile + 34) + (40 if legend else 10),
        margin={"l": 0, "r": 0, "t": 28, "b": 0},
        showlegend=bool(legend),
        legend={"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0},
        plot_bgcolor="white",
        font=FONT,
    )
    return go.Figure({"data": data, "layout": layout}, skip_invalid=False)


def sliding_pictures(
    frames: Sequence[dict[str, Any]],
    titles: Sequence[str],
    labels: Sequence[str],
    start: int = 0,
    tile: int = 300,
    prefix: str = "",
    rows: int = 1,
) -> go.Figure:
    """One or more pictures whose sources change with a plotly slider, in the browser (no rerun): ``frames[i]`` is
    ``{"sources": [uri per picture], "title": figure title}`` for slider step ``labels[i]``; ``titles`` name the
    pictures (one per row)."""
    first = frames[start]
    gap_px = 36  # between rows: room for the lower picture's title under the upper picture
    plot_px = rows * tile + (rows - 1) * gap_px
    fig = make_subplots(
        rows=rows, cols=1, subplot_titles=list(titles), vertical_spacing=gap_px / plot_px if rows > 1 else 0.0
    )
    for r, uri in enumerate(first["sources"]):
        fig.add_trace(go.Image(source=uri, hoverinfo="skip"), row=r + 1, col=1)
    steps = [
        {
            "label": label,
            "method": "update",
            "args": [{"source": frame["sources"]}, {"title.text": frame["title"]}, list(range(rows))],
        }
        for label, frame in zip(labels, frames, strict=True)
    ]
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    for r in range(rows):
        fig.update_yaxes(scaleanchor=f"x{r + 1}" if r else "x", row=r + 1, col=1)
    fig.update_layout(
        title={"text": first["title"], "font": {"size": 13}, "x": 0, "xanchor": "left"},
        sliders=[
            {
                "active": start,
                "steps": steps,
                "currentvalue": {"prefix": prefix, "font": {"size": 12}},
                "pad": {"t": 10, "b": 0},
                "len": 1.0,
            }
        ],
        height=plot_px + 150,
        margin={"l": 0, "r": 0, "t": 60 + 18 * max(f["title"].count("<br>") for f in frames), "b": 10},
        plot_bgcolor="white",
        font=FONT,
    )
    return fig


def bars(
    categories: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    title: str,
    axis: str,
    log: bool = False,
    height: int = 260,
    colours: Sequence[str] = ("#2563EB", "#F59E0B", "#16A34A", "#DC2626"),
) -> go.Figure:
    """Grouped horizontal bars: one group per category, one bar per series."""
    fig = go.Figure()
    for (name, values), colour in zip(series.items(), colours, strict=False):
        fig.add_trace(
            go.Bar(
                y=list(categories),
                x=list(values),
                name=name,
                orientation="h",
                marker_color=colour,
                text=[("" if v is None else f"{v:.3g}") for v in values],
                textposition="outside",
                cliponaxis=False,
            )
        )
    fig.update_layout(
        title={"text": title, "font": {"size": 13}, "x": 0, "xanchor": "left"},
        barmode="group",
        height=height,
        margin={"l": 0, "r": 30, "t": 40, "b": 40},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"},
        xaxis={"title": {"text": axis, "standoff": 4}, "type": "log" if log else "linear", "dtick": 1 if log else None},
        yaxis={"autorange": "reversed"},
        plot_bgcolor="white",
        font=FONT,
    )
    return fig


def lines(
    x: Sequence[float], series: dict[str, Sequence[float]], title: str, x_title: str, y_title: str, height: int = 260
) -> go.Figure:
    fig = go.Figure()
    for name, values in series.items():
        fig.add_trace(go.Scatter(x=list(x), y=list(values), mode="lines+markers", name=name))
    fig.update_layout(
        title={"text": title, "font": {"size": 13}, "x": 0, "xanchor": "left"},
        height=height,
        margin={"l": 0, "r": 10, "t": 60, "b": 40},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        xaxis={"title": {"text": x_title, "standoff": 4}},
        yaxis={"title": y_title},
        plot_bgcolor="white",
        font=FONT,
    )
    return fig


def claim_measured(record: dict[str, Any] | None, lab: str, claim: str) -> dict[str, Any]:
    """The measured numbers of one shipped claim (empty if the record lacks it)."""
    for c in (record or {}).get("claims", []):
        if c.get("lab") == lab and c.get("id") == claim:
            measured = c.get("measured", {})
            return measured if isinstance(measured, dict) else {}
    return {}


def record_hardware(record: dict[str, Any] | None) -> str:
    """The machine a shipped record was measured on, e.g. '2-core x86_64 CPU' (its ``hardware.device`` field)."""
    hardware = (record or {}).get("hardware", {})
    named = hardware.get("device") if isinstance(hardware, dict) else None
    return str(named) if named else "an unrecorded machine"


def this_machine() -> str:
    """This server's CPU in the same words as a record's hardware field, e.g. '2-core x86_64 CPU'."""
    return f"{os.cpu_count()}-core {platform.machine()} CPU"
