"""Transfer learning lab: ImageNet MobileNetV2 features against the same network trained from scratch."""

from __future__ import annotations

from typing import Any

import streamlit as st

from demos.registry import by_name
from ui.boot import ensure_router
from ui.labs.frame import render_panel
from ui.labs.transfer import device_label, start_runs, sweep_record, watch_runs
from ui.state import kept, recall, remember
from ui.transfer_view import DATASET_LABELS, STRATEGY_LABELS, missing_runs, projection_figure
from ui.widgets import lab_header

ensure_router()
KEY = "transfer-page"


@st.cache_resource(show_spinner=False)
def dataset_status() -> dict[str, bool]:
    from demos.transfer.data import DATASETS, available

    return {d: available(d) for d in DATASETS}


@st.cache_resource(show_spinner="Loading the test images…")
def test_images(dataset: str) -> Any:
    from demos.transfer.train import cached_split

    return cached_split(dataset).test_images.numpy()  # (T, 28, 28) uint8


def show_results(records: list[dict[str, Any]]) -> None:
    """Each run's accuracy, its features before and after training, and the test images it got wrong."""
    from demos.transfer.data import CLASS_NAMES

    first = records[0]
    names = CLASS_NAMES[first["dataset"]]
    for col, r in zip(st.columns(len(records)), records, strict=True):
        col.metric(STRATEGY_LABELS[r["strategy"]], f"{r['accuracy']:.1%}")
        col.caption(
            f"{r['n_train']} labelled images · {r['epochs']} epochs · {r['trainable_params']:,} of "
            f"{r['total_params']:,} weights trained · {r['seconds']:.1f} s on {r['device']}"
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
        key=f"{KEY}-pick",
    )
    chosen = next(r for r in records if r["strategy"] == pick)
    proj = chosen["projection"]
    (vb, va), start = (
        proj["variance"],
        "ImageNet weights" if pick in ("frozen", "last-block", "full") else "random weights",
    )
    left, right = st.columns(2)
    title = f"Before: {start} ({vb[0] + vb[1]:.0%} of variance)"
    left.plotly_chart(projection_figure(proj["before"], proj["labels"], names, title), key=f"{KEY}-before")
    title = f"After training ({va[0] + va[1]:.0%} of variance)"
    right.plotly_chart(projection_figure(proj["after"], proj["labels"], names, title), key=f"{KEY}-after")
    st.caption(
        f"PCA (in torch) of the pooled features of {len(proj['labels'])} test images, coloured by true class. The "
        "frozen strategy never changes its features, so its two plots are identical: only the linear head on top "
        "learns. Fine-tuning moves the features themselves and usually pulls the classes apart."
    )
    images = test_images(first["dataset"])
    wrong = [i for i, (p, y) in enumerate(zip(chosen["predictions"], chosen["labels"], strict=True)) if p != y]
    st.caption(f"{STRATEGY_LABELS[pick]}: {len(wrong)} of {len(chosen['labels'])} test images wrong; the first 16:")
    cols = st.columns(8)
    for k, i in enumerate(wrong[:16]):
        cols[k % 8].image(
            images[i], caption=f"{names[chosen['labels'][i]]} → {names[chosen['predictions'][i]]}", width=72
        )


@st.fragment
def trainer() -> None:
    status = dataset_status()
    c1, c2, c3 = st.columns([1.1, 1.4, 1])
    dataset = c1.selectbox(
        "Dataset",
        list(DATASET_LABELS),
        format_func=lambda d: DATASET_LABELS[d] + ("" if status.get(d) else " (not installed)"),
        **kept(f"{KEY}-dataset", "mnist"),
    )
    labels = c2.select_slider("Labelled images per class", [1, 5, 10, 50, "all"], **kept(f"{KEY}-labels", 10))
    epochs = c3.select_slider("Epochs", ["auto", 5, 10, 20, 40, 60], **kept(f"{KEY}-epochs", "auto"))
    c4, c5 = st.columns([2.5, 1])
    strategies = c4.multiselect(
        "Strategies",
        list(STRATEGY_LABELS),
        format_func=STRATEGY_LABELS.__getitem__,
        **kept(f"{KEY}-strategies", ["frozen"]),
    )
    augment = c5.toggle(
        "Augmentation",
        help="Random crop/scale and brightness/contrast jitter; mirror flips for clothes only.",
        **kept(f"{KEY}-augment", False),
    )
    st.caption(
        "“All” is the whole training pool: 400 images per class. Auto epochs give about 150 optimiser steps. The "
        "frozen head trains in seconds once features are cached; from scratch and full fine-tuning run the whole "
        "network every step, which takes much longer (several times more at “all”); Stop ends a run. Augmentation "
        "flips clothes but never digits: a mirrored 2 is no digit."
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
    if st.button("Train", type="primary", icon=":material/play_arrow:", key=f"{KEY}-train"):
        common = {
            "dataset": dataset,
            "labels_per_class": None if labels == "all" else int(labels),
            "epochs": None if epochs == "auto" else int(epochs),
            "augment": augment,
        }
        start_runs(KEY, "the transfer lab's runs", [{**common, "strategy": s} for s in strategies], projection=300)
    if (records := watch_runs(KEY)) is not None:
        remember(f"{KEY}-results", records)
    if records := recall(f"{KEY}-results"):
        show_results(records)


lab_header("transfer", device_label())
st.markdown(
    "The notes: *“You need a lot of data if you want to train CNNs — train on ImageNet / download a pre-trained "
    "model — treat it as a feature extractor — freeze the network and retrain the top layer — works better for "
    "similar types of data.”* Here a real MobileNetV2 trained on ImageNet (torchvision's weights, checked by "
    "sha256, never downloaded) meets greyscale digits and clothes it has never seen, with only a handful of "
    "labels per class, against the same network trained from scratch and a tiny CNN."
)
render_panel(by_name()["transfer"], key="page", full=True)

st.header("Train any strategy", divider="gray")
trainer()

data = sweep_record()
with st.expander(f"The {len(data['runs'])} sweep commands behind the curves"):
    st.markdown("\n".join(f"- `{r['command']}`" for r in data["runs"]))
if missing := missing_runs(data):
    st.warning(f"The sweep lacks {len(missing)} runs (for example {missing[0]}); those points are absent.")
