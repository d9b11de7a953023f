"""Figures and texts of the transfer-learning lab, built from plain records (JSON rows, lists): no Streamlit, no
torch, so the card panel and the lab page share them and they are tested on their own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

DATASET_LABELS = {"mnist": "MNIST digits", "fashion": "Fashion-MNIST clothes"}
STRATEGY_LABELS = {
    "frozen": "Frozen ImageNet features + linear head",
    "last-block": "Fine-tune the last block",
    "full": "Fine-tune everything (backbone LR ÷10)",
    "scratch": "MobileNetV2 from scratch",
    "tiny-cnn": "Tiny CNN from scratch (baseline)",
}
SHORT_LABELS = {
    "frozen": "frozen features",
    "last-block": "last block fine-tuned",
    "full": "all fine-tuned",
    "scratch": "from scratch",
    "tiny-cnn": "tiny CNN",
}
COLOURS = {"frozen": "#4C6EF5", "last-block": "#15AABF", "full": "#7950F2", "scratch": "#F76707", "tiny-cnn": "#868E96"}
LABEL_ORDER = ("1", "5", "10", "50", "all")  # the sweep's x axis: labelled images per class


def sweep_figure(
    summary: Sequence[Mapping[str, Any]],
    dataset: str,
    live: Sequence[Mapping[str, Any]] = (),
    height: int = 380,
    marked: int | str | None = None,
) -> go.Figure:
    """Mean test accuracy against labelled images per class, one line per strategy (bars: lowest and highest
    seed), from a sweep record's ``summary`` rows of ``dataset`` (augmentation off). ``live`` rows (``strategy``,
    ``labels_per_class``, ``accuracy``) are drawn on top as stars: a run the learner just made. ``marked`` (a label
    count) draws a dashed vertical line there: the count the next live run will use."""
    fig = go.Figure()
    for strategy, name in STRATEGY_LABELS.items():
        rows = [r for r in summary if r["dataset"] == dataset and r["strategy"] == strategy and not r["augment"]]
        rows = sorted(rows, key=lambda r: LABEL_ORDER.index(str(r["labels_per_class"])))
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
            name=name,
            mode="lines+markers",
            line={"color": COLOURS[strategy], "dash": "dot" if strategy == "tiny-cnn" else "solid"},
            legendgroup=strategy,
        )
    for row in live:
        strategy = str(row["strategy"])
        fig.add_scatter(
            x=[str(row["labels_per_class"])],
            y=[row["accuracy"]],
            mode="markers",
            marker={"symbol": "star", "size": 15, "color": COLOURS[strategy], "line": {"width": 1, "color": "black"}},
            name=f"your run: {SHORT_LABELS[strategy]}",
            legendgroup=strategy,
        )
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": "labelled images per class", "type": "category", "categoryorder": "array"},
        yaxis={"title": "test accuracy", "range": [0, 1], "tickformat": ".0%"},
        legend={"orientation": "h", "y": -0.25, "font": {"size": 11}},
    )
    fig.update_xaxes(categoryarray=list(LABEL_ORDER))
    if marked is not None and str(marked) in LABEL_ORDER:
        at = LABEL_ORDER.index(str(marked))  # a category's position: a digit string would read as a position too
        fig.add_shape(
            type="line",
            x0=at,
            x1=at,
            y0=0,
            y1=1,
            yref="paper",
            line={"color": "#495057", "width": 1.5, "dash": "dash"},
            name="next live run",
        )
        fig.add_annotation(
            x=at,
            y=0,  # at the foot, clear of the strong curves near the top
            yref="paper",
            text="your next run",
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            font={"size": 11, "color": "#495057"},
        )
    return fig


def ranking_sentence(summary: Sequence[Mapping[str, Any]], dataset: str, labels: int | str) -> str:
    """The strategies of ``dataset`` at ``labels`` per class, best first, with their mean test accuracy
    (augmentation off), as one sentence read from the sweep record; empty when it has no such rows."""
    rows = [
        r for r in summary if r["dataset"] == dataset and str(r["labels_per_class"]) == str(labels) and not r["augment"]
    ]
    rows = sorted(rows, key=lambda r: -float(r["mean"]))
    if not rows:
        return ""
    ranked = ", ".join(f"{SHORT_LABELS[r['strategy']]} {r['mean']:.1%}" for r in rows)
    return f"At {labels} per class, best first: {ranked}."


def curve_figure(points: Sequence[Mapping[str, Any]], strategy: str) -> go.Figure:
    """A live run's learning curve: training loss per epoch and, on the right axis, test accuracy where it was
    scored. ``points`` are ``{"epoch", "train_loss", "test_accuracy" (or None)}``."""
    fig = go.Figure()
    fig.add_scatter(
        x=[p["epoch"] for p in points],
        y=[p["train_loss"] for p in points],
        name="training loss",
        line={"color": "#ADB5BD"},
    )
    scored = [p for p in points if p["test_accuracy"] is not None]
    fig.add_scatter(
        x=[p["epoch"] for p in scored],
        y=[p["test_accuracy"] for p in scored],
        name="test accuracy",
        yaxis="y2",
        mode="lines+markers",
        line={"color": COLOURS[strategy]},
    )
    fig.update_layout(
        height=220,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": "epoch"},
        yaxis={"title": "loss", "rangemode": "tozero"},
        yaxis2={
            "title": "accuracy",
            "overlaying": "y",
            "side": "right",
            "range": [0, 1],
            "tickformat": ".0%",
            "showgrid": False,  # the loss axis draws the grid; two unaligned grids are noise
        },
        legend={"orientation": "h", "y": 1.18},
    )
    return fig


def projection_figure(
    coords: Sequence[Sequence[float]], labels: Sequence[int], names: Sequence[str], title: str
) -> go.Figure:
    """A 2-D PCA of pooled features, one colour per true class: ``coords (N, 2)``, ``labels (N,)``."""
    fig = go.Figure()
    for c, name in enumerate(names):
        pts = [xy for xy, y in zip(coords, labels, strict=True) if y == c]
        fig.add_scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], mode="markers", name=name, marker={"size": 6})
    fig.update_layout(
        title=title,
        height=340,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        xaxis={"title": "PC 1"},
        yaxis={"title": "PC 2"},
    )
    return fig


def missing_runs(data: Mapping[str, Any]) -> list[str]:
    """The (dataset, strategy, labels, seed) runs a sweep record lacks, in words; empty when it is complete."""
    rows = data.get("rows", [])
    datasets = [d for d in DATASET_LABELS if any(r["dataset"] == d for r in rows)]
    seeds = sorted({r["seed"] for r in rows})
    have = {(r["dataset"], r["strategy"], str(r["labels_per_class"]), r["seed"]) for r in rows}
    return [
        f"{DATASET_LABELS[d]} · {STRATEGY_LABELS[s]} · {n} labels · seed {seed}"
        for d in datasets
        for s in STRATEGY_LABELS
        for n in LABEL_ORDER
        for seed in seeds
        if (d, s, n, seed) not in have
    ]


def sweep_caption(data: Mapping[str, Any]) -> str:
    """What the sweep curves are and where they were measured, from the record itself."""
    runs = data.get("runs", [])
    hw = runs[0].get("hardware", {}) if runs else {}
    seeds = sorted({r["seed"] for r in data.get("rows", [])})
    images = {r.get("config", {}).get("test_images") for r in runs} - {None}
    test = f"{next(iter(images)):,}" if len(images) == 1 else "1,000"
    return (
        f"Mean over seeds {', '.join(map(str, seeds))} (bars: lowest and highest seed) on the {test} fixed test "
        f"images. Measured by `python -m demos.transfer sweep` on a {hw.get('cpu', '?')} CPU with "
        f"{hw.get('torch_threads', '?')} torch thread per run, partly while the machine was shared with other jobs "
        "(the seconds in the record are upper bounds)."
    )


def live_rows(record: Mapping[str, Any] | None, dataset: str) -> list[dict[str, Any]]:
    """The star markers for a kept live run (``{"dataset", "results": [summary, ...]}``) on ``dataset``'s figure."""
    if not record or record.get("dataset") != dataset:
        return []
    return [
        {"strategy": r["strategy"], "labels_per_class": r["labels_per_class"] or "all", "accuracy": r["accuracy"]}
        for r in record["results"]
    ]
