"""Plotly figures for computed quiz questions (boxes drawn, a layer diagram, bars, a loss curve)."""

from __future__ import annotations

import plotly.graph_objects as go

from demos.questions.core import BarsFigure, BoxesFigure, CurveFigure, Figure, LayersFigure
from demos.questions.svg import PALETTE, label_corner

MARGIN = {"l": 10, "r": 10, "t": 10, "b": 10}


def boxes_figure(fig: BoxesFigure) -> go.Figure:
    out = go.Figure()
    for i, (box, label) in enumerate(zip(fig.boxes, fig.labels, strict=True)):
        x1, y1, x2, y2 = box
        colour = PALETTE[i % len(PALETTE)]
        tag = f"{label} {fig.scores[i]:.2f}" if fig.scores else label
        out.add_trace(
            go.Scatter(
                x=[x1, x2, x2, x1, x1],
                y=[y1, y1, y2, y2, y1],
                mode="lines",
                line={"color": colour, "width": 2},
                name=tag,
                hovertemplate=f"{tag}<br>({x1:g}, {y1:g}, {x2:g}, {y2:g})<extra></extra>",
            )
        )
        x, y, xanchor, yanchor = label_corner(box, i)
        out.add_annotation(
            x=x,
            y=y,
            text=tag,
            showarrow=False,
            xanchor=xanchor,
            yanchor=yanchor,
            font={"color": colour, "size": 13},
            bgcolor="rgba(255,255,255,0.8)",
        )
    out.update_xaxes(range=[0, fig.width], showgrid=False, zeroline=False, constrain="domain")
    out.update_yaxes(range=[fig.height, 0], showgrid=False, zeroline=False, scaleanchor="x")
    out.update_layout(height=300, margin=MARGIN, plot_bgcolor="#F9FAFB", showlegend=False)
    return out


def layers_figure(fig: LayersFigure) -> go.Figure:
    out = go.Figure()
    for i, (name, detail) in enumerate(fig.layers):
        x0 = i * 1.3
        out.add_shape(type="rect", x0=x0, x1=x0 + 1, y0=0, y1=1, fillcolor="#EEF2FF", line={"color": "#4338CA"})
        out.add_annotation(x=x0 + 0.5, y=0.62, text=f"<b>{name}</b>", showarrow=False, font={"size": 13})
        out.add_annotation(x=x0 + 0.5, y=0.3, text=detail, showarrow=False, font={"size": 11, "color": "#4B5563"})
        if i:
            out.add_annotation(
                x=x0 - 0.02,
                y=0.5,
                ax=x0 - 0.28,
                ay=0.5,
                xref="x",
                yref="y",
                axref="x",
                ayref="y",
                showarrow=True,
                arrowhead=2,
                arrowcolor="#6B7280",
                text="",
            )
    out.update_xaxes(visible=False, range=[-0.1, len(fig.layers) * 1.3 - 0.2])
    out.update_yaxes(visible=False, range=[-0.1, 1.1])
    out.update_layout(height=120, margin=MARGIN, plot_bgcolor="white")
    return out


def bars_figure(fig: BarsFigure) -> go.Figure:
    out = go.Figure(go.Bar(x=list(fig.labels), y=list(fig.values), marker_color="#4338CA", text=list(fig.values)))
    out.update_traces(texttemplate="%{text:g}", textposition="outside", cliponaxis=False)
    out.update_layout(height=240, margin={**MARGIN, "t": 24}, yaxis_title=fig.axis, plot_bgcolor="white")
    return out


def curve_figure(fig: CurveFigure) -> go.Figure:
    out = go.Figure(go.Scatter(x=list(fig.xs), y=list(fig.ys), mode="lines", line={"color": "#4338CA"}, name="loss"))
    out.add_trace(
        go.Scatter(
            x=[p[0] for p in fig.points],
            y=[p[1] for p in fig.points],
            mode="markers+text",
            text=[f"{label} (w = {x:g})" for x, _, label in fig.points],
            textposition="top right",
            marker={"color": "#DC2626", "size": 10},
            name="start",
        )
    )
    out.update_layout(
        height=260,
        margin=MARGIN,
        xaxis_title=fig.x_title,
        yaxis_title=fig.y_title,
        showlegend=False,
        plot_bgcolor="white",
    )
    return out


def figure(fig: Figure) -> go.Figure:
    """The plotly figure of a computed question's figure."""
    if isinstance(fig, BoxesFigure):
        return boxes_figure(fig)
    if isinstance(fig, LayersFigure):
        return layers_figure(fig)
    if isinstance(fig, BarsFigure):
        return bars_figure(fig)
    return curve_figure(fig)
