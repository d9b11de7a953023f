"""What the sequence and generative lab panels share: their shipped results, the device, live runs that queue
fairly, run in the background and can be stopped, and digit images as plotly figures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from demos.records import Store
from ui import compute
from ui.compute import Progress

COLOURS = {
    "rnn": "#E4572E",
    "gru": "#29335C",
    "lstm": "#17BEBB",
    "transformer": "#A23B72",
    "transformer-start": "#D4A5C4",
    "seq2seq": "#E4572E",
    "attention": "#17BEBB",
    "pca": "#7F7F7F",
    "linear": "#F3A712",
    "mlp": "#29335C",
    "vae": "#17BEBB",
    "pixel": "#B0B0B0",
    "minilm": "#29335C",
    "skipgram": "#E4572E",
}
DIGIT_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
FIG = {"displayModeBar": False}


@st.cache_data(show_spinner=False)
def shipped(family: str, name: str) -> dict[str, Any]:
    """A lab's shipped result (``demos/<family>/results/<name>.json``), read once per server."""
    return Store(family).result(name)


@st.cache_resource(show_spinner="Loading PyTorch…")
def device() -> Any:
    from demos.common import pick_device

    return pick_device("auto")


def device_label() -> str:
    from demos.common import label

    return str(label(device()))


def start_live(key: str, what: str, fn: Callable[[Progress], Any]) -> None:
    """Start the panel's live run: ``fn(progress)`` goes to a background thread once a training slot is free
    (:func:`ui.compute.start`); ``progress(fraction, text)`` moves its bar and ends it at the next call after a
    Stop. ``fn`` must not call Streamlit (read the device and data before starting it)."""
    compute.start(f"{key}-job", what, fn)


def live_result(key: str) -> Any | None:
    """Draw the panel's live run here (place in line, progress bar, Stop: :func:`ui.compute.watch`) and return
    its result once it has finished; None before that, and after a Stop or a failure (which it reports)."""
    run = compute.watch(f"{key}-job")
    return run.result if run is not None and run.state == "done" else None


def digits_figure(
    rows: list[list[list[float]]],
    row_labels: list[str],
    col_labels: list[str] | None = None,
    height: int | None = None,
) -> go.Figure:
    """A grid of 28 x 28 digit images: ``rows[r][c]`` is a flat list of 784 pixels in [0, 1]."""
    import numpy as np

    n_rows, n_cols = len(rows), max(len(r) for r in rows)
    canvas = np.ones((n_rows * 30, n_cols * 30))
    for r, row in enumerate(rows):
        for c, pixels in enumerate(row):
            canvas[r * 30 + 1 : r * 30 + 29, c * 30 + 1 : c * 30 + 29] = 1 - np.clip(
                np.asarray(pixels).reshape(28, 28), 0, 1
            )
    fig = go.Figure(go.Heatmap(z=canvas[::-1], colorscale="gray", zmin=0, zmax=1, showscale=False, hoverinfo="skip"))
    fig.update_xaxes(
        showgrid=False,
        zeroline=False,
        tickvals=[c * 30 + 15 for c in range(n_cols)] if col_labels else [],
        ticktext=col_labels or [],
        side="top",
    )
    fig.update_yaxes(
        showgrid=False,
        zeroline=False,
        tickvals=[(n_rows - 1 - r) * 30 + 15 for r in range(n_rows)],
        ticktext=row_labels,
        scaleanchor="x",
    )
    fig.update_layout(
        height=height or 40 + 34 * n_rows * max(1, 12 // max(n_cols, 1)),
        margin={"l": 10, "r": 10, "t": 30 if col_labels else 10, "b": 10},
        plot_bgcolor="white",
    )
    return fig


def unpack_int8(b64: str, shape: tuple[int, ...]) -> Any:
    """A shipped int8 array (base64 of its bytes) as float32 numpy of ``shape`` (no torch)."""
    import base64

    import numpy as np

    return np.frombuffer(base64.b64decode(b64), dtype=np.int8).reshape(shape).astype(np.float32)


def unpack_images(b64: str, count: int) -> Any:
    """Shipped digit images (uint8 0..255, base64) as float32 numpy ``(count, 784)`` in [0, 1] (no torch)."""
    import base64

    import numpy as np

    return np.frombuffer(base64.b64decode(b64), dtype=np.uint8).reshape(count, 784).astype(np.float32) / 255


def small_layout(fig: go.Figure, title: str | None = None, height: int = 300, **kwargs: Any) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 14}} if title else None,
        height=height,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        legend={"orientation": "h", "y": -0.3, "yanchor": "top", "x": 0},
        plot_bgcolor="white",
        **kwargs,
    )
    fig.update_xaxes(gridcolor="#EEE")
    fig.update_yaxes(gridcolor="#EEE")
    return fig
