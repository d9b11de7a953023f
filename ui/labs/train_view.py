"""Plotly figures for the training labs. Plain data in, figures out; no Streamlit, no torch."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

ACT_COLOURS = {"sigmoid": "#DC2626", "tanh": "#CA8A04", "relu": "#2563EB"}
METHOD_COLOURS = {"none": "#334155", "l2": "#2563EB", "l1": "#16A34A", "dropout": "#DC2626", "dropconnect": "#9333EA"}
METHOD_LABELS = {"none": "none", "l2": "L2", "l1": "L1", "dropout": "Dropout", "dropconnect": "DropConnect"}
DIGIT_COLOURS = (
    "#1F77B4",
    "#FF7F0E",
    "#2CA02C",
    "#D62728",
    "#9467BD",
    "#8C564B",
    "#E377C2",
    "#7F7F7F",
    "#BCBD22",
    "#17BECF",
)
GRID = "#E2E8F0"


def _layout(fig: go.Figure, height: int, **kw: Any) -> go.Figure:
    base: dict[str, Any] = {
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "legend": {"orientation": "h", "y": -0.32, "yanchor": "top", "x": 0},
    }
    fig.update_layout(height=height, plot_bgcolor="white", **{**base, **kw})
    fig.update_xaxes(gridcolor=GRID)
    fig.update_yaxes(gridcolor=GRID)
    return fig


def activation_figure(curves: Mapping[str, Any], height: int = 260) -> go.Figure:
    """Each activation (solid) and its derivative (dotted), side by side."""
    z = curves["z"]["z"]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("f(z)", "f′(z): what the backward pass multiplies by"))
    for act, colour in ACT_COLOURS.items():
        fig.add_trace(go.Scatter(x=z, y=curves[act]["f"], name=act, line={"color": colour}), row=1, col=1)
        fig.add_trace(
            go.Scatter(
                x=z, y=curves[act]["df"], name=f"{act}′", line={"color": colour, "dash": "dot"}, showlegend=False
            ),
            row=1,
            col=2,
        )
    fig.update_yaxes(range=[-1.2, 2.2], row=1, col=1)
    fig.update_yaxes(range=[-0.05, 1.1], row=1, col=2)
    fig.add_hline(y=0.25, line_dash="dash", line_color="#DC2626", row=1, col=2, annotation_text="σ′ ≤ 0.25")
    _layout(fig, height)
    fig.update_annotations(font_size=12)
    return fig


def gradient_figure(runs: Mapping[str, Mapping[str, Any]], height: int = 320) -> go.Figure:
    """Weight-gradient norm at every layer (1 = next to the input), log scale, one line per activation."""
    fig = go.Figure()
    for act, run in runs.items():
        norms = run["norms"]
        fig.add_trace(
            go.Scatter(
                x=list(range(1, len(norms) + 1)),
                y=[max(v, 1e-30) for v in norms],
                name=act,
                mode="lines+markers",
                line={"color": ACT_COLOURS.get(act)},
                marker={"size": 5},
            )
        )
    fig.update_yaxes(type="log", title_text="‖∂L/∂W‖ at the layer", exponentformat="power")
    fig.update_xaxes(title_text="layer (1 = input side; the last = output layer)")
    return _layout(fig, height)


def acc_slider_figure(views: Sequence[Mapping[str, Any]], active: int, height: int = 330) -> go.Figure:
    """Test accuracy over steps with and without batch norm; the figure's slider picks the learning rate.
    Each view: ``label``, ``title``, ``plain`` and ``bn`` as ``(steps, accuracies)``."""
    first = views[active]
    fig = go.Figure(
        [
            go.Scatter(
                x=first["plain"][0],
                y=first["plain"][1],
                name="without batch norm",
                mode="lines+markers",
                line={"color": "#334155"},
            ),
            go.Scatter(
                x=first["bn"][0],
                y=first["bn"][1],
                name="with batch norm",
                mode="lines+markers",
                line={"color": "#16A34A"},
            ),
        ]
    )
    # the label at the line's left end, where the curves are still low: on the right they run along the line
    fig.add_hline(
        y=0.9, line_dash="dot", line_color="#64748B", annotation_text="target 90%", annotation_position="top left"
    )
    steps = [
        {
            "method": "update",
            "label": v["label"],
            "args": [{"x": [v["plain"][0], v["bn"][0]], "y": [v["plain"][1], v["bn"][1]]}, {"title.text": v["title"]}],
        }
        for v in views
    ]
    _layout(fig, height, title={"text": first["title"], "x": 0, "font": {"size": 13}})
    fig.update_layout(
        legend={"y": 0.03, "yanchor": "bottom", "x": 0.98, "xanchor": "right", "bgcolor": "rgba(255,255,255,0.8)"},
        sliders=[
            {
                "active": active,
                "steps": steps,
                "currentvalue": {"prefix": "Learning rate ", "font": {"size": 12}},
                "y": -0.2,
                "yanchor": "top",
                "pad": {"t": 0},
                "transition": {"duration": 0},
            }
        ],
    )
    fig.update_yaxes(range=[0, 1], title_text="test accuracy")
    fig.update_xaxes(title_text="step")
    return fig


def regularisation_figure(runs: Sequence[Mapping[str, Any]], height: int = 300) -> go.Figure:
    """Train and test accuracy per method, the gap (train minus test, in percentage points) written on top."""
    names = [METHOD_LABELS.get(r["method"], r["method"]) for r in runs]
    fig = go.Figure(
        [
            go.Bar(
                x=names,
                y=[r["train_acc"] for r in runs],
                name="train (its own labels, 20% wrong)",
                marker_color="#CBD5E1",
                text=[f"{r['train_acc']:.0%}" for r in runs],
                textposition="inside",
            ),
            go.Bar(
                x=names,
                y=[r["test_acc"] for r in runs],
                name="test (true labels)",
                marker_color="#2563EB",
                text=[f"{r['test_acc']:.1%}" for r in runs],
                textposition="inside",
            ),
        ]
    )
    for n, r in zip(names, runs, strict=True):
        fig.add_annotation(
            x=n,
            y=max(r["train_acc"], r["test_acc"]),
            yanchor="bottom",
            yshift=6,  # clear of the bar tops
            text=f"gap {100 * (r['train_acc'] - r['test_acc']):.0f} pts",  # percentage points, like the bars
            showarrow=False,
            font={"size": 11},
        )
    _layout(fig, height, barmode="group")
    fig.update_yaxes(range=[0, 1.15], title_text="accuracy", tickformat=".0%")
    return fig


def weight_hist_figure(runs: Sequence[Mapping[str, Any]], height: int = 280) -> go.Figure:
    """Histogram of the second layer's weights per method (log counts); near-zero share in the legend."""
    fig = go.Figure()
    for r in runs:
        edges = r["weight_hist"]["edges"]
        mids = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
        fig.add_trace(
            go.Scatter(
                x=mids,
                y=[max(c, 0.5) for c in r["weight_hist"]["counts"]],
                mode="lines",
                line={"shape": "hvh", "color": METHOD_COLOURS.get(r["method"])},
                name=f"{METHOD_LABELS.get(r['method'])}: {r['near_zero']:.0%} near 0",
            )
        )
    fig.update_yaxes(type="log", title_text="weights (log)")
    fig.update_xaxes(title_text="weight value, layer 2 (256 × 256)")
    methods = [r["method"] for r in runs]

    def show(which: tuple[str, ...]) -> list[bool]:
        return [m in which for m in methods]

    buttons = [("All", tuple(methods)), ("L1 vs L2", ("l1", "l2")), ("Dropout vs none", ("dropout", "none"))]
    fig.update_layout(
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "x": 0,
                "y": 1.02,
                "xanchor": "left",
                "yanchor": "bottom",
                "pad": {"t": 0, "b": 0},
                "font": {"size": 11},
                "buttons": [
                    {"label": label, "method": "restyle", "args": [{"visible": show(which)}]}
                    for label, which in buttons
                ],
            }
        ]
    )
    return _layout(
        fig,
        height + 30,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "y": -0.32, "yanchor": "top", "x": 0},
    )


def biasvar_fit_figure(sweep: Mapping[str, Any], active: int, height: int = 330) -> go.Figure:
    """The true curve, one training set's points and five fits (five training sets) at the slider's degree."""
    grid, fits = sweep["grid"], sweep["example_fits"]
    data = sweep["example_sets"][0]
    fig = go.Figure([go.Scatter(x=grid, y=sweep["truth"], name="truth", line={"color": "#0F172A", "width": 3})])
    fig.add_trace(
        go.Scatter(
            x=data["x"], y=data["y"], mode="markers", name="one training set", marker={"color": "#DC2626", "size": 7}
        )
    )
    for k in range(len(fits[active])):
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=fits[active][k],
                mode="lines",
                showlegend=k == 0,
                name="fits to five training sets",
                line={"color": "#2563EB", "width": 1.2},
                opacity=1.0 if k == 0 else 0.45,
            )
        )

    def title(d: int) -> str:
        i = sweep["degrees"].index(d)
        return (
            f"Degree {d}: train {sweep['train_mse'][i]:.3f}, test {sweep['test_mse'][i]:.3f}, "
            f"bias² {sweep['bias2'][i]:.3f}, variance {sweep['variance'][i]:.3f}"
        )

    steps = []
    for i, d in enumerate(sweep["degrees"]):
        steps.append(
            {
                "method": "update",
                "label": str(d),
                "args": [{"y": fits[i]}, {"title.text": title(d)}, list(range(2, 2 + len(fits[i])))],
            }
        )
    _layout(
        fig,
        height + 20,
        title={"text": title(sweep["degrees"][active]), "x": 0, "y": 0.985, "yanchor": "top", "font": {"size": 13}},
        margin={"l": 10, "r": 10, "t": 58, "b": 10},
    )
    fig.update_layout(
        sliders=[
            {
                "active": active,
                "steps": steps,
                "currentvalue": {"prefix": "Degree ", "font": {"size": 12}},
                "y": -0.2,
                "yanchor": "top",
                "pad": {"t": 0},
                "transition": {"duration": 0},
            }
        ],
        # above the plot, under the title: below it the legend would sit on the slider's ticks
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "font": {"size": 11}},
    )
    fig.update_yaxes(range=[-2.2, 2.2])
    return fig


def biasvar_curves_figure(sweep: Mapping[str, Any], height: int = 300) -> go.Figure:
    """Train and test error, bias² and variance against the degree (log scale)."""
    d = sweep["degrees"]
    fig = go.Figure(
        [
            go.Scatter(x=d, y=sweep["train_mse"], name="train error", line={"color": "#94A3B8"}),
            go.Scatter(x=d, y=sweep["test_mse"], name="test error", line={"color": "#0F172A", "width": 3}),
            go.Scatter(x=d, y=sweep["bias2"], name="bias²", line={"color": "#2563EB", "dash": "dash"}),
            go.Scatter(x=d, y=sweep["variance"], name="variance", line={"color": "#DC2626", "dash": "dash"}),
        ]
    )
    fig.add_hline(y=sweep["noise"], line_dash="dot", line_color="#64748B", annotation_text="noise floor σ²")
    fig.update_yaxes(type="log", title_text="mean squared error")
    fig.update_xaxes(title_text="polynomial degree (capacity)", dtick=1)
    return _layout(fig, height)


def confidence_figure(sweep: Mapping[str, Any], height: int = 280) -> go.Figure:
    """Gradient size on the logits against the probability given to the right class."""
    fig = go.Figure(
        [
            go.Scatter(x=sweep["p_right"], y=sweep["cross_entropy"], name="cross-entropy", line={"color": "#2563EB"}),
            go.Scatter(x=sweep["p_right"], y=sweep["mse"], name="MSE on softmax", line={"color": "#DC2626"}),
        ]
    )
    fig.update_xaxes(
        type="log", title_text="probability given to the right class (confidently wrong ←)", exponentformat="power"
    )
    fig.update_yaxes(type="log", title_text="‖∂loss/∂logits‖", exponentformat="power")
    return _layout(fig, height)


def temperature_figure(table: Mapping[str, Any], active: int, classes: Sequence[str], height: int = 280) -> go.Figure:
    """Softmax probabilities of fixed logits; the figure's slider sets the temperature."""
    probs, temps, ent = table["probs"], table["temperatures"], table["entropy"]
    fig = go.Figure(go.Bar(x=list(classes), y=probs[active], marker_color="#2563EB"))

    def title(i: int) -> str:
        return f"T = {temps[i]:g}: top class {max(probs[i]):.1%}, entropy {ent[i]:.2f} of ln 10 = {math.log(10):.2f}"

    steps = [
        {"method": "update", "label": f"{t:g}", "args": [{"y": [probs[i]]}, {"title.text": title(i)}]}
        for i, t in enumerate(temps)
    ]
    _layout(fig, height, title={"text": title(active), "x": 0, "font": {"size": 13}})
    fig.update_layout(
        sliders=[
            {
                "active": active,
                "steps": steps,
                "currentvalue": {"prefix": "Temperature ", "font": {"size": 12}},
                "y": -0.18,
                "yanchor": "top",
                "pad": {"t": 0},
                "transition": {"duration": 0},
                "font": {"size": 9},
            }
        ]
    )
    fig.update_yaxes(range=[0, 1], title_text="softmax probability")
    return fig


def embedding_figure(
    snapshots: Sequence[Mapping[str, Any]],
    labels: Sequence[int],
    active: int | None = None,
    height: int = 420,
    title: str = "",
) -> go.Figure:
    """Test digits in the learned plane, coloured by class, with a Play button and a slider over training steps."""
    active = len(snapshots) - 1 if active is None else active

    def traces(snap: Mapping[str, Any]) -> list[go.Scatter]:
        pts = snap["points"]
        out = []
        for c in range(10):
            sel = [p for p, y in zip(pts, labels, strict=False) if y == c]
            out.append(
                go.Scatter(
                    x=[p[0] for p in sel],
                    y=[p[1] for p in sel],
                    mode="markers",
                    name=str(c),
                    marker={"size": 5, "color": DIGIT_COLOURS[c], "opacity": 0.8},
                )
            )
        return out

    def heading(snap: Mapping[str, Any]) -> str:
        return f"{title}step {snap['step']}: recall@1 {snap['recall']:.1%}"

    fig = go.Figure(traces(snapshots[active]))
    fig.frames = [go.Frame(name=str(s["step"]), data=traces(s), layout={"title.text": heading(s)}) for s in snapshots]
    steps = [
        {
            "method": "animate",
            "label": str(s["step"]),
            "args": [
                [str(s["step"])],
                {"frame": {"duration": 0, "redraw": True}, "mode": "immediate", "transition": {"duration": 0}},
            ],
        }
        for s in snapshots
    ]
    _layout(fig, height, title={"text": heading(snapshots[active]), "x": 0, "font": {"size": 13}})
    fig.update_layout(
        legend={"orientation": "v", "x": 1.02, "y": 1, "title": {"text": "digit"}},
        sliders=[
            {
                "active": active,
                "steps": steps,
                "currentvalue": {"prefix": "Training step ", "font": {"size": 12}},
                "x": 0.16,
                "len": 0.84,
                "y": -0.06,
                "yanchor": "top",
                "pad": {"t": 28},  # below the x axis's tick labels
                "transition": {"duration": 0},
            }
        ],
        updatemenus=[
            {
                "type": "buttons",
                "x": 0,
                "y": -0.06,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"t": 44},  # level with the slider's track, clear of the tick labels and its label
                "buttons": [
                    {
                        "label": "▶ Play",
                        "method": "animate",
                        "args": [
                            None,
                            {
                                "frame": {"duration": 250, "redraw": True},
                                "fromcurrent": False,
                                "transition": {"duration": 200},
                            },
                        ],
                    }
                ],
            }
        ],
    )
    fig.update_xaxes(title_text=None, zeroline=False)
    fig.update_yaxes(title_text=None, zeroline=False)
    return fig
