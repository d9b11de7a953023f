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
from plotly.subplots import make_subplots

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
    out: list[float | None] = []
    for v in np.asarray(values, dtype=np.float64).ravel().tolist():
        out.append(round(v, digits) if math.isfinite(v) else None)
    return out


def contour_trace(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, f_min: float, log_levels: bool) -> go.Contour:
    """The surface as filled contours; steep surfaces on a log scale of the loss above the minimum."""
    shown = np.log10(np.maximum(z - f_min, 0) + 1e-3) if log_levels else z
    return go.Contour(
        x=np.round(xs, 4),
        y=np.round(ys, 4),
        z=np.round(shown, 3),
        colorscale=[[0, "#F8FAFC"], [1, "#CBD5E1"]],
        showscale=False,
        ncontours=22,
        line={"width": 0.6, "color": "#94A3B8"},
        hoverinfo="skip",
    )


def _step_of_frame(steps: int) -> list[int]:
    return sorted({round(j * steps / (FRAMES - 1)) for j in range(FRAMES)})


def race_figure(race: Mapping[str, Any], surface: Mapping[str, Any], active: int, height: int = 620) -> go.Figure:
    """Contour plot with every rule's path (top) and its loss above the minimum per step (bottom).

    ``race``: ``{"multipliers": [M], "rules": {rule: {"lrs": [M], "paths": (M, S+1, 2), "gaps": (M, S+1),
    "reached": [M]}}}`` (lists or arrays). ``surface``: ``xs, ys, z, f_min, log_levels, minima, start, bounds``.
    ``active`` is the multiplier shown first. The figure's own slider picks the learning-rate multiplier.
    """
    rules = list(race["rules"])
    mults = list(race["multipliers"])
    paths = {r: np.asarray(race["rules"][r]["paths"], dtype=np.float64) for r in rules}  # (M, S+1, 2)
    gaps = {r: np.asarray(race["rules"][r]["gaps"], dtype=np.float64) for r in rules}  # (M, S+1)
    steps = next(iter(paths.values())).shape[1] - 1
    every = max(1, steps // 120)  # points drawn per path: at most ~120
    idx = list(range(0, steps + 1, every)) + ([steps] if steps % every else [])
    (x0, x1), (y0, y1) = surface["bounds"]

    fig = make_subplots(rows=2, cols=1, row_heights=[0.66, 0.34], vertical_spacing=0.09)
    fig.add_trace(
        contour_trace(
            np.asarray(surface["xs"]),
            np.asarray(surface["ys"]),
            np.asarray(surface["z"]),
            surface["f_min"],
            surface["log_levels"],
        ),
        row=1,
        col=1,
    )
    mx, my = zip(*surface["minima"], strict=True)
    fig.add_trace(
        go.Scatter(
            x=mx,
            y=my,
            mode="markers",
            marker={"symbol": "star", "size": 14, "color": "#0F172A"},
            name="minimum",
            hoverinfo="skip",
        ),
        row=1,
        col=1,
    )
    sx, sy = surface["start"]
    fig.add_trace(
        go.Scatter(
            x=[sx],
            y=[sy],
            mode="markers",
            name="start",
            hoverinfo="skip",
            marker={"size": 11, "color": "white", "line": {"width": 2, "color": "#0F172A"}},
        ),
        row=1,
        col=1,
    )

    def name(rule: str, m: int) -> str:
        reached = race["rules"][rule]["reached"][m]
        lr = race["rules"][rule]["lrs"][m]
        where = (
            f"{reached} steps"
            if reached >= 0
            else "diverged"
            if not np.isfinite(paths[rule][m, -1]).all()
            else f"not there in {steps}"
        )
        return f"{LABELS.get(rule, rule)} · lr {lr:.3g} · {where}"

    def loss_y(rule: str, m: int) -> list[float | None]:
        return _clean(np.log10(np.clip(gaps[rule][m, idx], FLOOR, None)), 3)

    for rule in rules:
        p = paths[rule][active]
        fig.add_trace(
            go.Scatter(
                x=_clean(p[idx, 0]),
                y=_clean(p[idx, 1]),
                mode="lines",
                name=name(rule, active),
                line={"color": COLOURS.get(rule), "width": 2},
                legendgroup=rule,
                hovertemplate=f"{LABELS.get(rule, rule)}<br>(%{{x:.3f}}, %{{y:.3f}})<extra></extra>",
            ),
            row=1,
            col=1,
        )
    for rule in rules:
        fig.add_trace(
            go.Scatter(
                x=idx,
                y=loss_y(rule, active),
                mode="lines",
                showlegend=False,
                legendgroup=rule,
                line={"color": COLOURS.get(rule), "width": 1.6},
                hovertemplate=f"{LABELS.get(rule, rule)} step %{{x}}: 10^%{{y:.1f}}<extra></extra>",
            ),
            row=2,
            col=1,
        )
    # race heads: one marker per (multiplier, rule); only the active multiplier's are visible
    frame_steps = _step_of_frame(steps)

    def heads_at(s: int) -> tuple[list[float | None], list[float | None]]:
        pts = np.stack([paths[r][:, s] for r in rules], axis=1).reshape(-1, 2)  # (M * R, 2)
        return _clean(pts[:, 0]), _clean(pts[:, 1])

    def mask(m: int) -> list[float]:
        return [1.0 if i // len(rules) == m else 0.0 for i in range(len(mults) * len(rules))]

    hx, hy = heads_at(steps)
    fig.add_trace(
        go.Scatter(
            x=hx,
            y=hy,
            mode="markers",
            showlegend=False,
            hoverinfo="skip",
            marker={
                "size": 10,
                "color": [COLOURS.get(r) for r in rules] * len(mults),
                "opacity": mask(active),
                "line": {"width": 1.5, "color": "white"},
            },
        ),
        row=1,
        col=1,
    )
    first_path, first_loss, heads = 3, 3 + len(rules), 3 + 2 * len(rules)
    fig.frames = [
        go.Frame(name=f"s{s}", data=[go.Scatter(x=heads_at(s)[0], y=heads_at(s)[1])], traces=[heads])
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
                        "x": [_clean(q[idx, 0]) for q in p] + [idx] * len(rules),
                        "y": [_clean(q[idx, 1]) for q in p] + [loss_y(r, m) for r in rules],
                        "name": [name(r, m) for r in rules] + [""] * len(rules),
                        "marker.opacity": [1.0] * (2 * len(rules)) + [mask(m)],
                    },
                    [*list(range(first_path, first_loss + len(rules))), heads],
                ],
            }
        )
    fig.update_xaxes(range=[x0, x1], row=1, col=1, showgrid=False, zeroline=False, title_text=None)
    fig.update_yaxes(range=[y0, y1], row=1, col=1, showgrid=False, zeroline=False)
    fig.update_xaxes(title_text="step", row=2, col=1)
    fig.update_yaxes(title_text="log₁₀ loss above min", row=2, col=1, range=[math.log10(FLOOR), None])
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.30, "yanchor": "top", "x": 0, "font": {"size": 11}},
        sliders=[
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
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "x": 0,
                "y": -0.12,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"t": 0, "r": 4},
                "buttons": [
                    {
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
                ],
            }
        ],
        uirevision="race",
        plot_bgcolor="white",
        meta={"multipliers": mults, "active": active, "rules": rules},
    )
    return fig


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
        legend={"orientation": "h", "y": -0.25, "yanchor": "top", "x": 0},
        plot_bgcolor="white",
    )
    fig.update_yaxes(type="log" if log_y else "linear", gridcolor="#E2E8F0")
    fig.update_xaxes(type="log" if log_x else "linear", gridcolor="#E2E8F0")
    return fig


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
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"},
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
    fig = go.Figure(
        contour_trace(
            np.asarray(surface["xs"]),
            np.asarray(surface["ys"]),
            np.asarray(surface["z"]),
            surface["f_min"],
            surface["log_levels"],
        )
    )
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
    fig.update_xaxes(range=[x0, x1], showgrid=False, zeroline=False)
    fig.update_yaxes(range=[y0, y1], showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1)
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
                "pad": {"t": 0},
                "transition": {"duration": 0},
                "font": {"size": 9},
            }
        ],
    )
    return fig
