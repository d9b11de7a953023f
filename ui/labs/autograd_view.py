"""The computational-graph figure of the backprop lab: nodes and edges, and a slider through the forward pass
(values appear node by node) and the backward pass (gradients flow back node by node). Plain data in, a plotly
figure out; every step is precomputed, so the slider moves in the browser."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

PENDING, DONE, CURRENT, GRAD = "#E2E8F0", "#BFDBFE", "#F59E0B", "#BBF7D0"


def node_name(node: Mapping[str, Any]) -> str:
    return str(node["label"] or node["op"])


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def step_views(passes: Mapping[str, Any]) -> list[dict[str, Any]]:
    """For each step (a start, every forward node, every backward node): node texts, colours and a title."""
    nodes = passes["nodes"]
    by_id = {n["id"]: n for n in nodes}
    parents: dict[int, list[int]] = {}
    for a, b in passes["edges"]:
        parents.setdefault(b, []).append(a)
    shown: set[int] = {n["id"] for n in nodes if not n["op"]}
    views = []

    def texts(grads: Mapping[int, float]) -> list[str]:
        out = []
        for n in nodes:
            head = f"<b>{node_name(n)}</b>" if n["op"] == "" or n["label"] else f"<b>{n['op']}</b>"
            if n["label"] and n["op"]:
                head = f"<b>{n['label']}</b> ({n['op']})"
            value = f"<br>{_fmt(n['value'])}" if n["id"] in shown else "<br>?"
            grad = f"<br><span style='color:#15803D'>∂ {_fmt(grads[n['id']])}</span>" if n["id"] in grads else ""
            out.append(head + value + grad)
        return out

    views.append(
        {
            "label": "start",
            "texts": texts({}),
            "colours": [DONE if not n["op"] else PENDING for n in nodes],
            "title": "The inputs, weights and target are known; press the slider's steps to run the forward pass.",
        }
    )
    for step in passes["steps"]:
        n = by_id[step["node"]]
        if step["pass"] == "forward":
            shown.add(n["id"])
            args = ", ".join(f"{node_name(by_id[p])} = {_fmt(by_id[p]['value'])}" for p in parents.get(n["id"], []))
            colours = [CURRENT if m["id"] == n["id"] else DONE if m["id"] in shown else PENDING for m in nodes]
            views.append(
                {
                    "label": f"F{len(views)}",
                    "texts": texts({}),
                    "colours": colours,
                    "title": f"Forward: {node_name(n)} = {n['op']}({args}) = {_fmt(n['value'])}",
                }
            )
        else:
            grads = {int(k): v for k, v in step["grads"].items()}
            ps = parents.get(n["id"], [])
            if ps:
                parts = "; ".join(
                    f"∂L/∂{node_name(by_id[p])} += {_fmt(d)} × {_fmt(grads[n['id']])}"
                    for p, d in zip(ps, n["local"], strict=True)
                )
                title = f"Backward at {node_name(n)}: local derivative × incoming gradient<br>{parts}"
            else:
                final = _fmt(grads.get(n["id"], 0.0))
                title = f"Backward: {node_name(n)} is a leaf, its gradient ∂L/∂{node_name(n)} = {final} is final"
            colours = [CURRENT if m["id"] == n["id"] else GRAD if m["id"] in grads else DONE for m in nodes]
            views.append({"label": f"B{len(views)}", "texts": texts(grads), "colours": colours, "title": title})
    return views


def graph_figure(passes: Mapping[str, Any], active: int | None = None, height: int = 430) -> go.Figure:
    """The graph with its step slider, starting at step ``active`` (default: the last, all gradients shown)."""
    nodes = passes["nodes"]
    pos = {n["id"]: (n["x"], n["y"]) for n in nodes}
    views = step_views(passes)
    active = len(views) - 1 if active is None else active
    ex: list[float | None] = []
    ey: list[float | None] = []
    for a, b in passes["edges"]:
        ex += [pos[a][0], pos[b][0], None]
        ey += [pos[a][1], pos[b][1], None]
    fig = go.Figure(
        [
            go.Scatter(
                x=ex, y=ey, mode="lines", line={"color": "#94A3B8", "width": 1.2}, hoverinfo="skip", showlegend=False
            ),
            go.Scatter(
                x=[pos[n["id"]][0] for n in nodes],
                y=[pos[n["id"]][1] for n in nodes],
                mode="markers+text",
                text=views[active]["texts"],
                textposition="middle center",
                textfont={"size": 10, "color": "#0F172A"},
                marker={
                    "size": 58,
                    "color": views[active]["colours"],
                    "line": {"width": 1, "color": "#64748B"},
                    "symbol": "circle",
                },
                hoverinfo="skip",
                showlegend=False,
            ),
        ]
    )
    steps = [
        {
            "method": "update",
            "label": v["label"],
            "args": [{"text": [v["texts"]], "marker.color": [v["colours"]]}, {"title.text": v["title"]}, [1]],
        }
        for v in views
    ]
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    fig.update_xaxes(visible=False, range=[min(xs) - 0.6, max(xs) + 0.6])
    fig.update_yaxes(visible=False, range=[min(ys) - 0.8, max(ys) + 0.8])
    fig.update_layout(
        height=height,
        margin={"l": 0, "r": 0, "t": 60, "b": 10},
        plot_bgcolor="white",
        title={"text": views[active]["title"], "x": 0, "font": {"size": 12}},
        meta={"steps": len(views)},
        sliders=[
            {
                "active": active,
                "steps": steps,
                "currentvalue": {"visible": False},
                "y": 0,
                "yanchor": "top",
                "pad": {"t": 0},
                "transition": {"duration": 0},
                "font": {"size": 8},
            }
        ],
    )
    return fig
