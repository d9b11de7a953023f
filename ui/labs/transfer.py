"""The transfer panel: the shipped accuracy-against-labels curves (no torch), and a short live run of frozen
ImageNet features against the same network from scratch at the learner's label count.

:func:`start_runs` and :func:`watch_runs` are the lab's one live trainer, on :func:`ui.compute.start` and
:func:`ui.compute.watch`: the panel and the full page both run through them (a background run in a fair training
slot, progress and learning curves redrawn twice a second, a Stop button, the result kept for the session).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import streamlit as st

from demos.registry import Lab
from ui.compute import Progress, job, start, watch
from ui.state import kept, recall, remember
from ui.transfer_view import (
    DATASET_LABELS,
    STRATEGY_LABELS,
    curve_figure,
    live_rows,
    projection_figure,
    ranking_sentence,
    sweep_caption,
    sweep_figure,
)

SWEEP = Path(__file__).resolve().parents[2] / "demos" / "transfer" / "results" / "sweep.json"
PANEL_LABELS = [1, 5, 10, 50]  # a live run at these takes about 150 optimiser steps per strategy
PANEL_TEST = 300  # test images the panel's live run scores
SHORT = {"mnist": "MNIST", "fashion": "Fashion-MNIST"}


@st.cache_data(show_spinner=False)
def sweep_record() -> dict[str, Any]:
    return json.loads(SWEEP.read_text())


@st.cache_resource(show_spinner="Loading PyTorch…")
def _device() -> Any:
    from demos.common import pick_device

    return pick_device("auto")


def device_label() -> str:
    """'CPU' or 'CUDA (<GPU>)': where this server's live runs compute (imports torch)."""
    from demos.common import label

    return label(_device())


def start_runs(key: str, what: str, configs: list[dict[str, Any]], projection: int = 0) -> None:
    """Train each config (fields of :class:`demos.transfer.train.RunConfig`) in turn as one live run of
    :func:`ui.compute.start`: in a background thread once a training slot is free, reporting after every
    optimiser step (a Stop ends it there) with the learning curves so far; its result is each run's record
    (:meth:`RunResult.record`). :func:`watch_runs` draws it."""
    device = _device()  # resolved here: the run's thread has no Streamlit context

    def train(progress: Progress) -> list[dict[str, Any]]:
        from demos.transfer.train import RunConfig, steps

        records: list[dict[str, Any]] = []
        curves: dict[str, list[dict[str, Any]]] = {c["strategy"]: [] for c in configs}
        for i, config in enumerate(configs):
            run = steps(RunConfig(**config), device, projection_size=projection)
            while True:
                try:
                    p = next(run)
                except StopIteration as finished:
                    records.append(finished.value.record())
                    break
                if p.point is not None:
                    curves[p.strategy].append(
                        {"epoch": p.epoch, "train_loss": p.point.train_loss, "test_accuracy": p.point.test_accuracy}
                    )
                done = p.step / p.total_steps if p.total_steps else 0.0
                text = f"{STRATEGY_LABELS[p.strategy]}: " + (
                    f"features ready, training {p.epochs} epochs" if p.step == 0 else f"epoch {p.epoch}/{p.epochs}"
                )
                partial = {"curves": {k: list(v) for k, v in curves.items()}, "records": list(records)}
                progress((i + done) / len(configs), text, partial)
        return records

    start(f"{key}-job", what, train)


def _show_curves(key: str, partial: dict[str, Any]) -> None:
    """The live runs' learning curves so far, side by side, and the accuracy of those already finished."""
    finished = {r["strategy"]: r for r in partial["records"]}
    curves = {k: v for k, v in partial["curves"].items() if v}
    for col, (strategy, points) in zip(st.columns(max(len(curves), 1)), curves.items(), strict=False):
        done = f" · done, {finished[strategy]['accuracy']:.1%}" if strategy in finished else ""
        col.caption(f"**{STRATEGY_LABELS[strategy]}**{done}")
        col.plotly_chart(curve_figure(points, strategy), key=f"{key}-curve-{strategy}")


def watch_runs(key: str) -> list[dict[str, Any]] | None:
    """Draw the learner's live run (place in line, progress, Stop, curves so far); its records once it is done."""
    run = watch(f"{key}-job", functools.partial(_show_curves, key))
    return run.result if run is not None and run.state == "done" else None


@st.cache_resource(show_spinner="Loading the test images…")
def _test_images(dataset: str) -> Any:
    from demos.transfer.train import cached_split

    return cached_split(dataset).test_images.numpy()  # (T, 28, 28) uint8


def show_results(key: str, records: list[dict[str, Any]]) -> None:
    """Each run's accuracy, its features before and after training, and the test images it got wrong."""
    from demos.transfer.data import CLASS_NAMES

    first = records[0]
    names = CLASS_NAMES[first["dataset"]]
    for col, r in zip(st.columns(len(records)), records, strict=True):
        col.metric(STRATEGY_LABELS[r["strategy"]], f"{r['accuracy']:.1%}")
        col.caption(
            f"{r['n_train']} labelled images · {r['epochs']} epochs · {r['trainable_params']:,} of "
            f"{r['total_params']:,} weights trained · {r['seconds']:.1f} s on {device_label()}"
        )
    st.caption(
        f"Scored on the fixed {first['n_test']:,} held-out test images of {DATASET_LABELS[first['dataset']]}, seed "
        f"{first['seed']}. Rerun one: `python -m demos.transfer run --dataset {first['dataset']} --labels-per-class "
        f"{first['labels_per_class'] or 'all'} --strategy {first['strategy']} --seed {first['seed']}"
        f"{' --augment' if first['augment'] else ''} --json`."
    )
    pick = st.radio(
        "Features of",
        [r["strategy"] for r in records],
        format_func=STRATEGY_LABELS.__getitem__,
        horizontal=True,
        key=f"{key}-pick",
    )
    chosen = next(r for r in records if r["strategy"] == pick)
    proj = chosen["projection"]
    (vb, va), start = (
        proj["variance"],
        "ImageNet weights" if pick in ("frozen", "last-block", "full") else "random weights",
    )
    left, right = st.columns(2)
    title = f"Before: {start} ({vb[0] + vb[1]:.0%} of variance)"
    left.plotly_chart(projection_figure(proj["before"], proj["labels"], names, title), key=f"{key}-before")
    title = f"After training ({va[0] + va[1]:.0%} of variance)"
    right.plotly_chart(projection_figure(proj["after"], proj["labels"], names, title), key=f"{key}-after")
    st.caption(
        f"PCA (in torch) of the pooled features of {len(proj['labels'])} test images, coloured by true class. The "
        "frozen strategy never changes its features, so its two plots are identical: only the linear head on top "
        "learns. Fine-tuning moves the features themselves and usually pulls the classes apart."
    )
    images = _test_images(first["dataset"])
    wrong = [i for i, (p, y) in enumerate(zip(chosen["predictions"], chosen["labels"], strict=True)) if p != y]
    st.caption(f"{STRATEGY_LABELS[pick]}: {len(wrong)} of {len(chosen['labels'])} test images wrong; the first 16:")
    cols = st.columns(8)
    for k, i in enumerate(wrong[:16]):
        cols[k % 8].image(
            images[i], caption=f"{names[chosen['labels'][i]]} → {names[chosen['predictions'][i]]}", width=72
        )


def panel(lab: Lab, key: str) -> None:
    data = sweep_record()
    datasets = [d for d in DATASET_LABELS if any(r["dataset"] == d for r in data["rows"])]
    dataset = st.segmented_control(
        "Dataset", datasets, format_func=SHORT.__getitem__, **kept(f"{key}-dataset", datasets[0])
    )
    dataset = dataset or datasets[0]
    labels_kw = kept(f"{key}-labels", 10)  # the slider sits under the chart, by the Train button it drives
    labels = st.session_state[f"{key}-labels"]
    finished = job(f"{key}-job")
    if finished is not None and finished.state == "done":
        records = finished.result
        remember(f"{key}-run", {"dataset": records[0]["dataset"], "results": records, "device": device_label()})
    mine = recall(f"{key}-run")
    fig = sweep_figure(data["summary"], dataset, live_rows(mine, dataset), height=340, marked=labels)
    st.plotly_chart(fig, key=f"{key}-sweep", config={"displayModeBar": False})
    tiny = ", and on the digits so does the tiny CNN built for 28×28 images" if dataset == "mnist" else ""
    st.caption(
        f"{DATASET_LABELS[dataset]}: test accuracy of five strategies against the number of labelled training "
        "images per class (the shipped sweep). With few labels, frozen ImageNet features beat the same network "
        "trained from scratch by far, but they are not the best: fine-tuning everything does better at every "
        f"count{tiny}. {ranking_sentence(data['summary'], dataset, labels)} The dashed line marks the label count "
        "of your next live run. " + sweep_caption(data)
    )
    c1, c2 = st.columns(2, vertical_alignment="bottom")
    labels = c1.select_slider("Labelled images per class for your live run", PANEL_LABELS, **labels_kw)
    if c2.button("Train frozen vs scratch", key=f"{key}-train", icon=":material/play_arrow:", type="primary"):
        common = {"dataset": dataset, "labels_per_class": labels, "test_limit": PANEL_TEST, "eval_points": 3}
        start_runs(key, "frozen vs scratch", [{**common, "strategy": "frozen"}, {**common, "strategy": "scratch"}])
    watch_runs(key)
    if mine:
        frozen, scratch = mine["results"]
        st.caption(
            f"Your run (stars), {DATASET_LABELS[mine['dataset']]} with {frozen['n_train']} labelled images "
            f"({frozen['labels_per_class']} per class), scored on the first {frozen['n_test']} test images: frozen "
            f"features **{frozen['accuracy']:.1%}** "
            f"({frozen['seconds']:.1f} s), from scratch **{scratch['accuracy']:.1%}** ({scratch['seconds']:.1f} s), "
            f"computed on {mine['device']}."
        )
    else:
        st.caption(
            f"Train runs both at your label count (about 150 optimiser steps each, scored on {PANEL_TEST} test "
            "images) and puts stars on the curves: the frozen head trains in seconds, the whole network (all 2.2 M "
            "weights, every step) takes longer. Stop ends a run; it goes on while you read another page."
        )
