"""The upsampling panel: the same 4x super-resolution learned with stride-2 transposed convolutions and with
resize-then-convolve, next to nearest, bilinear and bicubic, with the checkerboard energy of each output. Training
again runs in the background (:func:`ui.compute.start`), with progress and a Stop button; its result is kept for the
session."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from demos.registry import Lab
from ui.compute import Progress, start, watch
from ui.labs.conv_common import PLOT_CONFIG, device, device_label, figure, missing, shipped, where
from ui.state import kept, recall, remember

LIVE_STEPS = 120
NAMES = {
    "transposed": "Transposed conv",
    "resize-conv": "Resize + conv",
    "nearest": "Nearest",
    "bilinear": "Bilinear",
    "bicubic": "Bicubic",
}


def image_row(images: list[tuple[str, list[list[int]]]], height: int = 190) -> go.Figure:
    fig = make_subplots(1, len(images), subplot_titles=[t for t, _ in images], horizontal_spacing=0.015)
    for col, (_, img) in enumerate(images, start=1):
        fig.add_trace(go.Heatmap(z=img, colorscale="gray", zmin=0, zmax=255, showscale=False, hoverinfo="skip"), 1, col)
        fig.update_xaxes(visible=False, row=1, col=col)
        fig.update_yaxes(visible=False, autorange="reversed", scaleanchor=f"x{col if col > 1 else ''}", row=1, col=col)
    fig.update_annotations(font_size=12)
    fig.update_layout(height=height, margin={"l": 0, "r": 0, "t": 24, "b": 0})
    return fig


def crop(img: list[list[int]], size: int = 48) -> list[list[int]]:
    """The centre ``size`` x ``size`` of an image (a close look where the pattern shows)."""
    top, left = (len(img) - size) // 2, (len(img[0]) - size) // 2
    return [row[left : left + size] for row in img[top : top + size]]


def train_run(progress: Progress, *, seed: int, steps: int, dev: Any) -> dict[str, Any]:
    """Train both learned upsamplers, run in the background (:func:`ui.compute.start`): reports every step, so a
    Stop ends the run at the next one. Returns :func:`demos.conv.upsampling.compare`'s result and the seconds."""
    from demos.conv.upsampling import Config, compare

    config = Config(steps=steps, seed=seed)
    t0 = time.perf_counter()
    progress(0.0, "Loading scikit-image's photos…")
    order = {"transposed": 0, "resize-conv": 1}

    def on_step(method: str, step: int, loss: float) -> None:
        progress((order[method] + step / config.steps) / 2, f"{NAMES[method]}: step {step} · loss {loss:.4f}")

    result = compare(config, dev, on_step)
    return {**result, "seconds": round(time.perf_counter() - t0, 1)}


def panel(lab: Lab, key: str) -> None:
    record = shipped("upsampling")
    c1, c2 = st.columns([1, 2], vertical_alignment="bottom")
    seed = c1.number_input("Seed", 0, 9999, **kept(f"{key}-seed", 1))
    if c2.button(
        f"Train both again live ({LIVE_STEPS} steps each)",
        key=f"{key}-train",
        icon=":material/model_training:",
        help="About 20 s on a 2-core CPU, longer while other learners' runs share it.",
    ):
        start(f"{key}-job", "the upsamplers", partial(train_run, seed=int(seed or 0), steps=LIVE_STEPS, dev=device()))
    run = watch(f"{key}-job")
    if run is not None and run.state == "done":
        remember(f"{key}-live", {**run.result, "device": device_label()})
    live = recall(f"{key}-live")
    data = live or record
    if data is None:
        missing("upsampling")
        return
    learned, classical = data["learned"], data["classical"]
    view = (
        st.segmented_control(
            "Show",
            ["photo", "flat"],
            format_func=lambda v: {"photo": "Held-out photo (close-up)", "flat": "Flat grey input"}[v],
            **kept(f"{key}-view", "photo"),
        )
        or "photo"
    )
    if view == "photo":
        images = [("Target", crop(data["target"]))]
        images += [(NAMES[m], crop(learned[m]["output"])) for m in learned]
        images += [(NAMES["bicubic"], crop(classical["bicubic"]["output"]))]
        fig = image_row(images) if live else figure(("photo", data["created"]), lambda: image_row(images))
        st.plotly_chart(fig, key=f"{key}-img", config=PLOT_CONFIG)
        st.caption(
            "A 48 × 48 close-up of the held-out camera man, upsampled 4× from a 4 × 4-averaged copy. Look for a fine "
            "grid in the transposed-convolution output: its 3 × 3 kernels with stride 2 overlap unevenly, so "
            "neighbouring pixels receive different numbers of kernel taps."
        )
    else:
        flats = [(NAMES[m], learned[m]["flat_output"]) for m in learned]
        if live:
            fig = image_row(flats, height=260)
        else:
            fig = figure(("flat", data["created"]), lambda: image_row(flats, height=260))
        st.plotly_chart(fig, key=f"{key}-flat", config=PLOT_CONFIG)
        st.caption(
            "Both trained networks fed a perfectly flat grey image (each output's contrast stretched to its own "
            "range): any pattern comes from the layers, not the picture. Resize + conv gives a flat output away "
            "from the border, which zero padding shades; the transposed convolution draws a checkerboard."
        )
    rows = [
        {
            "upsampler": NAMES[m],
            "PSNR (dB)": round(v["psnr"], 2),
            "checkerboard energy (output)": f"{v['checkerboard']:.1e}",
            "checkerboard energy (flat input)": f"{v['flat_checkerboard_trained']:.1e}"
            if "flat_checkerboard_trained" in v
            else "–",
        }
        for m, v in [*learned.items(), *classical.items()]
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    cfg = data["config"]
    t, r = learned["transposed"], learned["resize-conv"]
    ratio = t["checkerboard"] / max(r["checkerboard"], 1e-12)
    source = (
        f"Trained just now in {live['seconds']} s on {live['device']}."
        if live
        else where(data)
        + f" The figures show this shipped run; the live button trains a shorter one ({LIVE_STEPS} steps)."
    )
    st.caption(
        f"Checkerboard energy: the share of an image's energy (mean removed, 8-pixel border cut) in the three "
        f"patterns that repeat every 2 pixels; the target photo has {data['target_checkerboard']:.1e}. After "
        f"{cfg['steps']} training steps (seed {cfg['seed']}) the transposed network's output carries {ratio:.0f}× the "
        f"resize-conv network's, with the same {t['parameters']:,} weights. The classical upsamplers are the notes' "
        f"Program #2. " + source
    )
