"""Panels for 16-bit arithmetic (formats, rounding error, float16 training with and without loss scaling) and for
GPU throughput (this CPU measured, a GPU curve only from a recorded file)."""

from __future__ import annotations

import math
import time
from functools import partial
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from demos.registry import Lab
from ui.compute import Progress, start, watch
from ui.labs.conv_common import COLOURS, PLOT_CONFIG, SHARED_CPU, device, device_label, figure, missing, shipped, where
from ui.state import kept, recall, remember

FORMATS = ("float32", "float16", "bfloat16")
LIVE_STEPS = 200  # per run; three runs take about 10 s on two CPU cores
LIVE_IMAGES = 4096
MODE_NAMES = {
    "float32": "float32",
    "float16": "float16, no loss scaling",
    "float16-scaled": "float16 + GradScaler",
}


def worst_near(errors: list[float], half_width: int = 6) -> list[float]:
    """For each point, the largest error among its neighbours: the rounding error's envelope rather than its
    value at one sample (which depends on where the sample falls between two representable numbers)."""
    return [max(errors[max(0, i - half_width) : i + half_width + 1]) for i in range(len(errors))]


def cast_figure(cast: dict[str, Any], formats: dict[str, Any]) -> go.Figure:
    fig = go.Figure()
    for name in FORMATS:
        err = [min(e, 1.0) if e == e else 1.0 for e in cast["error"][name]]  # inf (overflow) drawn at 100 %
        fig.add_trace(
            go.Scatter(
                x=cast["values"],
                y=[max(e, 1e-10) for e in worst_near(err)],
                name=name,
                line={"color": COLOURS[name], "width": 2},
                hovertemplate=f"{name}: values near %{{x:.3g}} stored with error up to %{{y:.2g}}<extra></extra>",
            )
        )
    f16 = formats["float16"]
    for x, text in (
        (f16["min_positive"], "float16<br>stores 0<br>below"),
        (f16["min_normal"], "float16<br>subnormal<br>below"),
        (f16["max"], "float16<br>max"),
    ):
        fig.add_vline(x=x, line={"color": COLOURS["float16"], "dash": "dot", "width": 1})
        # on log axes an annotation's position is the log10 of the value (a shape's is the value itself);
        # each label sits just left of its line, in the free band around an error of 1e-5
        fig.add_annotation(
            x=math.log10(x),
            y=-5,
            text=text,
            showarrow=False,
            xanchor="right",
            yanchor="middle",
            xshift=-3,
            align="right",
            font={"size": 10, "color": COLOURS["float16"]},
        )
    fig.update_layout(
        height=280,
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        xaxis={"title": "value stored", "type": "log", "exponentformat": "power", "dtick": 2},
        yaxis={"title": "worst relative rounding error", "type": "log", "exponentformat": "power", "dtick": 2},
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
    )
    return fig


def error_figure(errors: dict[str, Any], op: str) -> go.Figure:
    fig = go.Figure()
    for fmt in (*FORMATS, "int8"):
        fig.add_trace(
            go.Scatter(
                x=errors["sizes"],
                y=errors[op][fmt],
                name=fmt,
                mode="lines+markers",
                line_color=COLOURS[fmt],
                hovertemplate=f"{fmt}, size %{{x}}: %{{y:.2e}}<extra></extra>",
            )
        )
    fig.update_layout(
        height=240,
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        xaxis={
            "title": "n (n × n matrices)" if op == "matmul" else "image side (16 → 16 channels, 3 × 3)",
            "type": "log",
            "tickvals": errors["sizes"],
        },
        yaxis={"title": "error against float64", "type": "log", "exponentformat": "power", "dtick": 1},
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
    )
    return fig


def training_figure(runs: dict[str, Any]) -> go.Figure:
    fig = go.Figure()
    for mode, run in runs.items():
        losses = run["losses"]
        fig.add_trace(
            go.Scatter(
                x=list(range(1, len(losses) + 1)),
                y=losses,
                name=MODE_NAMES[mode],
                line={"color": COLOURS[mode], "width": 1.5},
                hovertemplate=f"{MODE_NAMES[mode]}, step %{{x}}: loss %{{y:.3f}}<extra></extra>",
            )
        )
    fig.add_hline(y=2.3026, line={"dash": "dot", "color": "#64748B"}, annotation_text="chance (ln 10)")
    fig.update_layout(
        height=260,
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        xaxis_title="training step",
        yaxis_title="cross-entropy loss",
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
    )
    return fig


def train_run(progress: Progress, *, seed: int, steps: int, dev: Any) -> dict[str, Any]:
    """The three runs (float32, float16, float16 + GradScaler) one after another, run in the background
    (:func:`ui.compute.start`). Reports every step, with the loss curves so far as the partial result, so a Stop
    ends the run at the next step. Returns ``{"training": {mode: run}, "seconds", "seed"}``."""
    from demos.conv.precision import MODES, TrainConfig, load_train
    from demos.conv.precision import train_run as train_mode

    config = TrainConfig(seed=seed, steps=steps, images=LIVE_IMAGES)
    t0 = time.perf_counter()
    progress(0.0, "Loading Fashion-MNIST…")
    data = load_train(config.images)
    runs: dict[str, Any] = {}
    curves: dict[str, list[float]] = {}
    for i, mode in enumerate(MODES):
        losses: list[float] = []
        curves[mode] = losses

        def on_step(step: int, loss: float, i: int = i, mode: str = mode, losses: list[float] = losses) -> None:
            losses.append(loss)
            text = f"{MODE_NAMES[mode]}: step {step} of {config.steps}"
            progress(
                (i + step / config.steps) / len(MODES),
                text,
                partial={m: {"losses": list(c)} for m, c in curves.items()},
            )

        runs[mode] = train_mode(mode, config, dev, data, on_step)
    return {"training": runs, "seconds": round(time.perf_counter() - t0, 1), "seed": seed}


def live_curves(curves: dict[str, Any], key: str) -> None:
    """The loss curves so far of a live run."""
    st.plotly_chart(training_figure(curves), key=key, config=PLOT_CONFIG)
    st.caption("The loss at each training step so far, redrawn as the three runs train one after another.")


def precision_panel(lab: Lab, key: str) -> None:
    record = shipped("precision")
    if record is None:
        missing("precision")
        return
    f = record["formats"]
    made = record["created"]
    fig = figure(("cast", made), lambda: cast_figure(record["cast"], f))
    st.plotly_chart(fig, key=f"{key}-cast", config=PLOT_CONFIG)
    st.dataframe(
        [
            {
                "format": name,
                "largest": f"{f[name]['max']:.4g}",
                "smallest normal": f"{f[name]['min_normal']:.3g}",
                "smallest non-zero": f"{f[name]['min_positive']:.3g}",
                "gap above 1": f"{f[name]['eps']:.3g}",
            }
            for name in FORMATS
        ],
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "Values from 1e-10 to 1e6 cast to each format and back: the worst relative error nearby is the format's "
        "precision (2^-11 for float16, 2^-8 for bfloat16) until a value is too small, where float16 first loses "
        "digits (subnormal) and then stores 0 (error 100 %), or too large, where it becomes infinity (drawn at "
        "100 %). bfloat16 keeps float32's range with fewer digits. The table's figures were measured by casting "
        "powers of two."
    )
    op = (
        st.segmented_control(
            "Product",
            ["matmul", "conv"],
            format_func=lambda v: {"matmul": "Matrix multiply", "conv": "3 × 3 convolution"}[v],
            **kept(f"{key}-op", "matmul"),
        )
        or "matmul"
    )
    fig = figure(("errors", made, op), lambda: error_figure(record["errors"], op))
    st.plotly_chart(fig, key=f"{key}-err", config=PLOT_CONFIG)
    speed = record["speed"]
    n, ms = speed["sizes"][-1], {fmt: speed["ms"][fmt][-1] for fmt in FORMATS}
    fastest = min(ms, key=ms.__getitem__)
    flags = record.get("cpu_matrix_flags", [])
    units = (
        f"This CPU reports {', '.join(flags)}, so oneDNN can run some 16-bit products on dedicated units"
        if flags
        else "This CPU reports no 16-bit matrix units"
    )
    st.caption(
        "Relative error against the same product in float64, on standard-normal inputs; int8 is dynamic "
        "symmetric quantisation (a scale per tensor from its largest value, exact integer sums). Matmul time "
        f"on this CPU at n = {n}: " + ", ".join(f"{fmt} {ms[fmt]:.3g} ms" for fmt in FORMATS) + f" (fastest: "
        f"{fastest}). {units}; GPUs with tensor cores speed up both 16-bit formats. " + where(record)
    )
    gpu = shipped("gpu_record")
    if gpu:
        g = gpu["matmul_ms_by_format"]
        st.caption(
            f"On {gpu['device']} (recorded by `{gpu['command']}`, {gpu['created'][:10]}), a {g['size']} × {g['size']} "
            "matmul takes " + ", ".join(f"{fmt} {ms:.3g} ms" for fmt, ms in g["ms"].items()) + "."
        )
    else:
        st.caption(
            "No GPU timing per format is recorded yet: `python -m demos.gpu_check --only conv` on a machine with "
            "CUDA records one, and it shows here."
        )
    st.markdown("**float16 training with and without loss scaling**")
    c1, c2 = st.columns([1, 2], vertical_alignment="bottom")
    seed = c1.number_input("Seed", 0, 9999, **kept(f"{key}-seed", 1))
    if c2.button(
        f"Train the three runs live ({LIVE_STEPS} steps each)",
        key=f"{key}-train",
        icon=":material/model_training:",
        help="About 10 s on a 2-core CPU, longer while other learners' runs share it.",
    ):
        run = partial(train_run, seed=int(seed or 0), steps=LIVE_STEPS, dev=device())
        start(f"{key}-job", "the float16 training", run)
    job = watch(f"{key}-job", show_partial=partial(live_curves, key=f"{key}-live-fig"))
    if job is not None and job.state == "done":
        remember(f"{key}-live", {**job.result, "device": device_label()})
    live = recall(f"{key}-live")
    runs = (live or record)["training"]
    fig = training_figure(runs) if live else figure(("training", made), lambda: training_figure(runs))
    st.plotly_chart(fig, key=f"{key}-train-fig", config=PLOT_CONFIG)
    f16, sc = runs["float16"], runs["float16-scaled"]
    zero = sum(f16["first_layer_zero_grad_share"][-20:]) / len(f16["first_layer_zero_grad_share"][-20:])
    how = (
        "emulated on the CPU: every activation and gradient rounded to float16"
        if f16["emulated"]
        else "real float16 kernels"
    )
    st.caption(
        f"An {f16['config']['depth']}-layer sigmoid network on Fashion-MNIST, where gradients shrink layer by layer. "
        f"Without loss scaling {zero:.0%} of the first layer's weight gradients are exactly 0 in float16 (below "
        f"2^-24) and those weights move {f16['first_layer_moved']:.3g}; GradScaler multiplies the loss by "
        f"{sc['final_scale']:,.0f} before backward and divides the gradients after, so they survive ({how}). "
        + (
            f"Trained just now ({f16['config']['steps']} steps on {f16['config']['images']:,} images) in "
            f"{live['seconds']} s on {live['device']}."
            if live
            else where(record, timed=False)
            + f" The chart shows this shipped run ({f16['config']['steps']} steps on {f16['config']['images']:,} "
            f"images); the live button trains a shorter one ({LIVE_STEPS} steps on {LIVE_IMAGES:,} images)."
        )
    )


# ------------------------------------------------------------------------------------------------ GPUs


def throughput_figure(curves: list[tuple[str, list[dict[str, Any]], str, str]], op: str) -> go.Figure:
    fig = go.Figure()
    for name, points, key, colour in curves:
        fig.add_trace(
            go.Scatter(
                x=[p["size"] for p in points],
                y=[p[key] for p in points],
                name=name,
                mode="lines+markers",
                line={"color": colour, "dash": "dot" if "copies" in name else "solid"},
                hovertemplate=f"{name}, size %{{x}}: %{{y:.3g}} GFLOP/s<extra></extra>",
            )
        )
    fig.update_layout(
        height=280,
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        xaxis={
            "title": "n (n × n matrices)" if op == "matmul" else "image side (8 × 64 → 64 channels, 3 × 3)",
            "type": "log",
            "tickvals": sorted({p["size"] for _, points, _, _ in curves for p in points}),
        },
        yaxis={"title": "GFLOP/s (log)", "type": "log", "dtick": 1},
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
    )
    return fig


@st.cache_data(max_entries=32, show_spinner="Timing on this machine…")
def point_now(op: str, size: int) -> dict[str, Any]:
    from demos.conv.throughput import point

    return point(op, size, device(), repeat=5)


def gpus_panel(lab: Lab, key: str) -> None:
    record = shipped("throughput")
    if record is None:
        missing("throughput")
        return
    gpu = shipped("gpu_record")  # written by the GPU check on a CUDA machine; absent until one has run
    op = (
        st.segmented_control(
            "Operation",
            ["matmul", "conv"],
            format_func=lambda v: {"matmul": "Matrix multiply", "conv": "3 × 3 convolution"}[v],
            **kept(f"{key}-op", "matmul"),
        )
        or "matmul"
    )
    curves = [(f"CPU ({record['hardware']['device']})", record[op], "gflops", "#2563EB")]
    if gpu:
        curves += [
            (f"GPU ({gpu['device']})", gpu["throughput"][op], "gflops", "#059669"),
            ("GPU with copies to and from it", gpu["throughput"][op], "gflops_with_copies", "#059669"),
        ]
    made = (record["created"], gpu["created"] if gpu else None, op)
    fig = figure(("throughput", *made), lambda: throughput_figure(curves, op))
    st.plotly_chart(fig, key=f"{key}-fig", config=PLOT_CONFIG)
    text = (
        "Operations per second at each problem size, from the fastest of 7 runs (the others were slowed by "
        "other work on this shared CPU). Small problems cannot keep the arithmetic units busy (call overheads "
        "and memory traffic dominate); large ones approach the hardware's peak. " + where(record)
    )
    if gpu:
        text += f" GPU curve recorded by `{gpu['command']}` on {gpu['device']}, {gpu['created'][:10]}."
    st.caption(text)
    if not gpu:
        st.info(
            "No GPU curve has been recorded yet: this machine has no GPU, and no measurement from one is shipped. "
            "Run `python -m demos.gpu_check --only conv` (or `make gpu-check`) on a machine with CUDA: it writes "
            "demos/conv/results/gpu_record.json, and this chart then shows where the GPU starts to pay off.",
            icon=":material/info:",
        )
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    sizes = [p["size"] for p in record[op]]
    size = c1.select_slider("Size", sizes, value=sizes[len(sizes) // 2], key=f"{key}-size")
    if c2.button("Measure it now", key=f"{key}-run", icon=":material/timer:"):
        p = point_now(op, int(size))
        shipped_point = next(q for q in record[op] if q["size"] == size)
        st.success(
            f"On {device_label()}: {p['gflops']:.3g} GFLOP/s ({p['ms']:.3g} ms) against {shipped_point['gflops']:.3g} "
            f"in the shipped record" + (f" ({SHARED_CPU})." if device().type == "cpu" else ".")
        )
