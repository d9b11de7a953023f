"""The transfer panel: the shipped accuracy-against-labels curves (no torch), and a short live run of frozen
ImageNet features against the same network from scratch at the learner's label count.

:func:`train_live` is the one live trainer of the lab: the panel and the full page both run through it, inside a
fair training slot, with a progress bar per run and a Stop button.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import streamlit as st

from demos.registry import Lab
from ui.compute import training_slot
from ui.state import kept, recall, remember
from ui.transfer_view import DATASET_LABELS, STRATEGY_LABELS, curve_figure, live_rows, sweep_caption, sweep_figure

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


class _Progress:
    """One run's box: its name, a progress bar and its learning curve, redrawn at most twice a second."""

    def __init__(self, strategy: str, key: str) -> None:
        box = st.container(border=True)
        box.markdown(f"**{STRATEGY_LABELS[strategy]}**")
        self.bar = box.progress(0.0, text="Loading the data and the ImageNet weights…")
        self.chart = box.empty()
        self.points: list[dict[str, Any]] = []
        self.drawn = 0.0
        self.key = key

    def __call__(self, p: Any) -> None:
        if p.point is None:
            self.bar.progress(0.0, text=f"Features ready; training {p.epochs} epochs…")
            return
        self.points.append({"epoch": p.epoch, "train_loss": p.point.train_loss, "test_accuracy": p.point.test_accuracy})
        self.bar.progress(p.epoch / p.epochs, text=f"Epoch {p.epoch}/{p.epochs} · loss {p.point.train_loss:.3f}")
        if time.monotonic() - self.drawn > 0.5 or p.epoch == p.epochs:
            self.drawn = time.monotonic()
            fig = curve_figure(self.points, p.strategy)
            self.chart.plotly_chart(fig, key=f"{self.key}-live-{p.strategy}-{p.epoch}")


def train_live(configs: list[dict[str, Any]], key: str, what: str, projection: int = 0) -> list[dict[str, Any]] | None:
    """Run each config (fields of :class:`demos.transfer.train.RunConfig`) in turn, inside a training slot, with
    a progress bar and a live learning curve per run and a Stop button; return each run's record
    (:meth:`RunResult.record`), or None when the data or the weights are missing (the message is shown).

    Stop reruns the fragment, which ends this run at its next progress update: nothing half-trained is kept."""
    from demos.transfer.train import RunConfig, run
    from demos.transfer.weights import WeightsError

    stop = st.empty()
    stop.button(
        "Stop", key=f"{key}-stop", icon=":material/stop_circle:", on_click=remember, args=(f"{key}-stopped", True)
    )
    records = []
    with training_slot(what):
        for config in configs:
            live = _Progress(config["strategy"], key)
            try:
                result = run(RunConfig(**config), _device(), on_progress=live, projection_size=projection)
            except (WeightsError, ValueError) as exc:  # DatasetUnavailable and bad settings are ValueErrors
                stop.empty()
                st.error(str(exc), icon=":material/error:")
                return None
            live.bar.progress(1.0, text=f"Done: test accuracy {result.accuracy:.1%} in {result.seconds:.1f} s")
            records.append(result.record())
    stop.empty()
    return records


def panel(lab: Lab, key: str) -> None:
    data = sweep_record()
    datasets = [d for d in DATASET_LABELS if any(r["dataset"] == d for r in data["rows"])]
    c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
    dataset = c1.segmented_control("Dataset", datasets, format_func=SHORT.get, **kept(f"{key}-dataset", datasets[0]))
    dataset = dataset or datasets[0]
    labels = c2.select_slider("Labelled images per class", PANEL_LABELS, **kept(f"{key}-labels", 10))
    figure, words = st.empty(), st.empty()
    stopped = recall(f"{key}-stopped", False)
    remember(f"{key}-stopped", False)
    if st.button("Train frozen vs scratch here", key=f"{key}-train", icon=":material/play_arrow:", type="primary"):
        common = {"dataset": dataset, "labels_per_class": labels, "test_limit": PANEL_TEST, "eval_points": 3}
        configs = [{**common, "strategy": "frozen"}, {**common, "strategy": "scratch"}]
        records = train_live(configs, key, "frozen vs scratch")
        if records is not None:
            remember(f"{key}-run", {"dataset": dataset, "results": records, "device": device_label()})
    elif stopped:
        st.info("Stopped: the run was discarded. Press Train to start again.", icon=":material/stop_circle:")
    mine = recall(f"{key}-run")
    fig = sweep_figure(data["summary"], dataset, live_rows(mine, dataset), height=340)
    figure.plotly_chart(fig, key=f"{key}-sweep", config={"displayModeBar": False})
    words.caption(
        f"{DATASET_LABELS[dataset]}: test accuracy of five strategies against the number of labelled training "
        "images per class (the shipped sweep). Frozen ImageNet features win with a handful of labels; the network "
        "trained from scratch needs hundreds. " + sweep_caption(data)
    )
    if mine:
        frozen, scratch = mine["results"]
        st.caption(
            f"Your run (stars), {DATASET_LABELS[mine['dataset']]} with {frozen['labels_per_class']} labels per "
            f"class, scored on the first {frozen['n_test']} test images: frozen features **{frozen['accuracy']:.1%}** "
            f"({frozen['seconds']:.1f} s), from scratch **{scratch['accuracy']:.1%}** ({scratch['seconds']:.1f} s), "
            f"computed on {mine['device']}."
        )
    else:
        st.caption(
            f"Train runs both at your label count (about 150 optimiser steps each, scored on {PANEL_TEST} test "
            "images) and puts stars on the curves: seconds for the frozen head, ten to thirty for the whole network "
            "on a 2-core CPU."
        )
