"""The efficient-blocks panel: each cheap block against the layer it replaces (counted from real modules), and the
notes' Program #5 (3 x 3 against 1 x 7 / 7 x 1 filters), shipped and trainable live for a short run (in the
background, through :func:`ui.compute.start`, with progress and a Stop button; the result is kept for the session)."""

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

LIVE = {"train_images": 2000, "test_images": 2000, "epochs": 2}  # about 15 s for both networks on two CPU cores
LIVE_HELP = (
    f"Trains both networks on {LIVE['train_images']:,} images for {LIVE['epochs']} epochs: about 15 s on a 2-core "
    "CPU, longer while other learners' runs share it."
)
BIG, SMALL = "#94A3B8", "#2563EB"


def pair_figure(pair: dict[str, Any]) -> go.Figure:
    fig = make_subplots(1, 3, subplot_titles=("Weights", "Multiply-adds", "Forward ms"), horizontal_spacing=0.12)
    for col, (field, scale) in enumerate((("parameters", 1), ("macs", 1e6), ("ms", 1)), start=1):
        for side, colour in (("big", BIG), ("small", SMALL)):
            value = pair[side][field] / scale
            fig.add_trace(
                go.Bar(
                    x=[pair[side]["block"]],
                    y=[value],
                    marker_color=colour,
                    text=[f"{value:,.0f}" if field != "ms" else f"{value:.2f}"],
                    textposition="outside",
                    cliponaxis=False,
                    hovertemplate=f"{pair[side]['block']}: %{{y:,.3g}}<extra></extra>",
                ),
                1,
                col,
            )
        fig.update_xaxes(showticklabels=False, row=1, col=col)
    fig.update_yaxes(title_text="millions", row=1, col=2)
    fig.update_layout(height=240, margin={"l": 10, "r": 10, "t": 40, "b": 10}, showlegend=False)
    return fig


@st.cache_data(max_entries=16, show_spinner="Building both blocks, counting and timing them…")
def compare_now(pair_id: str, channels: int) -> dict[str, Any]:
    from demos.conv.blocks import PAIRS, compare

    pair = next(p for p in PAIRS if p.id == pair_id)
    return compare(pair, channels, 56, device())


def blocks_part(key: str) -> None:
    record = shipped("blocks")
    if record is None:
        missing("blocks")
        return
    pairs = {p["id"]: p for p in record["pairs"]}
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    choice = (
        c1.selectbox(
            "Compare", list(pairs), format_func=lambda i: pairs[i]["title"], **kept(f"{key}-pair", "7x7-vs-3x3x3")
        )
        or "7x7-vs-3x3x3"
    )
    channels = c2.selectbox("Channels C", (16, 32, 64, 128), **kept(f"{key}-c", record["channels"]))
    pair = pairs[choice] if channels == record["channels"] else compare_now(choice, int(channels or 64))
    fig = figure(("pair", choice, channels, pair["big"]["ms"], pair["small"]["ms"]), lambda: pair_figure(pair))
    st.plotly_chart(fig, key=f"{key}-fig", config=PLOT_CONFIG)
    same = pair["big"]["field"] == pair["small"]["field"]
    source = where(record) if pair is pairs.get(choice) else f"Computed just now on {device_label()}."
    fields = "×".join(map(str, pair["small"]["field"]))
    field_text = f"the same {fields}" if same else f"{fields} against {'×'.join(map(str, pair['big']['field']))}"
    st.caption(
        f"Grey: {pair['big']['block']}; blue: {pair['small']['block']}, both C → C = {pair['channels']} channels on "
        f"a {pair['size']} × {pair['size']} input. Weights are counted from the modules, multiply-adds by hooks on "
        f"every convolution. The replacement has {pair['parameter_ratio']:.0%} of the weights and "
        f"{pair['mac_ratio']:.0%} of the multiply-adds, and its receptive field, measured by gradient, is "
        f"{field_text}. Forward time ratio {pair['time_ratio']:.2f}. " + source
    )


# ------------------------------------------------------------------------------------------------ Program #5


def program5_figure(runs: dict[str, Any]) -> go.Figure:
    fig = go.Figure()
    for colour, run in zip((SMALL, "#D97706"), runs.values(), strict=False):
        fig.add_trace(
            go.Bar(
                x=["train accuracy", "test accuracy"],
                y=[run["train_accuracy"], run["test_accuracy"]],
                name=f"{run['filters']} ({run['parameters']:,} weights)",
                marker_color=colour,
                text=[f"{run['train_accuracy']:.1%}", f"{run['test_accuracy']:.1%}"],
                textposition="outside",
                cliponaxis=False,
            )
        )
    low = min(min(r["train_accuracy"], r["test_accuracy"]) for r in runs.values())
    fig.update_layout(
        height=250,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        barmode="group",
        yaxis={"range": [max(0.0, low - 0.1), 1.0], "tickformat": ".0%"},
        legend={"orientation": "h", "y": 1.12, "x": 0},
    )
    return fig


def program5_run(progress: Progress, *, seed: int, sizes: dict[str, int], dev: Any) -> dict[str, Any]:
    """Train both networks briefly, run in the background (:func:`ui.compute.start`): reports every batch, so a
    Stop ends the run at the next one. Returns :func:`demos.conv.program5.run`'s result and the seconds taken."""
    from demos.conv.program5 import Config, run
    from demos.conv.program5 import Progress as Step

    t0 = time.perf_counter()
    progress(0.0, "Loading Fashion-MNIST…")

    def on_progress(p: Step) -> None:
        done = (0 if p.kind == "3x3" else 1) + p.step / p.steps
        progress(done / 2, f"{p.kind}: step {p.step}/{p.steps} · loss {p.loss:.3f}")

    result = run(Config(seed=seed, **sizes), dev, on_progress)
    return {**result, "seconds": round(time.perf_counter() - t0, 1)}


def program5_part(key: str) -> None:
    record = shipped("program5")
    st.markdown("**Program #5: 3 × 3 against 1 × 7 then 7 × 1 filters**")
    c1, c2 = st.columns([1, 2], vertical_alignment="bottom")
    seed = c1.number_input("Seed", 0, 9999, **kept(f"{key}-seed", 1))
    if c2.button(
        "Train both live (a shorter run)",
        key=f"{key}-train",
        icon=":material/model_training:",
        help=LIVE_HELP,
    ):
        start(f"{key}-job", "Program #5", partial(program5_run, seed=int(seed or 0), sizes=dict(LIVE), dev=device()))
    run = watch(f"{key}-job")
    if run is not None and run.state == "done":
        remember(f"{key}-live", {**run.result, "device": device_label()})
    live = recall(f"{key}-live")
    shown = live or record
    if shown is None:
        missing("program5")
        return
    if live:  # a live run is drawn fresh; the shipped one once per server
        fig = program5_figure(shown["runs"])
    else:
        fig = figure(("program5", shown["created"]), lambda: program5_figure(shown["runs"]))
    st.plotly_chart(fig, key=f"{key}-p5", config=PLOT_CONFIG)
    cfg = shown["config"]
    runs = list(shown["runs"].values())
    gap = runs[0]["test_accuracy"] - runs[1]["test_accuracy"]
    text = (
        f"Two CNNs identical but for their filters, trained on {cfg['train_images']:,} Fashion-MNIST images for "
        f"{cfg['epochs']} epoch(s) (seed {cfg['seed']}), tested on {cfg['test_images']:,} held-out images. The "
        f"1 × 7/7 × 1 network has {runs[1]['parameters']:,} weights against {runs[0]['parameters']:,} and a test "
        f"accuracy {abs(gap):.1%} {'lower' if gap > 0 else 'higher'}. "
    )
    if live:
        text += f"Trained just now in {live['seconds']} s on {live['device']}."
    else:
        assert record is not None
        text += where(record) + (
            f" The chart shows this shipped run; the live button trains a shorter one ({LIVE['train_images']:,} "
            f"images, {LIVE['epochs']} epochs, about 15 s on a 2-core CPU)."
        )
    st.caption(text)


def panel(lab: Lab, key: str) -> None:
    blocks_part(f"{key}-b")
    program5_part(f"{key}-p")
