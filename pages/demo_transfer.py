"""Transfer learning demo: ImageNet MobileNetV2 features against training from scratch, trained live."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from ui.boot import ensure_router
from ui.widgets import lab_header

ensure_router()

SWEEP_JSON = Path(__file__).resolve().parent.parent / "demos" / "transfer" / "results" / "sweep.json"
DATASET_LABELS = {"mnist": "MNIST digits", "fashion": "Fashion-MNIST clothes"}
STRATEGY_LABELS = {
    "frozen": "Frozen ImageNet features + linear head",
    "last-block": "Fine-tune the last block",
    "full": "Fine-tune everything (backbone LR ÷10)",
    "scratch": "MobileNetV2 from scratch",
    "tiny-cnn": "Tiny CNN from scratch (baseline)",
}
COLOURS = {"frozen": "#4C6EF5", "last-block": "#15AABF", "full": "#7950F2", "scratch": "#F76707", "tiny-cnn": "#868E96"}
LABEL_OPTIONS: list[Any] = [1, 5, 10, 50, "all"]
EPOCH_OPTIONS: list[Any] = ["auto", 5, 10, 20, 40, 60]


@st.cache_resource
def compute_device() -> Any:
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@st.cache_resource
def dataset_status() -> dict[str, bool]:
    from demos.transfer.data import DATASETS, available

    return {d: available(d) for d in DATASETS}


@st.cache_data
def sweep_data() -> dict[str, Any] | None:
    return json.loads(SWEEP_JSON.read_text()) if SWEEP_JSON.is_file() else None


@st.cache_resource
def test_images(dataset: str) -> Any:
    from demos.transfer.train import cached_split

    return cached_split(dataset).test_images.numpy()  # (T, 28, 28) uint8


def train_live(config: dict[str, Any], device: Any, slot: Any) -> dict[str, Any]:
    """Run one strategy, drawing its progress bar and learning curve into ``slot`` as it trains."""
    from demos.transfer.train import Progress, RunConfig, run

    with slot.container(border=True):
        st.markdown(f"**{STRATEGY_LABELS[config['strategy']]}**")
        bar = st.progress(0.0, text="Loading data and the ImageNet weights…")
        chart = st.empty()
    points: list[Any] = []
    last_draw = [0.0]

    def on_progress(p: Progress) -> None:
        if p.point is None:
            bar.progress(0.0, text=f"Features ready; training {p.epochs} epochs…")
            return
        points.append(p.point)
        bar.progress(p.epoch / p.epochs, text=f"Epoch {p.epoch}/{p.epochs} · loss {p.point.train_loss:.3f}")
        if time.monotonic() - last_draw[0] > 0.4 or p.epoch == p.epochs:
            last_draw[0] = time.monotonic()
            chart.plotly_chart(curve_figure(points, config["strategy"]), key=f"live-{config['strategy']}-{p.epoch}")

    result = run(RunConfig(**config), device, on_progress=on_progress, projection_size=300)
    bar.progress(1.0, text=f"Done: test accuracy {result.accuracy:.1%} in {result.seconds:.1f} s")
    return {
        "summary": result.summary(),
        "predictions": result.predictions.numpy(),
        "labels": result.test_labels.numpy(),
        "projection": None
        if result.projection is None
        else {
            "before": result.projection.before.numpy(),
            "after": result.projection.after.numpy(),
            "variance": result.projection.variance,
            "labels": result.projection.labels.numpy(),
        },
    }


def curve_figure(points: list[Any], strategy: str) -> go.Figure:
    epochs = [p.epoch for p in points]
    fig = go.Figure()
    fig.add_scatter(x=epochs, y=[p.train_loss for p in points], name="training loss", line={"color": "#ADB5BD"})
    scored = [p for p in points if p.test_accuracy is not None]
    fig.add_scatter(
        x=[p.epoch for p in scored],
        y=[p.test_accuracy for p in scored],
        name="test accuracy (250 images)",
        yaxis="y2",
        mode="lines+markers",
        line={"color": COLOURS[strategy]},
    )
    fig.update_layout(
        height=240,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": "epoch"},
        yaxis={"title": "loss", "rangemode": "tozero"},
        yaxis2={
            "title": "accuracy",
            "overlaying": "y",
            "side": "right",
            "range": [0, 1],
            "tickvals": [0, 0.25, 0.5, 0.75, 1],
            "tickformat": ".0%",
            "showgrid": False,  # the loss axis draws the grid; two unaligned grids are noise
        },
        legend={"orientation": "h", "y": 1.15},
    )
    return fig


def projection_figure(coords: Any, labels: Any, names: tuple[str, ...], title: str) -> go.Figure:
    fig = go.Figure()
    for c, name in enumerate(names):
        mask = labels == c
        fig.add_scatter(x=coords[mask, 0], y=coords[mask, 1], mode="markers", name=name, marker={"size": 6})
    fig.update_layout(
        title=title,
        height=360,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        xaxis={"title": "PC 1"},
        yaxis={"title": "PC 2"},
    )
    return fig


def show_results(results: list[dict[str, Any]], names: tuple[str, ...]) -> None:
    st.subheader("Final test accuracy")
    cols = st.columns(len(results))
    for col, r in zip(cols, results, strict=True):
        s = r["summary"]
        col.metric(STRATEGY_LABELS[s["strategy"]], f"{s['accuracy']:.1%}")
        col.caption(
            f"{s['n_train']} labelled images · {s['epochs']} epochs · {s['trainable_params']:,} of "
            f"{s['total_params']:,} weights trained · {s['seconds']:.1f} s"
            + (f" (features {s['extract_seconds']:.1f} s)" if s["strategy"] in ("frozen", "last-block") else "")
        )
    first = results[0]["summary"]
    st.caption(
        f"Scored on the fixed {first['n_test']:,} held-out test images of {DATASET_LABELS[first['dataset']]}; "
        f"seed {first['seed']}. Rerun one: `python -m demos.transfer run --dataset {first['dataset']} "
        f"--labels-per-class {first['labels_per_class'] or 'all'} --strategy {first['strategy']} "
        f"--seed {first['seed']}{' --augment' if first['augment'] else ''} --json`."
    )

    st.subheader("Features before and after training")
    pick = st.radio(
        "Strategy",
        [r["summary"]["strategy"] for r in results],
        format_func=lambda s: STRATEGY_LABELS[s],
        horizontal=True,
        key="proj-pick",
    )
    chosen = next(r for r in results if r["summary"]["strategy"] == pick)
    proj = chosen["projection"]
    if proj is not None:
        (vb, va) = proj["variance"]
        left, right = st.columns(2)
        before = "ImageNet weights" if pick in ("frozen", "last-block", "full") else "random initial weights"
        left.plotly_chart(
            projection_figure(
                proj["before"], proj["labels"], names, f"Before: {before} ({vb[0] + vb[1]:.0%} of variance)"
            ),
            key="proj-before",
        )
        right.plotly_chart(
            projection_figure(
                proj["after"], proj["labels"], names, f"After training ({va[0] + va[1]:.0%} of variance)"
            ),
            key="proj-after",
        )
        st.caption(
            "PCA (computed in torch) of the pooled features of 300 test images, coloured by true class. "
            "The frozen strategy never changes its features, so its two plots are identical: only the linear "
            "head on top learns. Fine-tuning moves the features themselves and usually pulls classes apart."
        )

    st.subheader("Misclassified test images")
    images = test_images(first["dataset"])
    wrong = [i for i, (p, y) in enumerate(zip(chosen["predictions"], chosen["labels"], strict=True)) if p != y]
    st.caption(f"{STRATEGY_LABELS[pick]}: {len(wrong)} of {len(chosen['labels'])} test images wrong; the first 16:")
    cols = st.columns(8)
    for k, i in enumerate(wrong[:16]):
        cols[k % 8].image(
            images[i], caption=f"{names[chosen['labels'][i]]} → {names[chosen['predictions'][i]]}", width=72
        )


def sweep_figure(data: dict[str, Any], dataset: str) -> go.Figure:
    order = [str(x) for x in LABEL_OPTIONS]
    fig = go.Figure()
    for strategy, label in STRATEGY_LABELS.items():
        rows = [
            r for r in data["summary"] if r["dataset"] == dataset and r["strategy"] == strategy and not r["augment"]
        ]
        rows.sort(key=lambda r: order.index(str(r["labels_per_class"])))
        if not rows:
            continue
        fig.add_scatter(
            x=[str(r["labels_per_class"]) for r in rows],
            y=[r["mean"] for r in rows],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [r["max"] - r["mean"] for r in rows],
                "arrayminus": [r["mean"] - r["min"] for r in rows],
            },
            name=label,
            mode="lines+markers",
            line={"color": COLOURS[strategy], "dash": "dot" if strategy == "tiny-cnn" else "solid"},
        )
    fig.update_layout(
        height=380,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={
            "title": "labelled images per class",
            "type": "category",
            "categoryorder": "array",
            "categoryarray": order,
        },
        yaxis={"title": "test accuracy", "range": [0, 1], "tickformat": ".0%"},
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


device = compute_device()
from demos.common import label as device_label  # noqa: E402  (torch is loaded by now)

lab_header("transfer", device_label(device))
st.markdown(
    "The notes: *“You need a lot of data if you want to train CNNs — train on ImageNet / download a pre-trained "
    "model — treat it as a feature extractor — freeze the network and retrain the top layer — works better for "
    "similar types of data.”* Here a real MobileNetV2 trained on ImageNet (torchvision's weights, checked by "
    "sha256, never downloaded) meets greyscale digits and clothes it has never seen, with only a handful of "
    "labels per class, against the same network trained from scratch and a tiny CNN."
)


@st.fragment
def trainer() -> None:
    status = dataset_status()
    c1, c2, c3 = st.columns([1.1, 1.4, 1])
    dataset = c1.selectbox(
        "Dataset",
        list(DATASET_LABELS),
        format_func=lambda d: DATASET_LABELS[d] + ("" if status.get(d) else " (not installed)"),
    )
    labels = c2.select_slider("Labelled images per class", LABEL_OPTIONS, value=10)
    epochs = c3.select_slider("Epochs", EPOCH_OPTIONS, value="auto")
    c4, c5 = st.columns([2.5, 1])
    strategies = c4.multiselect(
        "Strategies", list(STRATEGY_LABELS), default=["frozen", "scratch"], format_func=lambda s: STRATEGY_LABELS[s]
    )
    augment = c5.toggle(
        "Augmentation", help="Random crop/scale and brightness/contrast jitter; mirror flips for clothes only."
    )
    st.caption(
        "“All” is the whole training pool: 400 images per class. Auto epochs give about 150 optimiser steps. "
        "The frozen head trains in a second once features are cached; from-scratch and full fine-tuning run the "
        "whole network every step (about a minute each at 10 labels per class on a 2-core CPU, seconds on a GPU). "
        "Augmentation flips clothes but never digits: a mirrored 2 or 7 is not a digit."
    )
    if not status.get(dataset):
        st.error(
            f"{DATASET_LABELS[dataset]} is not installed on this machine. Add it with "
            "`apt-get install dataset-fashion-mnist` (as root), then reload the page.",
            icon=":material/dataset:",
        )
        return
    if not strategies:
        st.info("Pick at least one strategy to train.")
        return
    if st.button("Train", type="primary", icon=":material/play_arrow:"):
        from demos.transfer.data import DatasetUnavailable
        from demos.transfer.weights import WeightsError

        slots = [st.empty() for _ in strategies]
        results = []
        try:
            for strategy, slot in zip(strategies, slots, strict=True):
                config = {
                    "dataset": dataset,
                    "labels_per_class": None if labels == "all" else int(labels),
                    "strategy": strategy,
                    "epochs": None if epochs == "auto" else int(epochs),
                    "augment": augment,
                }
                results.append(train_live(config, device, slot))
        except (DatasetUnavailable, WeightsError, ValueError) as exc:
            st.error(str(exc), icon=":material/error:")
            return
        st.session_state["transfer-results"] = results
    results = st.session_state.get("transfer-results")
    if results:
        from demos.transfer.data import CLASS_NAMES

        show_results(results, CLASS_NAMES[results[0]["summary"]["dataset"]])


trainer()

st.divider()
st.subheader("Accuracy against labels per class")
data = sweep_data()
if data is None:
    st.info("No sweep results yet: `python -m demos.transfer sweep` writes demos/transfer/results/sweep.json.")
else:
    datasets = [d for d in DATASET_LABELS if any(r["dataset"] == d for r in data["rows"])]
    for tab, d in zip(st.tabs([DATASET_LABELS[d] for d in datasets]), datasets, strict=True):
        tab.plotly_chart(sweep_figure(data, d), key=f"sweep-{d}")
    runs = data.get("runs", [])
    hw = runs[0]["hardware"] if runs else {}
    seeds = sorted({r["seed"] for r in data["rows"]})
    st.caption(
        f"Mean over seeds {', '.join(map(str, seeds))} (bars: lowest and highest seed), on the 1,000 fixed test "
        f"images. Measured on a {hw.get('cpu', '?')} CPU with {hw.get('torch_threads', '?')} torch thread per "
        "run, partly while the machine was shared with other jobs (the seconds in the JSON are upper bounds)."
    )
    with st.expander(f"The {len(runs)} sweep commands that made these points"):
        st.markdown("\n".join(f"- `{r['command']}`" for r in runs))
    have = {(r["dataset"], r["strategy"], str(r["labels_per_class"]), r["seed"]) for r in data["rows"]}
    missing = [
        f"{DATASET_LABELS.get(d, d)} · {STRATEGY_LABELS.get(s, s)} · {n} labels · seed {seed}"
        for d in datasets
        for s in STRATEGY_LABELS
        for n in ("1", "5", "10", "50", "all")
        for seed in seeds
        if (d, s, n, seed) not in have
    ]
    if missing:
        st.warning(
            f"This sweep is missing {len(missing)} runs (for example {missing[0]}); those points are simply "
            "absent. Rerun the sweep (on a GPU it takes minutes) to fill them in.",
            icon=":material/info:",
        )
