"""Plotly figures and tables of the captioning lab (its card panel and its page), from the JSON of
``demos.captioning.panel.caption_scene`` and the claims' measurements. Imports no torch."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

HIT, MISS = "#16a34a", "#dc2626"
# Transparent where attention is low, warm and opaque where it is high, so the scene stays visible.
ATTENTION_SCALE = [[0.0, "rgba(30, 27, 75, 0)"], [0.35, "rgba(124, 58, 237, 0.35)"], [1.0, "rgba(250, 204, 21, 0.9)"]]
SLIDER_PX = 90  # room under the image for the word slider and its labels
TITLE_PX = 40


def cell_centres(data: Mapping[str, Any]) -> list[float]:
    """Pixel centres of the attention grid's cells along one axis (the image spans 0..size)."""
    side = data["size"] / data["grid"]
    return [(c + 0.5) * side for c in range(data["grid"])]


def look_at(data: Mapping[str, Any], t: int) -> dict[str, Any] | None:
    """The shape-word check of word ``t`` (where its attention peaked, whether that is on the named object)."""
    return next((look for look in data["looks"] if look["word"] == t), None)


def word_shapes(data: Mapping[str, Any], t: int) -> list[dict[str, Any]]:
    """Word ``t``'s overlays: its attention peak's cell (dotted white) and, for a shape word, the box of every
    scene object of the named description (green when the peak touches it, red when not)."""
    side = data["size"] / data["grid"]
    row, col = divmod(int(np.argmax(np.asarray(data["attention"][t]))), data["grid"])
    shapes: list[dict[str, Any]] = [
        {
            "type": "rect",
            "x0": col * side,
            "x1": (col + 1) * side,
            "y0": row * side,
            "y1": (row + 1) * side,
            "line": {"color": "white", "width": 2, "dash": "dot"},
        }
    ]
    look = look_at(data, t)
    if look is not None:
        for truth in data["truth"]:
            if truth["object"] == look["named"]:
                x1, y1, x2, y2 = truth["box"]
                colour = HIT if look["hit"] else MISS
                box = {"type": "rect", "x0": x1, "x1": x2, "y0": y1, "y1": y2}
                shapes.append(box | {"line": {"color": colour, "width": 3}})
    return shapes


def word_title(data: Mapping[str, Any], t: int) -> str:
    """Word ``t`` in bold, and for a shape word whether its attention peak is on the object it names (one line)."""
    text = f"{t + 1}. <b>{data['words'][t]}</b>"
    look = look_at(data, t)
    if look is None:
        return f"{text} of {len(data['words'])} words"
    named = " ".join(look["named"])
    if look["hit"]:
        return f"{text}: the peak is on the {named} ✓"
    if any(tr["object"] == look["named"] for tr in data["truth"]):
        return f"{text}: the peak is not on the {named} ✗"
    return f"{text}: there is no {named} in the scene ✗"


def attention_figure(data: Mapping[str, Any], active: int, display_width: int = 420) -> go.Figure:
    """The scene with one word's attention laid over it and a slider under it over every word of the caption:
    moving the slider swaps the heat-map, the overlays and the title in the browser, with no server round trip."""
    size, centres = data["size"], cell_centres(data)
    image = go.Image(source=data["image"], x0=0.5, y0=0.5, dx=1, dy=1, hoverinfo="skip")  # pixel i spans [i, i+1]
    heat = go.Heatmap(
        z=data["attention"][active],
        x=centres,
        y=centres,
        zsmooth="best",
        colorscale=ATTENTION_SCALE,
        zmin=0,
        colorbar={"title": "α", "thickness": 12},
        hovertemplate="attention %{z:.3f}<extra></extra>",
    )
    fig = go.Figure([image, heat])
    steps = [
        {
            "method": "update",
            "label": f"{t + 1}. {word}",
            "args": [
                {"z": [data["attention"][t]]},
                {"shapes": word_shapes(data, t), "title.text": word_title(data, t), "meta": {"word": t}},
                [1],
            ],
        }
        for t, word in enumerate(data["words"])
    ]
    fig.update_layout(
        shapes=word_shapes(data, active),
        title={
            "text": word_title(data, active),
            "x": 0,
            "xanchor": "left",
            "y": 0.99,
            "yanchor": "top",
            "font": {"size": 14},
        },
        meta={"word": active},
        height=display_width + TITLE_PX + SLIDER_PX,
        margin={"l": 0, "r": 0, "t": TITLE_PX, "b": SLIDER_PX},
        sliders=[
            {
                "active": active,
                "steps": steps,
                "currentvalue": {"visible": False},
                "pad": {"t": 10, "b": 0},
                "x": 0,
                "len": 1,
                "transition": {"duration": 0},
                "font": {"size": 10},
            }
        ],
    )
    fig.update_xaxes(visible=False, range=[0, size], constrain="domain")
    fig.update_yaxes(visible=False, range=[size, 0], scaleanchor="x", constrain="domain", constraintoward="top")
    return fig


def first_shape_word(data: Mapping[str, Any]) -> int:
    """Where the figure opens: the first word that names a shape (its check is the lesson), else the first word."""
    return data["looks"][0]["word"] if data["looks"] else 0


def small_multiples(data: Mapping[str, Any], columns: int = 6) -> go.Figure:
    """Every word's attention at once, one small map per word, in caption order; ✓/✗ marks shape words whose
    peak is on (or off) the object they name."""
    words = data["words"]
    rows = max(1, math.ceil(len(words) / columns))
    marks = {look["word"]: (" ✓" if look["hit"] else " ✗") for look in data["looks"]}
    titles = [f"{t + 1}. {w}{marks.get(t, '')}" for t, w in enumerate(words)]
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=titles, horizontal_spacing=0.01, vertical_spacing=0.06)
    size, centres = data["size"], cell_centres(data)
    for t in range(len(words)):
        r, c = divmod(t, columns)
        fig.add_trace(go.Image(source=data["image"], x0=0.5, y0=0.5, hoverinfo="skip"), row=r + 1, col=c + 1)
        fig.add_trace(
            go.Heatmap(
                z=data["attention"][t],
                x=centres,
                y=centres,
                zsmooth="best",
                colorscale=ATTENTION_SCALE,
                zmin=0,
                showscale=False,
                hovertemplate=f"{words[t]}: %{{z:.3f}}<extra></extra>",
            ),
            row=r + 1,
            col=c + 1,
        )
    fig.update_xaxes(visible=False, range=[0, size])
    fig.update_yaxes(visible=False, range=[size, 0])
    fig.update_annotations(font_size=12)
    fig.update_layout(height=170 * rows + 30, margin={"l": 0, "r": 0, "t": 30, "b": 0})
    return fig


def truth_rows(data: Mapping[str, Any]) -> list[dict[str, str]]:
    """The scene's objects, left to right, and whether the caption names each; then what it names that is not
    there."""
    rows = [
        {"object in the scene": " ".join(t["object"]), "named in the caption": "✓" if t["named"] else "✗ missed"}
        for t in data["truth"]
    ]
    for d in data["extra"]:
        rows.append({"object in the scene": "— (not in the scene)", "named in the caption": " ".join(d)})
    return rows


BY_OBJECTS_SERIES = (
    ("exact_objects", "caption names exactly the scene's objects", "#4f46e5"),
    ("object_recall", "share of the scene's objects named", "#0ea5e9"),
    ("attention_localization", "attention on the named object", "#f59e0b"),
    ("bleu4", "BLEU-4", "#94a3b8"),
)


def by_objects_figure(by_objects: Mapping[str, Mapping[str, Any]]) -> go.Figure:
    """Grouped bars per object count of the test scenes, with the counts beyond training shaded."""
    counts = sorted(int(c) for c in by_objects)
    fig = go.Figure(
        [
            go.Bar(x=counts, y=[by_objects[str(c)][key] for c in counts], name=name, marker_color=colour)
            for key, name, colour in BY_OBJECTS_SERIES
        ]
    )
    beyond = [c for c in counts if not by_objects[str(c)]["in_training"]]
    if beyond:
        fig.add_vrect(
            x0=beyond[0] - 0.5,
            x1=counts[-1] + 0.5,
            fillcolor="#fee2e2",
            opacity=0.5,
            line_width=0,
            annotation_text="more objects than in training",
            annotation_position="top left",
        )
    fig.update_layout(
        barmode="group",
        height=330,
        margin={"l": 0, "r": 0, "t": 30, "b": 0},
        xaxis={"title": "objects in the test scene", "dtick": 1},
        yaxis={"range": [0, 1.05]},
        legend={"orientation": "h", "y": -0.3},
    )
    return fig


def loss_figure(steps: Sequence[int], losses: Sequence[float]) -> go.Figure:
    """Cross-entropy per word against the training step of a live run."""
    fig = go.Figure(go.Scatter(x=list(steps), y=list(losses), mode="lines", line={"color": "#4f46e5"}))
    fig.update_layout(
        height=260, margin={"l": 0, "r": 0, "t": 10, "b": 0}, xaxis_title="step", yaxis_title="cross-entropy / word"
    )
    return fig
