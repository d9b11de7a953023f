"""The convolution-arithmetic panel: a sliding window you can animate, receptive fields two ways, a causal stack,
and a real CNN's shapes layer by layer.

The window, the formula and every preset come from plain Python or the shipped record (no torch); a stack the
learner types in is measured live by the gradient of one output unit (torch, cached).
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from demos.conv.arithmetic import (
    conv_reads,
    field_table,
    output_size,
    receptive_field,
    transposed_output_size,
    transposed_reads,
)
from demos.registry import Lab
from ui.labs.conv_common import PLOT_CONFIG, device_label, figure, missing, shipped, where
from ui.state import kept

BASE_COLOURS = ["#DBEAFE", "#F1F5F9"]  # an input value, a zero (padding or inserted)
READ_VALUE, READ_ZERO, CURRENT = "#1D4ED8", "#93C5FD", "#059669"
FIG_WIDTH = 640


# ------------------------------------------------------------------------------------------------ window


def window_frames(
    n: int, kernel: int, stride: int, padding: int, dilation: int, transposed: bool, output_padding: int
) -> dict[str, Any]:
    """Per axis: the grid the window slides over (1 where a cell holds an input value, 0 for a zero), and for each
    output index the grid cells it reads. Raises ValueError for a setting torch would refuse."""
    if transposed:
        cells, reads = transposed_reads(n, kernel, stride, padding, output_padding, dilation)
        size = transposed_output_size(n, kernel, stride, padding, output_padding, dilation)
        grid = [1 if c >= 0 else 0 for c in cells]
    else:
        size = output_size(n, kernel, stride, padding, dilation)
        reads = [[r + padding for r in row] for row in conv_reads(n, kernel, stride, padding, dilation)]
        grid = [1 if padding <= t < padding + n else 0 for t in range(n + 2 * padding)]
    return {"grid": grid, "reads": reads, "size": size}


def window_figure(axis: dict[str, Any], transposed: bool) -> go.Figure:
    """Input grid (left) and output grid (right) with one animation frame per output pixel: the cells that pixel
    reads are filled dark blue (a value) or light blue (a zero), the pixel itself green."""
    grid, reads, size = axis["grid"], axis["reads"], axis["size"]
    length = len(grid)
    fig = make_subplots(
        1, 2, column_widths=[length, size], horizontal_spacing=0.06, subplot_titles=("Input", f"Output {size}×{size}")
    )
    base = [[1 - (grid[r] and grid[c]) for c in range(length)] for r in range(length)]
    fig.add_trace(
        go.Heatmap(
            z=base,
            colorscale=[[0, BASE_COLOURS[0]], [1, BASE_COLOURS[1]]],
            zmin=0,
            zmax=1,
            showscale=False,
            xgap=2,
            ygap=2,
            hoverinfo="skip",
        ),
        1,
        1,
    )
    fig.add_trace(
        go.Heatmap(
            z=[[0] * size for _ in range(size)],
            colorscale=[[0, "#F1F5F9"], [1, "#F1F5F9"]],
            showscale=False,
            xgap=2,
            ygap=2,
            hoverinfo="skip",
        ),
        1,
        2,
    )
    span = FIG_WIDTH - 60
    cell_px = span * 0.94 / (length + size)
    marker = {"symbol": "square", "size": max(4.0, cell_px * 0.78), "line": {"width": 0}}

    def frame_data(i: int, j: int) -> list[go.Scatter]:
        xs, ys, colours = [], [], []
        for r in reads[i]:
            for c in reads[j]:
                ys.append(r)
                xs.append(c)
                colours.append(READ_VALUE if grid[r] and grid[c] else READ_ZERO)
        return [
            go.Scatter(x=xs, y=ys, mode="markers", marker={**marker, "color": colours}, hoverinfo="skip"),
            go.Scatter(x=[j], y=[i], mode="markers", marker={**marker, "color": CURRENT}, hoverinfo="skip"),
        ]

    first = frame_data(0, 0)
    fig.add_trace(first[0], 1, 1)
    fig.add_trace(first[1], 1, 2)
    positions = [(i, j) for i in range(size) for j in range(size)]
    fig.frames = [go.Frame(data=frame_data(i, j), traces=[2, 3], name=f"{i},{j}") for i, j in positions]
    fig.update_layout(
        width=FIG_WIDTH,
        height=round(span * 0.94 * max(length, size) / (length + size)) + 150,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        showlegend=False,
        plot_bgcolor="white",
        sliders=[
            {
                "active": 0,
                "currentvalue": {"prefix": "Output pixel (row, column): "},
                "pad": {"t": 30},
                "len": 0.8,
                "x": 0.2,
                "steps": [
                    {
                        "label": name,
                        "method": "animate",
                        "args": [[name], {"mode": "immediate", "frame": {"duration": 0, "redraw": False}}],
                    }
                    for name in (f"{i},{j}" for i, j in positions)
                ],
            }
        ],
        updatemenus=[
            {
                "type": "buttons",
                "x": 0.0,
                "y": 0,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"t": 40},
                "buttons": [
                    {
                        "label": "▶ Play",
                        "method": "animate",
                        "args": [None, {"frame": {"duration": 350, "redraw": False}, "fromcurrent": True}],
                    },
                    {
                        "label": "❚❚",
                        "method": "animate",
                        "args": [[None], {"mode": "immediate", "frame": {"duration": 0, "redraw": False}}],
                    },
                ],
            }
        ],
    )
    for col in (1, 2):
        fig.update_xaxes(visible=False, row=1, col=col, constrain="domain")
        fig.update_yaxes(visible=False, autorange="reversed", row=1, col=col, scaleanchor=f"x{'' if col == 1 else 2}")
    return fig


def window_tab(key: str) -> None:
    c1, c2, c3 = st.columns(3)
    transposed = c1.toggle(
        "Transposed", help="Upsampling: the stride spreads the input apart", **kept(f"{key}-tr", False)
    )
    n = c2.slider("Input size", 2, 5 if transposed else 8, **kept(f"{key}-n", 5))
    kernel = c3.slider("Kernel", 1, 4, **kept(f"{key}-k", 3))
    c4, c5, c6 = st.columns(3)
    stride = c4.slider("Stride", 1, 3, **kept(f"{key}-s", 2 if transposed else 1))
    padding = c5.slider("Padding", 0, 3, **kept(f"{key}-p", 0))
    dilation = c6.slider("Dilation", 1, 3, **kept(f"{key}-d", 1))
    output_padding = 0
    if transposed and max(stride, dilation) > 1:
        output_padding = st.slider("Output padding", 0, max(stride, dilation) - 1, **kept(f"{key}-op", 0))
    setting = (min(n, 5) if transposed else n, kernel, stride, padding, dilation, transposed, output_padding)
    try:
        axis = window_frames(*setting)
    except ValueError as exc:
        st.warning(f"torch would refuse this layer: {exc}.", icon=":material/block:")
        return
    fig = figure(("window", *setting), lambda: window_figure(axis, transposed))
    st.plotly_chart(fig, key=f"{key}-win", width="content", config=PLOT_CONFIG)
    k_eff = dilation * (kernel - 1) + 1
    if transposed:
        st.caption(
            f"A transposed convolution drawn as the ordinary convolution it equals: the {n} input values (blue) get "
            f"{stride - 1} zero(s) between them and {dilation * (kernel - 1) - padding} zero(s) of padding around "
            f"(grey), and a {kernel}×{kernel} window slides with stride 1. Output size (n − 1)·s − 2p + d(k − 1) + "
            f"output padding + 1 = **{axis['size']}**. Press ▶ or drag the slider; dark blue cells are input values "
            "the green output pixel reads, light blue ones are zeros it reads."
        )
    else:
        st.caption(
            f"The window spans {k_eff} input pixels (kernel {kernel}, dilation {dilation}) and jumps {stride} at a "
            f"time over the input padded with {padding} zero(s) (grey). Output size ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1"
            f" = ⌊({n} + {2 * padding} − {dilation * (kernel - 1)} − 1)/{stride}⌋ + 1 = **{axis['size']}** (also "
            "for pooling). Press ▶ or drag the slider: dark blue cells are the pixels the green output reads."
        )


# ------------------------------------------------------------------------------------------------ fields


@st.cache_data(max_entries=64, show_spinner="Measuring the gradient of one output unit…")
def measured_field(layers: tuple[tuple[int, int, int], ...]) -> dict[str, Any]:
    from demos.conv.records import field_row

    return field_row([{"kernel": k, "stride": s, "dilation": d} for k, s, d in layers])


def profile_figure(profile: list[float], formula: int, extent: int) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=list(range(len(profile))),
            y=profile,
            marker_color=["#1D4ED8" if v > 0 else "#E2E8F0" for v in profile],
            hovertemplate="input pixel %{x}: %{y:.3f} of the largest gradient<extra></extra>",
        )
    )
    fig.add_vrect(x0=-0.5, x1=formula - 0.5, fillcolor="#FDE68A", opacity=0.25, line_width=0, layer="below")
    fig.update_layout(
        height=220,
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        title={"text": f"Formula {formula} px · gradient reaches {extent} px", "font": {"size": 14}},
        xaxis_title="input pixel (along one axis)",
        yaxis_title="gradient",
        bargap=0.05,
    )
    return fig


def growth_figure(depths: list[dict[str, Any]]) -> go.Figure:
    x = list(range(1, len(depths) + 1))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=[d["formula"] for d in depths], name="formula", mode="lines", line_color="#D97706"))
    fig.add_trace(go.Scatter(x=x, y=[d["extent"] for d in depths], name="gradient", mode="markers", marker={"size": 9}))
    fig.update_layout(
        height=220,
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        title={"text": "Receptive field after each layer", "font": {"size": 14}},
        xaxis_title="layers",
        yaxis_title="pixels",
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
    )
    return fig


def field_tab(key: str) -> None:
    record = shipped("arithmetic")
    if record is None:
        missing("arithmetic")
        return
    stacks = record["stacks"]
    options = [*stacks, "custom"]
    labels = {k: v["title"] for k, v in stacks.items()} | {"custom": "Your own stack (measured live)"}
    choice = st.selectbox("Stack", options, format_func=lambda v: labels[v], **kept(f"{key}-stack", "3x3")) or "3x3"
    if choice == "custom":
        rows = st.data_editor(
            [
                {"kernel": 3, "stride": 1, "dilation": 1},
                {"kernel": 3, "stride": 2, "dilation": 1},
                {"kernel": 3, "stride": 1, "dilation": 2},
            ],
            num_rows="dynamic",
            key=f"{key}-layers",
            column_config={
                name: st.column_config.NumberColumn(name, min_value=1, max_value=lim, step=1, required=True)
                for name, lim in (("kernel", 15), ("stride", 4), ("dilation", 16))
            },
        )
        layers = tuple((int(r["kernel"]), int(r["stride"]), int(r["dilation"])) for r in rows if all(r.values()))
        if not layers:
            st.info("Add at least one layer.")
            return
        try:
            formula = receptive_field([{"kernel": k, "stride": s, "dilation": d} for k, s, d in layers])
        except ValueError as exc:
            st.warning(str(exc))
            return
        if formula > 4096:
            st.warning(f"That field is {formula:,} pixels wide; keep it under 4,096 to measure it here.")
            return
        got = measured_field(layers)
        st.plotly_chart(
            profile_figure(got["profile"], got["formula"], got["extent"]), key=f"{key}-prof", config=PLOT_CONFIG
        )
        st.caption(
            f"Formula: **{formula}** pixels. Gradient of one output unit (all weights 1, computed on "
            f"{device_label()}): it reaches **{got['pixels_reached']}** of the **{got['extent']}** pixels its field "
            "spans"
            + (" — dilation left holes the formula does not see." if got["pixels_reached"] < got["extent"] else ".")
        )
        return
    stack = stacks[choice]
    depth = st.slider("Layers", 1, len(stack["layers"]), **kept(f"{key}-depth-{choice}", min(3, len(stack["layers"]))))
    row = stack["depths"][depth - 1]
    formula = receptive_field(stack["layers"][:depth])  # computed here, in plain Python
    left, right = st.columns(2)
    made = record["created"]
    prof = figure(("profile", made, choice, depth), lambda: profile_figure(row["profile"], formula, row["extent"]))
    left.plotly_chart(prof, key=f"{key}-prof", config=PLOT_CONFIG)
    growth = figure(("growth", made, choice), lambda: growth_figure(stack["depths"]))
    right.plotly_chart(growth, key=f"{key}-growth", config=PLOT_CONFIG)
    table = field_table(stack["layers"][:depth])
    st.caption(
        f"After {depth} layer(s) ({', '.join(stack['names'][:depth])}): the formula r += d·(k − 1)·jump; jump ×= s "
        f"gives **{formula}** pixels and the gradient of one output unit with respect to the input reaches "
        f"**{row['extent']}** (left: how strongly each input pixel reaches the unit, shaded where the formula says "
        f"the field is; the bell shape is why the *effective* field is smaller). Right: the field against depth, "
        f"both ways. Jump after the last layer: {table[-1]['jump']} input pixels between neighbouring units. "
        + where(record, timed=False)
    )


# ------------------------------------------------------------------------------------------------ causal


def causal_figure(jac: list[list[float]], title: str) -> go.Figure:
    """The Jacobian as a heatmap on a log colour scale (influence spans orders of magnitude); exact zeros blank."""
    t = len(jac)
    top = max(max(row) for row in jac) or 1.0
    fig = go.Figure(
        go.Heatmap(
            z=[[math.log10(v / top) if v > 0 else None for v in row] for row in jac],
            customdata=jac,
            colorscale="Blues",
            zmin=-4,
            zmax=0,
            showscale=False,
            xgap=1,
            ygap=1,
            hovertemplate="output step %{y}, input step %{x}: |∂y/∂x| %{customdata:.3g}<extra></extra>",
        )
    )
    fig.add_shape(type="line", x0=-0.5, y0=-0.5, x1=t - 0.5, y1=t - 0.5, line={"color": "#DC2626", "dash": "dot"})
    fig.update_layout(
        width=460,
        height=440,
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        title={"text": title, "font": {"size": 14}},
        xaxis={"title": "input step", "range": [-0.5, t - 0.5], "constrain": "domain"},
        yaxis={"title": "output step", "range": [t - 0.5, -0.5], "scaleanchor": "x", "constrain": "domain"},
        plot_bgcolor="white",
    )
    return fig


def causal_tab(key: str) -> None:
    record = shipped("arithmetic")
    if record is None:
        missing("arithmetic")
        return
    c = record["causal"]
    mode = (
        st.segmented_control(
            "Padding",
            ["causal", "centred"],
            format_func=lambda v: {"causal": "Left only (causal)", "centred": "Both sides"}[v],
            **kept(f"{key}-causal", "causal"),
        )
        or "causal"
    )
    jac = c[mode]
    future = sum(v > 0 for t, row in enumerate(jac) for v in row[t + 1 :])
    title = f"{len(c['dilations'])} layers, kernel {c['kernel']}, dilations {c['dilations']}"
    fig = figure(("causal", record["created"], mode), lambda: causal_figure(jac, title))
    st.plotly_chart(fig, key=f"{key}-jac", width="content", config=PLOT_CONFIG)
    st.caption(
        f"Row t: how much output step t moves when each input step moves (|∂y_t/∂x_p|, darker is stronger on a "
        f"log scale; white is exactly 0). "
        f"Right of the red diagonal is the future. Padding on the left only keeps it empty (**{future}** future "
        f"inputs reach any output) while each output still sees {c['field']} steps back, thanks to dilation; "
        f"padding both sides lets outputs read the future. " + where(record, timed=False)
    )


# ------------------------------------------------------------------------------------------------ shapes


def shapes_tab(key: str) -> None:
    record = shipped("arithmetic")
    if record is None:
        missing("arithmetic")
        return
    rows = record["cnn_table"]
    st.dataframe(
        [
            {
                "Layer": f"{r['layer']} · {r['type']}",
                "Output shape": " × ".join(map(str, r["output_shape"])),
                "Values": r["values"],
                "Parameters": r["parameters"],
                "Field (px)": r["field"],
            }
            for r in rows
        ],
        hide_index=True,
        width="stretch",
        height=min(38 * (len(rows) + 1), 460),
    )
    total = sum(r["parameters"] for r in rows)
    fc = next(r for r in rows if r["type"] == "Linear")
    st.caption(
        f"Program #5's 3 × 3 network on a 1 × 28 × 28 image (channels × height × width), as torch's forward hooks "
        f"report it. Flatten turns the last 32 × 7 × 7 volume into one vector of 1,568 values; the fully "
        f"connected layer on it holds {fc['parameters']:,} of the {total:,} parameters."
    )
    v = record["video"]
    t = st.slider("Temporal extent T of an 11 × 11 × T filter (frames)", 1, v["frames"], **kept(f"{key}-t", 3))
    r = v["rows"][t - 1]
    same = r["torch_shape"] == r["formula_shape"]
    st.markdown(
        f"Over a {v['frames']}-frame RGB clip ({v['channels']} × {v['frames']} × {v['side']} × {v['side']}), "
        f"{v['filters']} filters of 11 × 11 × {t} with spatial stride {v['stride']}: torch's Conv3d gives "
        f"**{' × '.join(map(str, r['torch_shape']))}** "
        f"({'the same as' if same else 'NOT the same as'} output_size per axis), with {r['parameters']:,} parameters."
    )
    st.caption(
        "The filter slides in time as well as space, carving out a volume with a time axis; at T = 15 it spans the "
        "whole clip and time collapses to one step (early fusion). Every axis follows the same output-size formula."
    )


VIEWS = {
    "window": ("Sliding window", window_tab),
    "field": ("Receptive field", field_tab),
    "causal": ("Causal", causal_tab),
    "shapes": ("Shapes", shapes_tab),
}


def panel(lab: Lab, key: str) -> None:
    # One view at a time (not tabs, which would build every figure on every rerun): a move redraws one view.
    view = (
        st.segmented_control(
            "View",
            list(VIEWS),
            format_func=lambda v: VIEWS[v][0],
            label_visibility="collapsed",
            **kept(f"{key}-view", "window"),
        )
        or "window"
    )
    VIEWS[view][1](f"{key}-{view[0]}")
