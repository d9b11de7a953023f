"""The transfer panel: the shipped accuracy-against-labels curves (no torch), and a short live run of frozen
ImageNet features against the same network from scratch at the learner's label count.

A :class:`LiveJob` (:func:`start_live`, then :func:`drive_live` on every rerun) is the one live trainer of the lab:
the panel and the full page both run through it, a slice at a time inside a fair training slot, with a progress
bar and a learning curve per run and a Stop button.
"""

from __future__ import annotations

import json
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

from demos.registry import Lab
from ui.compute import training_slot
from ui.state import kept, recall, remember
from ui.transfer_view import DATASET_LABELS, STRATEGY_LABELS, curve_figure, live_rows, sweep_caption, sweep_figure

SWEEP = Path(__file__).resolve().parents[2] / "demos" / "transfer" / "results" / "sweep.json"
PANEL_LABELS = [1, 5, 10, 50]  # a live run at these takes about 150 optimiser steps per strategy
PANEL_TEST = 300  # test images the panel's live run scores
SHORT = {"mnist": "MNIST", "fashion": "Fashion-MNIST"}
SLICE_S = 1.0  # seconds of training per rerun: how long a Stop click or another learner's run waits at most


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


class LiveJob:
    """Live training of one or more runs (fields of :class:`demos.transfer.train.RunConfig`), advanced a slice
    at a time: each rerun of the panel trains for about :data:`SLICE_S` inside a training slot, draws, and
    reruns. Between slices a Stop click is seen, another learner's run takes its turn, and a learner who opened
    another page finds the run where it was when they come back (it is kept in their session)."""

    def __init__(self, configs: list[dict[str, Any]], projection: int = 0) -> None:
        self.configs = configs
        self.projection = projection  # test images whose features get a PCA before and after training
        self.index = 0  # the run in progress
        self.current: Generator[Any, None, Any] | None = None  # its steps() generator
        self.last: dict[str, Any] = {}  # strategy -> its latest Progress
        self.points: dict[str, list[dict[str, Any]]] = {c["strategy"]: [] for c in configs}
        self.records: list[dict[str, Any]] = []  # finished runs' records

    @property
    def done(self) -> bool:
        return self.index == len(self.configs)

    def advance(self, device: Any, budget_s: float) -> None:
        """Train until ``budget_s`` seconds have passed (at least one step) or every run is finished."""
        from demos.transfer.train import RunConfig, steps

        deadline = time.monotonic() + budget_s
        while not self.done and time.monotonic() < deadline:
            if self.current is None:
                config = RunConfig(**self.configs[self.index])
                self.current = steps(config, device, projection_size=self.projection)
            try:
                p = next(self.current)
            except StopIteration as finished:
                self.records.append(finished.value.record())
                self.current, self.index = None, self.index + 1
                continue
            self.last[p.strategy] = p
            if p.point is not None:
                point = {"epoch": p.epoch, "train_loss": p.point.train_loss, "test_accuracy": p.point.test_accuracy}
                self.points[p.strategy].append(point)

    def draw(self, key: str) -> None:
        """A box per run: its name, a progress bar and its learning curve so far."""
        finished = {r["strategy"]: r for r in self.records}
        for config in self.configs:
            strategy = config["strategy"]
            box = st.container(border=True)
            box.markdown(f"**{STRATEGY_LABELS[strategy]}**")
            p, r = self.last.get(strategy), finished.get(strategy)
            if r is not None:
                box.progress(1.0, text=f"Done: test accuracy {r['accuracy']:.1%} in {r['seconds']:.1f} s")
            elif p is None:
                box.progress(0.0, text="Loading the data and the ImageNet weights, extracting features…")
            elif p.step == 0:
                box.progress(0.0, text=f"Features ready; training {p.epochs} epochs…")
            else:
                loss = f" · loss {self.points[strategy][-1]['train_loss']:.3f}" if self.points[strategy] else ""
                box.progress(p.step / max(p.total_steps, 1), text=f"Epoch {p.epoch}/{p.epochs}{loss}")
            if self.points[strategy]:
                box.plotly_chart(curve_figure(self.points[strategy], strategy), key=f"{key}-curve-{strategy}")


def _stop(key: str) -> None:
    remember(f"{key}-job", None)
    remember(f"{key}-stopped", True)


def _continue() -> None:
    """Rerun just this fragment (or the whole page when the fragment runs as part of a full rerun)."""
    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:
        st.rerun()


def start_live(key: str, configs: list[dict[str, Any]], projection: int = 0) -> None:
    remember(f"{key}-job", LiveJob(configs, projection))
    remember(f"{key}-stopped", False)


def drive_live(key: str, what: str) -> list[dict[str, Any]] | None:
    """Draw the learner's live job and train its next slice inside a fair training slot; rerun until it is
    finished, then return its runs' records (None while there is no job, or when data or weights are missing:
    the message is shown). A Stop button ends it between two slices; nothing half-trained is kept."""
    from demos.transfer.weights import WeightsError

    job: LiveJob | None = recall(f"{key}-job")
    if job is None:
        if recall(f"{key}-stopped", False):
            st.info("Stopped: the run was discarded. Press Train to start again.", icon=":material/stop_circle:")
        return None
    job.draw(key)
    st.button("Stop", key=f"{key}-stop", icon=":material/stop_circle:", on_click=_stop, args=(key,))
    try:
        with training_slot(what):
            job.advance(_device(), SLICE_S)
    except (WeightsError, ValueError) as exc:  # DatasetUnavailable and bad settings are ValueErrors
        remember(f"{key}-job", None)
        st.error(str(exc), icon=":material/error:")
        return None
    if not job.done:
        _continue()
    remember(f"{key}-job", None)
    return job.records


def panel(lab: Lab, key: str) -> None:
    data = sweep_record()
    datasets = [d for d in DATASET_LABELS if any(r["dataset"] == d for r in data["rows"])]
    c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
    dataset = c1.segmented_control(
        "Dataset", datasets, format_func=SHORT.__getitem__, **kept(f"{key}-dataset", datasets[0])
    )
    dataset = dataset or datasets[0]
    labels = c2.select_slider("Labelled images per class", PANEL_LABELS, **kept(f"{key}-labels", 10))
    mine = recall(f"{key}-run")
    fig = sweep_figure(data["summary"], dataset, live_rows(mine, dataset), height=340)
    st.plotly_chart(fig, key=f"{key}-sweep", config={"displayModeBar": False})
    st.caption(
        f"{DATASET_LABELS[dataset]}: test accuracy of five strategies against the number of labelled training "
        "images per class (the shipped sweep). Frozen ImageNet features win with a handful of labels; the network "
        "trained from scratch needs hundreds. " + sweep_caption(data)
    )
    if st.button("Train frozen vs scratch here", key=f"{key}-train", icon=":material/play_arrow:", type="primary"):
        common = {"dataset": dataset, "labels_per_class": labels, "test_limit": PANEL_TEST, "eval_points": 3}
        start_live(key, [{**common, "strategy": "frozen"}, {**common, "strategy": "scratch"}])
    records = drive_live(key, "frozen vs scratch")
    if records is not None:
        remember(f"{key}-run", {"dataset": records[0]["dataset"], "results": records, "device": device_label()})
        _continue()  # draw the curves again, with the new stars
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
            "weights, every step) takes longer. Stop ends a run; on another page it waits, and goes on when you "
            "come back."
        )
