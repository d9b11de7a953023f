"""Panels for computing convolutions: the im2col matrix and the im2col / FFT / library race, and Strassen.

The im2col matrix of a small image is index arithmetic (plain Python); races and Strassen timings are shipped
records, and "Run it now" times one chosen setting live on this machine (torch, cached).
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st

from demos.conv.arithmetic import conv_reads, im2col_shape
from demos.registry import Lab
from ui.labs.conv_common import COLOURS, PLOT_CONFIG, SHARED_CPU, device, device_label, figure, missing, shipped, where
from ui.state import kept

RACE_METHODS = {"im2col": "im2col + matmul", "fft": "FFT", "library": "F.conv2d (library)"}
KERNELS = (3, 5, 7, 9, 11, 15, 21, 31)
IMAGES = (32, 64, 128, 256)


# ------------------------------------------------------------------------------------------------ im2col


def im2col_indices(channels: int, n: int, kernel: int, stride: int) -> list[list[int | None]]:
    """The im2col matrix of a (channels, n, n) image whose pixels are numbered 1, 2, ... (channel by channel, row
    by row): row = (channel, kernel row, kernel column), column = output pixel; each entry is the number of the
    input pixel copied there (the same arithmetic as ``demos.conv.ops.im2col``, without tensors)."""
    reads = conv_reads(n, kernel, stride)
    rows = []
    for c in range(channels):
        for u in range(kernel):
            for v in range(kernel):
                rows.append(
                    [
                        c * n * n + reads[i][u] * n + reads[j][v] + 1
                        for i in range(len(reads))
                        for j in range(len(reads))
                    ]
                )
    return rows  # type: ignore[return-value]


def im2col_figure(matrix: list[list[Any]], n: int, channels: int) -> go.Figure:
    fig = go.Figure(
        go.Heatmap(
            z=matrix,
            text=[[str(v) for v in row] for row in matrix],
            texttemplate="%{text}",
            textfont={"size": 9},
            colorscale="Viridis",
            showscale=False,
            xgap=1,
            ygap=1,
            hovertemplate="weight row %{y}, output pixel %{x}: input pixel %{z}<extra></extra>",
        )
    )
    fig.update_layout(
        height=max(160, 22 * len(matrix) + 60),
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        xaxis_title="one column per output pixel",
        yaxis_title="weight position",
    )
    fig.update_yaxes(autorange="reversed")
    return fig


def race_figure(cells: list[dict[str, Any]], image: int) -> go.Figure:
    row = sorted((c for c in cells if c["image"] == image), key=lambda c: c["kernel"])
    fig = go.Figure()
    for method, name in RACE_METHODS.items():
        pts = [c for c in row if c.get(f"{method}_ms") is not None]
        fig.add_trace(
            go.Scatter(
                x=[c["kernel"] for c in pts],
                y=[c[f"{method}_ms"] for c in pts],
                name=name,
                mode="lines+markers",
                line_color=COLOURS[method],
                hovertemplate=f"{name}, kernel %{{x}}: %{{y:.3g}} ms<extra></extra>",
            )
        )
    skipped = [c for c in row if c.get("im2col_ms") is None]
    for c in skipped:
        fig.add_annotation(
            x=c["kernel"],
            y=1,
            yref="paper",
            text=f"im2col: {c['im2col_mb']:.0f} MB",
            showarrow=False,
            font={"size": 10, "color": COLOURS["im2col"]},
            textangle=-90,
            xanchor="left",
        )
    fig.update_layout(
        height=300,
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        xaxis_title="kernel size K (K × K filter)",
        yaxis={"title": "milliseconds (log)", "type": "log", "dtick": 1},
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
    )
    return fig


def fft_beats(cells: list[dict[str, Any]], image: int, against: str) -> int | None:
    """Smallest kernel from which the FFT is faster than ``against`` at every larger kernel timed (as
    ``demos.conv.race.crossovers``, here without importing torch)."""
    row = sorted((c for c in cells if c["image"] == image and c.get(f"{against}_ms")), key=lambda c: c["kernel"])
    found = None
    for c in reversed(row):
        if c["fft_ms"] >= c[f"{against}_ms"]:
            break
        found = c["kernel"]
    return found


@st.cache_data(max_entries=32, show_spinner="Racing the three methods…")
def race_now(image: int, kernel: int) -> dict[str, Any]:
    from demos.conv.race import time_cell

    return time_cell(image, kernel, device(), repeat=3)


def three_ways_panel(lab: Lab, key: str) -> None:
    st.markdown("**The im2col matrix**")
    c1, c2, c3, c4 = st.columns(4)
    n = c1.slider("Image side", 3, 6, **kept(f"{key}-n", 4))
    kernel = c2.slider("Kernel", 1, min(n, 3), **kept(f"{key}-k", 2))
    stride = c3.slider("Stride", 1, 2, **kept(f"{key}-s", 1))
    channels = c4.slider("Channels", 1, 2, **kept(f"{key}-c", 1))
    matrix = im2col_indices(channels, n, kernel, stride)
    fig = figure(("im2col", channels, n, kernel, stride), lambda: im2col_figure(matrix, n, channels))
    st.plotly_chart(fig, key=f"{key}-m", config=PLOT_CONFIG)
    rows, cols = len(matrix), len(matrix[0])
    big_rows, big_cols = im2col_shape(64, 56, 56, 3, padding=1)
    st.caption(
        f"Input pixels are numbered 1–{channels * n * n}; each column holds the window one output pixel reads, so "
        f"the filters (one row each) times this {rows} × {cols} matrix is the whole convolution in one matrix "
        f"multiply. It stores {rows * cols} values for {channels * n * n} input values "
        f"({rows * cols / (channels * n * n):.1f}×). For a real layer (64 channels, 56 × 56, 3 × 3, padding 1) the "
        f"matrix is {big_rows} × {big_cols:,} = {big_rows * big_cols * 4 / 2**20:.1f} MB in float32 against "
        f"{64 * 56 * 56 * 4 / 2**20:.2f} MB of input."
    )

    st.markdown("**The race: im2col, FFT and the library**")
    record = shipped("race")
    if record is None:
        missing("race")
        return
    image = (
        st.segmented_control("Image side", IMAGES, format_func=lambda v: f"{v} × {v}", **kept(f"{key}-img", 128)) or 128
    )
    fig = figure(("race", record["created"], image), lambda: race_figure(record["cells"], image))
    st.plotly_chart(fig, key=f"{key}-race", config=PLOT_CONFIG)
    cross = record["crossover"].get(str(image))
    beats_library = fft_beats(record["cells"], image, "library")
    st.caption(
        f"One {record['in_channels']}-channel {image} × {image} image, {record['out_channels']} filters of K × K, "
        "stride 1, no padding: the fastest of 5 runs of each method. "
        + (
            f"Here the FFT beats im2col from **K = {cross}** on: its cost depends on the image, not the filter. "
            if cross
            else "Here the FFT never beats im2col at this size. "
        )
        + (
            f"It beats the library's kernel only from K = {beats_library}. "
            if beats_library
            else "It never beats the library's kernel here. "
        )
        + "Labels mark im2col matrices too large to build here (over 256 MB). "
        + where(record)
    )
    c1, c2, c3 = st.columns([2, 2, 1.7], vertical_alignment="bottom")
    live_image = c1.selectbox("Image", IMAGES, index=1, key=f"{key}-li")
    live_kernel = c2.selectbox("Kernel", [k for k in KERNELS if k <= live_image], index=0, key=f"{key}-lk")
    if c3.button("Run it now", key=f"{key}-run", icon=":material/timer:"):
        cell = race_now(live_image, live_kernel)
        times = ", ".join(
            f"{RACE_METHODS[m]} {cell[f'{m}_ms']:.3g} ms" for m in RACE_METHODS if cell.get(f"{m}_ms") is not None
        )
        st.success(f"On {device_label()}: {times}. Fastest: **{RACE_METHODS[cell['fastest']]}**.")


# ------------------------------------------------------------------------------------------------ strassen


@st.cache_data(max_entries=32, show_spinner="Multiplying three ways…")
def strassen_now(n: int, leaf: int) -> dict[str, Any]:
    from demos.conv.records import strassen_point

    return strassen_point(n, leaf, device(), repeat=3)


def depth_figure(points: list[dict[str, Any]]) -> go.Figure:
    depth = [p["strassen"]["depth"] for p in points]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=depth, y=[p["strassen"]["error"] for p in points], name="Strassen", line_color=COLOURS["strassen"])
    )
    fig.add_trace(
        go.Scatter(
            x=depth, y=[p["blocked"]["error"] for p in points], name="schoolbook split", line_color=COLOURS["blocked"]
        )
    )
    fig.add_trace(
        go.Scatter(
            x=depth,
            y=[p["library"]["error"] for p in points],
            name="library a @ b",
            line={"color": COLOURS["library"], "dash": "dot"},
        )
    )
    fig.update_layout(
        height=260,
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
        title={"text": f"float32 error against float64, n = {points[0]['n']}", "font": {"size": 14}},
        xaxis_title="recursion depth",
        yaxis={"title": "relative error (log)", "type": "log", "exponentformat": "power", "dtick": 1},
        legend={"orientation": "h", "y": -0.35},
    )
    return fig


def counts_figure(points: list[dict[str, Any]]) -> go.Figure:
    depth = [p["strassen"]["depth"] for p in points]
    fig = go.Figure()
    for name, colour in (("strassen", COLOURS["strassen"]), ("blocked", COLOURS["blocked"])):
        fig.add_trace(
            go.Bar(
                x=depth,
                y=[p[name]["multiplications"] / p["blocked"]["multiplications"] for p in points],
                name="Strassen" if name == "strassen" else "schoolbook",
                marker_color=colour,
                customdata=[p[name]["leaf_products"] for p in points],
                hovertemplate="depth %{x}: %{y:.3f} of the multiplications, %{customdata} leaf products<extra></extra>",
            )
        )
    fig.update_layout(
        height=260,
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
        title={"text": "Scalar multiplications, counted", "font": {"size": 14}},
        xaxis_title="recursion depth",
        yaxis_title="share of schoolbook",
        barmode="group",
        legend={"orientation": "h", "y": -0.35},
    )
    return fig


def strassen_panel(lab: Lab, key: str) -> None:
    record = shipped("strassen")
    if record is None:
        missing("strassen")
        return
    left, right = st.columns(2)
    counts = figure(("counts", record["created"]), lambda: counts_figure(record["by_depth"]))
    left.plotly_chart(counts, key=f"{key}-counts", config=PLOT_CONFIG)
    errors = figure(("depth", record["created"]), lambda: depth_figure(record["by_depth"]))
    right.plotly_chart(errors, key=f"{key}-err", config=PLOT_CONFIG)
    st.caption(
        "Both recursions split the matrices into 2 × 2 blocks until a block is as small as the leaf. Left: "
        "Strassen's 7 products per level leave (7/8)^depth of the schoolbook's 8 multiplications, counted as the "
        "code ran. Right: the price, its rounding error grows with depth while the schoolbook split's does not."
    )
    rows = [
        {
            "n": p["n"],
            "Strassen ms": p["strassen"]["ms"],
            "schoolbook ms": p["blocked"]["ms"],
            "library ms": p["library"]["ms"],
            "Strassen / library": round(p["strassen"]["ms"] / p["library"]["ms"], 1),
        }
        for p in record["by_size"]
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(
        "Time with 64 × 64 leaves: the library's tuned kernel wins at every size; Strassen's 18 block additions "
        "per level and its memory traffic cost more than the eighth of the multiplications it saves, which is "
        "why libraries rarely use it. " + where(record)
    )
    c1, c2, c3 = st.columns([2, 2, 1.7], vertical_alignment="bottom")
    n = c1.selectbox("Matrix side n", (128, 256, 512, 1024), index=1, key=f"{key}-n")
    leaf = c2.selectbox("Leaf", (16, 32, 64, 128, 256), index=2, key=f"{key}-leaf")
    if c3.button("Run it now", key=f"{key}-run", icon=":material/timer:"):
        if (n // leaf) > 32:
            st.warning("That recursion is too deep to run live (n / leaf above 32); pick a larger leaf.")
            return
        p = strassen_now(n, leaf)
        st.success(
            f"On {device_label()}, n = {n}, leaf {leaf} (depth {p['strassen']['depth']}): Strassen "
            f"{p['strassen']['ms']:.3g} ms, error {p['strassen']['error']:.2e}; schoolbook "
            f"{p['blocked']['ms']:.3g} ms, error {p['blocked']['error']:.2e}; library {p['library']['ms']:.3g} ms, "
            f"error {p['library']['error']:.2e}. "
            f"Strassen did {p['strassen']['leaf_products']:,} leaf products against {p['blocked']['leaf_products']:,}."
            + (f" ({SHARED_CPU}.)" if device().type == "cpu" else "")
        )
