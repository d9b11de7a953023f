"""Transfer learning lab: ImageNet MobileNetV2 features against the same network trained from scratch."""

from __future__ import annotations

import streamlit as st

from demos.registry import by_name
from ui.boot import ensure_router
from ui.labs.frame import render_panel
from ui.labs.transfer import device_label, show_results, start_runs, sweep_record, watch_runs
from ui.state import kept, recall, remember
from ui.transfer_view import DATASET_LABELS, STRATEGY_LABELS, missing_runs
from ui.widgets import lab_header

ensure_router()
KEY = "transfer-page"


@st.cache_resource(show_spinner=False)
def dataset_status() -> dict[str, bool]:
    from demos.transfer.data import DATASETS, available

    return {d: available(d) for d in DATASETS}


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
        show_results(KEY, records)


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
