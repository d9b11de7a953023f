"""Plotly figures for the optimiser labs. Plain data in (lists, numpy), figures out; no Streamlit, no torch.

The race figure carries everything a learning-rate move needs: its own slider swaps the paths, loss curves and
legend in the browser (no round trip to the server), and its Play button moves each rule's marker along its path.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

# one colour per rule, in RULES order
COLOURS: dict[str, str] = {
    "sgd": "#334155",
    "momentum": "#2563EB",
    "nesterov": "#0891B2",
    "adagrad": "#16A34A",
    "rmsprop": "#CA8A04",
    "adadelta": "#9333EA",
    "adam": "#DC2626",
}
LABELS: dict[str, str] = {
    "sgd": "SGD",
    "momentum": "Momentum",
    "nesterov": "Nesterov",
    "adagrad": "AdaGrad",
    "rmsprop": "RMSProp",
    "adadelta": "AdaDelta",
    "adam": "Adam",
}
FLOOR = 1e-10  # loss gaps below this are drawn at this height on the log axis
FRAMES = 41  # positions of the race animation


def _clean(values: np.ndarray, digits: int = 4) -> list[float | None]:
    """A float array as a JSON list with None where it is not finite (plotly breaks the line there)."""
    a = np.asarray(values, dtype=np.float64).ravel()
    out: list[float | None] = np.where(np.isfinite(a), np.round(a, digits), np.nan).tolist()
    return [v if v == v else None for v in out]  # NaN != NaN


class PlainFigure(go.Figure):
    """A figure handed to Streamlit as the plain dict it already is. ``st.plotly_chart`` takes a Figure's
    ``to_dict()`` as validated; building the race's slider states and animation frames through plotly's
    validators deep-copies tens of thousands of numbers (about 0.7 s on the 2-core CPU). The dict is built from
    a validated skeleton plus lists of plain numbers in plotly's own schema."""

    def __init__(self, spec: dict[str, Any]) -> None:
        super().__init__()
        self._spec = spec

    def to_dict(self) -> dict[str, Any]:
        return self._spec


LEVELS = 22


def surface_image(z: np.ndarray, f_min: float, log_levels: bool) -> str:
    """The surface's loss ``z (ny, nx)`` (rows from the bottom) as a PNG data URI of filled contour bands with a
    darker line where the band changes; steep surfaces on a log scale of the loss above the minimum. One image
    instead of a contour trace: plotly redraws an image in no time, a contour it recomputes on every restyle."""
    import base64
    import io

    from PIL import Image

    shown = np.log10(np.maximum(z - f_min, 0) + 1e-3) if log_levels else np.asarray(z, dtype=np.float64)
    lo, hi = np.nanmin(shown), np.nanmax(shown)
    band = np.clip(((shown - lo) / max(hi - lo, 1e-12) * LEVELS).astype(int), 0, LEVELS - 1)  # (ny, nx)
    edge = np.zeros_like(band, dtype=bool)
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    light, dark = np.array([248, 250, 252]), np.array([203, 213, 225])
    rgb = light + (dark - light) * (band[..., None] / (LEVELS - 1))  # (ny, nx, 3)
    rgb[edge] = [148, 163, 184]
    image = Image.fromarray(np.flipud(rgb).astype(np.uint8))  # row 0 at the top
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _surface_layer(surface: Mapping[str, Any], xref: str = "x", yref: str = "y") -> dict[str, Any]:
    (x0, x1), (y0, y1) = surface["bounds"]
    return {
        "source": surface["image"],
        "xref": xref,
        "yref": yref,
        "x": x0,
        "y": y1,
        "sizex": x1 - x0,
        "sizey": y1 - y0,
        "sizing": "stretch",
        "layer": "below",
    }


def _step_of_frame(steps: int) -> list[int]:
    return sorted({round(j * steps / (FRAMES - 1)) for j in range(FRAMES)})


def race_figure(race: Mapping[str, Any], surface: Mapping[str, Any], active: int, height: int = 620) -> go.Figure:
    """The surface with every rule's path (top) and its loss above the minimum per step (bottom).

    ``race``: ``{"multipliers": [M], "rules": {rule: {"lrs": [M], "paths": (M, S+1, 2), "gaps": (M, S+1),
    "reached": [M]}}}`` (lists or arrays). ``surface``: ``image`` (from :func:`surface_image`), ``minima``,
    ``start``, ``bounds``. ``active`` is the multiplier shown first; the figure's own slider picks another, and
    its ▶ Race button moves a marker per rule along its path. Written as plotly's plain dict (see
    :class:`PlainFigure`): it redraws on every learning-rate move of a learner, so it must build fast.
    """
    rules = list(race["rules"])
    mults = list(race["multipliers"])
    paths = {r: np.asarray(race["rules"][r]["paths"], dtype=np.float64) for r in rules}  # (M, S+1, 2)
    gaps = {r: np.asarray(race["rules"][r]["gaps"], dtype=np.float64) for r in rules}  # (M, S+1)
    steps = next(iter(paths.values())).shape[1] - 1
    every = max(1, steps // 200)  # every step up to 200 (a zig-zag sampled sparsely would draw a false path)
    idx = list(range(0, steps + 1, every)) + ([steps] if steps % every else [])
    (x0, x1), (y0, y1) = surface["bounds"]

    def name(rule: str, m: int) -> str:
        reached = race["rules"][rule]["reached"][m]
        lr = race["rules"][rule]["lrs"][m]
        if reached >= 0:
            where = f"{reached} steps"
        elif not np.isfinite(paths[rule][m, -1]).all():
            where = "diverged"
        else:
            where = f"not there in {steps}"
        return f"{LABELS.get(rule, rule)} · lr {lr:.3g} · {where}"

    def loss_y(rule: str, m: int) -> list[float | None]:
        return _clean(np.log10(np.clip(gaps[rule][m, idx], FLOOR, None)), 2)

    frame_steps = _step_of_frame(steps)

    def heads_at(step: int) -> tuple[list[float | None], list[float | None]]:
        pts = np.stack([paths[r][:, step] for r in rules], axis=1).reshape(-1, 2)  # (M * R, 2)
        return _clean(pts[:, 0], 3), _clean(pts[:, 1], 3)

    def mask(m: int) -> list[float]:
        return [1.0 if i // len(rules) == m else 0.0 for i in range(len(mults) * len(rules))]

    mx, my = zip(*surface["minima"], strict=True)
    sx, sy = surface["start"]
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "x": list(mx),
            "y": list(my),
            "mode": "markers",
            "name": "minimum",
            "hoverinfo": "skip",
            "marker": {"symbol": "star", "size": 14, "color": "#0F172A"},
            "xaxis": "x",
            "yaxis": "y",
        },
        {
            "type": "scatter",
            "x": [sx],
            "y": [sy],
            "mode": "markers",
            "name": "start",
            "hoverinfo": "skip",
            "marker": {"size": 11, "color": "white", "line": {"width": 2, "color": "#0F172A"}},
            "xaxis": "x",
            "yaxis": "y",
        },
    ]
    for rule in rules:
        p = paths[rule][active]
        data.append(
            {
                "type": "scatter",
                "x": _clean(p[idx, 0], 3),
                "y": _clean(p[idx, 1], 3),
                "mode": "lines",
                "name": name(rule, active),
                "legendgroup": rule,
                "line": {"color": COLOURS.get(rule), "width": 2},
                "hovertemplate": f"{LABELS.get(rule, rule)}<br>(%{{x:.3f}}, %{{y:.3f}})<extra></extra>",
                "xaxis": "x",
                "yaxis": "y",
            }
        )
    for rule in rules:
        data.append(
            {
                "type": "scatter",
                "x": idx,
                "y": loss_y(rule, active),
                "mode": "lines",
                "showlegend": False,
                "legendgroup": rule,
                "line": {"color": COLOURS.get(rule), "width": 1.6},
                "hovertemplate": f"{LABELS.get(rule, rule)} step %{{x}}: 10^%{{y:.1f}}<extra></extra>",
                "xaxis": "x2",
                "yaxis": "y2",
            }
        )
    hx, hy = heads_at(steps)
    data.append(
        {
            "type": "scatter",
            "x": hx,
            "y": hy,
            "mode": "markers",
            "showlegend": False,
            "hoverinfo": "skip",
            "marker": {
                "size": 10,
                "color": [COLOURS.get(r) for r in rules] * len(mults),
                "opacity": mask(active),
                "line": {"width": 1.5, "color": "white"},
            },
            "xaxis": "x",
            "yaxis": "y",
        }
    )
    first_path, first_loss, heads = 2, 2 + len(rules), 2 + 2 * len(rules)
    frames = [
        {"name": f"s{s}", "data": [{"type": "scatter", "x": heads_at(s)[0], "y": heads_at(s)[1]}], "traces": [heads]}
        for s in frame_steps
    ]
    slider_steps = []
    for m, mult in enumerate(mults):
        p = [paths[r][m] for r in rules]
        slider_steps.append(
            {
                "method": "restyle",
                "label": f"×{mult:g}" if mult >= 1 else f"×1/{1 / mult:g}",
                "args": [
                    {
                        "x": [_clean(q[idx, 0], 3) for q in p] + [idx] * len(rules),
                        "y": [_clean(q[idx, 1], 3) for q in p] + [loss_y(r, m) for r in rules],
                        "name": [name(r, m) for r in rules] + [""] * len(rules),
                        "marker.opacity": [1.0] * (2 * len(rules)) + [mask(m)],
                    },
                    [*range(first_path, first_loss + len(rules)), heads],
                ],
            }
        )
    race_button = {
        "label": "▶ Race",
        "method": "animate",
        "args": [
            [f"s{s}" for s in frame_steps],
            {
                "frame": {"duration": 60, "redraw": False},
                "transition": {"duration": 0},
                "fromcurrent": False,
                "mode": "immediate",
            },
        ],
    }
    layout = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "plot_bgcolor": "white",
        "uirevision": "race",
        "meta": {"multipliers": mults, "active": active, "rules": rules},
        "images": [_surface_layer(surface)],
        "xaxis": {
            "domain": [0, 1],
            "anchor": "y",
            "range": [x0, x1],
            "showgrid": False,
            "zeroline": False,
            "title": {"text": "x", "standoff": 2},
        },
        "yaxis": {
            "domain": [0.385, 1],
            "anchor": "x",
            "range": [y0, y1],
            "showgrid": False,
            "zeroline": False,
            "title": {"text": "y", "standoff": 4},
        },
        "xaxis2": {"domain": [0, 1], "anchor": "y2", "title": {"text": "step"}, "gridcolor": "#E2E8F0"},
        "yaxis2": {
            "domain": [0, 0.295],
            "anchor": "x2",
            "title": {"text": "log₁₀ loss above min"},
            "range": [math.log10(FLOOR), None],
            "gridcolor": "#E2E8F0",
        },
        "legend": {"orientation": "h", "y": -0.30, "yanchor": "top", "x": 0, "font": {"size": 11}},
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "left",
                "x": 0,
                "y": -0.12,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"t": 0, "r": 4},
                "buttons": [race_button],
            }
        ],
        "sliders": [
            {
                "active": active,
                "steps": slider_steps,
                "currentvalue": {"prefix": "Learning rate: each rule's best ", "font": {"size": 12}},
                "x": 0.12,
                "len": 0.88,
                "y": -0.12,
                "yanchor": "top",
                "pad": {"t": 0, "b": 0},
                "transition": {"duration": 0},
                "font": {"size": 10},
            }
        ],
    }
    return PlainFigure({"data": data, "layout": layout, "frames": frames})


def curves_figure(
    series: Mapping[str, Sequence[float | None]],
    *,
    x: Sequence[float] | None = None,
    y_title: str,
    x_title: str = "step",
    log_y: bool = False,
    log_x: bool = False,
    colours: Mapping[str, str] | None = None,
    height: int = 300,
    names: Mapping[str, str] | None = None,
) -> go.Figure:
    """Lines, one per series (``None`` breaks a line)."""
    fig = go.Figure()
    for key, ys in series.items():
        fig.add_trace(
            go.Scatter(
                x=list(x) if x is not None else list(range(len(ys))),
                y=list(ys),
                mode="lines",
                name=(names or LABELS).get(key, key),
                line={"color": (colours or COLOURS).get(key), "width": 2},
            )
        )
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis_title=x_title,
        yaxis_title=y_title,
        legend={"orientation": "h", "y": -0.3, "yanchor": "top", "x": 0},
        plot_bgcolor="white",
    )
    fig.update_yaxes(type="log" if log_y else "linear", gridcolor="#E2E8F0")
    fig.update_xaxes(type="log" if log_x else "linear", gridcolor="#E2E8F0")
    for log, axes in ((log_y, fig.update_yaxes), (log_x, fig.update_xaxes)):
        if log:
            axes(dtick=1)  # one label per decade, not every minor tick
    return fig


def clip_divergent(
    fig: go.Figure, series: Mapping[str, Sequence[float | None]], divergent: str, factor: float = 10.0
) -> int | None:
    """Fit ``fig``'s log y axis to the series other than ``divergent`` (from their smallest loss to ``factor``
    times their largest), so one run that blows up to 1e12 does not squash the others into a line; mark where
    the divergent run first leaves that range (above it, or NaN/inf as ``None``). Returns that step, or ``None``
    when it stays inside (or there is nothing to fit)."""
    finite = [
        float(v)
        for k, ys in series.items()
        if k != divergent
        for v in ys
        if v is not None and math.isfinite(v) and v > 0
    ]
    if not finite:
        return None
    top = factor * max(finite)
    fig.update_yaxes(range=[math.log10(min(finite)) - 0.1, math.log10(top)])
    gone = next(
        (i for i, v in enumerate(series.get(divergent, ())) if v is None or not math.isfinite(v) or v > top), None
    )
    if gone is not None:
        fig.add_annotation(
            x=gone,
            y=math.log10(top),  # a log axis places annotations by log10 of the value
            text=f"{divergent}: off the top at step {gone}",
            showarrow=True,
            arrowhead=2,
            ax=50,
            ay=45,  # pixels down: into the empty band between the divergent run and the others
            xanchor="left",
            bgcolor="rgba(255, 255, 255, 0.85)",
            font={"size": 11, "color": "#DC2626"},
        )
    return gone


def slider_curves_figure(
    views: Sequence[Mapping[str, Any]],
    active: int,
    *,
    prefix: str,
    y_title: str,
    x_title: str = "updates",
    height: int = 330,
) -> go.Figure:
    """Curves whose set changes with the figure's own slider. Each view: ``label``, ``series`` (name -> (x, y)),
    ``title``; every view must have the same series names, in the same order."""
    first = views[active]
    names = list(first["series"])
    fig = go.Figure()
    palette = ["#334155", "#DC2626", "#2563EB", "#16A34A"]
    for i, n in enumerate(names):
        xs, ys = first["series"][n]
        fig.add_trace(
            go.Scatter(x=xs, y=ys, mode="lines", name=n, line={"color": palette[i % len(palette)], "width": 2})
        )
    steps = [
        {
            "method": "update",
            "label": v["label"],
            "args": [
                {"x": [v["series"][n][0] for n in names], "y": [v["series"][n][1] for n in names], "name": names},
                {"title.text": v["title"]},
            ],
        }
        for v in views
    ]
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 36, "b": 10},
        xaxis_title=x_title,
        yaxis_title=y_title,
        title={"text": first["title"], "x": 0, "font": {"size": 13}},
        plot_bgcolor="white",
        legend={"y": 0.98, "yanchor": "top", "x": 0.98, "xanchor": "right", "bgcolor": "rgba(255,255,255,0.8)"},
        sliders=[
            {
                "active": active,
                "steps": steps,
                "currentvalue": {"prefix": prefix, "font": {"size": 12}},
                "y": -0.22,
                "yanchor": "top",
                "pad": {"t": 0},
                "transition": {"duration": 0},
            }
        ],
    )
    fig.update_yaxes(gridcolor="#E2E8F0")
    return fig


def lr_figure(
    views: Sequence[Mapping[str, Any]], surface: Mapping[str, Any], active: int, height: int = 430
) -> go.Figure:
    """One gradient-descent path on the surface per learning rate; the figure's slider picks the rate and the
    title names its regime. ``views``: ``lr``, ``path (S+1, 2)``, ``regime``."""
    (x0, x1), (y0, y1) = surface["bounds"]
    fig = go.Figure()
    fig.add_layout_image(_surface_layer(surface))
    mx, my = zip(*surface["minima"], strict=True)
    fig.add_trace(
        go.Scatter(
            x=mx,
            y=my,
            mode="markers",
            marker={"symbol": "star", "size": 14, "color": "#0F172A"},
            showlegend=False,
            hoverinfo="skip",
        )
    )
    first = np.asarray(views[active]["path"])
    fig.add_trace(
        go.Scatter(
            x=_clean(first[:, 0]),
            y=_clean(first[:, 1]),
            mode="lines+markers",
            showlegend=False,
            line={"color": "#DC2626", "width": 1.5},
            marker={"size": 5},
            hovertemplate="(%{x:.3f}, %{y:.3f})<extra></extra>",
        )
    )

    def title(v: Mapping[str, Any]) -> str:
        return f"<b>lr {v['lr']:g}</b> · {v['regime']}"

    steps = [
        {
            "method": "update",
            "label": f"{v['lr']:.3g}",
            "args": [
                {"x": [_clean(np.asarray(v["path"])[:, 0])], "y": [_clean(np.asarray(v["path"])[:, 1])]},
                {"title.text": title(v), "meta": {"lr": v["lr"], "regime": v["regime"]}},
                [2],
            ],
        }
        for v in views
    ]
    fig.update_xaxes(range=[x0, x1], showgrid=False, zeroline=False, title={"text": "x", "standoff": 2})
    fig.update_yaxes(
        range=[y0, y1],
        showgrid=False,
        zeroline=False,
        scaleanchor="x",
        scaleratio=1,
        title={"text": "y", "standoff": 4},
    )
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 34, "b": 10},
        plot_bgcolor="white",
        title={"text": title(views[active]), "x": 0, "font": {"size": 13}},
        meta={"lr": views[active]["lr"], "regime": views[active]["regime"]},
        sliders=[
            {
                "active": active,
                "steps": steps,
                "currentvalue": {"prefix": "Learning rate ", "font": {"size": 12}},
                "y": -0.06,
                "yanchor": "top",
                "pad": {"t": 16},  # below the x axis's title
                "transition": {"duration": 0},
                "font": {"size": 9},
            }
        ],
    )
    return fig
