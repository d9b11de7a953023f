"""Bayesian CNN lab: four networks on one digit, and their uncertainty on shifted and foreign inputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import streamlit as st

from demos.claims import shipped
from demos.registry import by_name
from ui.bayesian_view import (
    NAMES,
    SET_NAMES,
    auroc_rows,
    cost_figure,
    explain,
    measured,
    pass_figure,
    reliability_figure,
    roc_figure,
    rotation_figure,
    summary_rows,
    training_rows,
)
from ui.boot import ensure_router
from ui.compute import training_slot
from ui.labs.bayesian import device_label, models
from ui.labs.frame import render_panel
from ui.state import kept, recall, remember
from ui.widgets import lab_header

ensure_router()
KEY = "bayes-page"
CANVAS = 224  # px: the drawing canvas, 8 x 28, fits its column at 1280 px
SAMPLES = 30  # T: passes per prediction, as in the evaluation
TRAIN_JSON = Path(__file__).resolve().parents[1] / "demos" / "bayesian" / "checkpoints" / "train.json"


@st.fragment
def draw_a_digit() -> None:
    from streamlit_drawable_canvas import st_canvas

    from demos.bayesian.data import preprocess_drawing
    from demos.bayesian.explore import predict, prepare

    left, right = st.columns([1, 2], gap="medium")
    with left:
        st.space("medium")  # the canvas's toolbar appears above its top right corner on hover: keep that free
        drawn = st_canvas(
            stroke_width=18,
            stroke_color="#FFFFFF",
            background_color="#000000",
            height=CANVAS,
            width=CANVAS,
            drawing_mode="freedraw",
            return_image_data=True,
            key=f"{KEY}-canvas",
        )
        st.caption(
            "Draw one digit, large and centred. Hover over the canvas for its toolbar (above its top right "
            "corner): undo, redo, and the bin that clears it."
        )
        noise = st.slider("Gaussian noise (standard deviation)", 0.0, 1.0, step=0.05, **kept(f"{KEY}-noise", 0.0))
    image = None if drawn.image_data is None else preprocess_drawing(drawn.image_data)
    if image is None:
        right.info("Draw a digit on the black square to see each model's answer.", icon=":material/draw:")
        return
    device, nets, _ = models()
    x = prepare(image, 0, noise)  # (1, 28, 28)
    preds = {kind: predict(model, x, SAMPLES, device) for kind, model in nets.items()}
    with right:
        for col, (kind, p) in zip(st.columns(len(preds)), preds.items(), strict=True):
            col.metric(NAMES[kind], f"{p.predicted}", f"{max(p.mean):.0%} sure", delta_color="off", delta_arrow="off")
            col.caption(f"entropy {p.entropy:.2f} · MI {p.mutual_information:.3f}")
        st.plotly_chart(pass_figure({k: p.probs for k, p in preds.items()}, {k: p.mean for k, p in preds.items()}))
        st.caption(
            f"What the models see is your drawing cropped, scaled to 20 px and centred in 28 × 28, as MNIST was made. "
            f"Each dot is one of the {SAMPLES} passes (dropout masks or weight draws; one per member for the "
            f"ensemble), the black bar their mean: the prediction. Computed on {device_label()}."
        )


def whole_test_set(record: dict[str, Any]) -> None:
    acc, cal = measured(record, "accuracy"), measured(record, "calibration-under-shift")
    mi, cost = measured(record, "mutual-information-no-better"), measured(record, "uncertainty-costs")
    st.dataframe(summary_rows(record), hide_index=True, width="stretch")
    hw = record.get("hardware", {})
    st.caption(
        f"{acc['test_digits']:,} held-out test digits, {mi['images_per_set']} images per OOD set, T = "
        f"{acc['passes']} passes ({record['mode']} protocol), measured by `{record['command']}` on "
        f"{hw.get('device', record.get('device'))}; timings on a shared CPU are upper bounds."
    )
    for name, why in mi.get("skipped_sets", {}).items():
        st.warning(f"OOD set '{name}' was skipped: {why}.", icon=":material/info:")
    rot, rel, ood, price = st.tabs(["Rotation sweep", "Calibration (ECE)", "OOD detection (ROC)", "Cost"])
    rot.plotly_chart(rotation_figure(measured(record, "rotation-raises-disagreement")["sweep"]))
    rot.caption(
        "Test digits turned by each angle. AUROC vs upright: ranking turned digits against upright ones by each "
        "model's own score (mutual information; softmax entropy for the plain CNN), how often is the turned one "
        "more uncertain?"
    )
    turned = rel.toggle("Digits turned 30–60°", **kept(f"{KEY}-turned", False))
    bins = cal["rotated_reliability" if turned else "reliability"]
    rel.plotly_chart(reliability_figure(bins, cal["rotated_ece" if turned else "clean_ece"]))
    rel.caption(
        "Digits grouped by the model's confidence (15 bins). A calibrated model's bars sit on the dotted diagonal: "
        "of the digits it calls 90% sure, 90% are right. ECE is the average gap, weighted by the digits per bin."
    )
    sets = mi["sets"]
    pick = ood.segmented_control("OOD set", sets, format_func=SET_NAMES.__getitem__, **kept(f"{KEY}-set", sets[0]))
    ood.plotly_chart(roc_figure(mi["roc"], mi["auroc_by_set"], pick or sets[0]))
    ood.dataframe(auroc_rows(record), hide_index=True, width="stretch")
    ood.caption("AUROC: 1.0 when every OOD image is more uncertain than every test digit, 0.5 a coin toss.")
    price.plotly_chart(cost_figure(cost["ms_per_prediction"], cost["parameters"]))
    price.caption(
        "Median wall time of one image's prediction with its uncertainty. The passes run as one batched forward, "
        "so they cost far less than 30 separate predictions; Bayes by Backprop also draws fresh weights per pass."
    )
    st.markdown("**What happened on each OOD set** (AUROC, higher is better)")
    st.markdown("\n".join(f"- {line}" for line in explain(record)))
    with st.expander("How the shipped models were trained"):
        st.dataframe(training_rows(json.loads(TRAIN_JSON.read_text())), hide_index=True, width="stretch")


def rerun() -> dict[str, Any]:
    """The lab's claims measured again here (fast protocol), in a fair compute slot."""
    from demos.claims import Context, report
    from demos.registry import labs_in

    with training_slot("the Bayesian evaluation"), st.spinner("Evaluating four models on test digits and OOD sets…"):
        ctx = Context(device=models()[0], full=False)
        return report(labs_in("bayesian"), ctx, command="python -m demos.bayesian eval --json (the page's Re-run)")


lab_header("bayesian", device_label())
st.markdown(
    "Four networks of one small CNN read handwritten digits (MNIST): a **plain CNN**, **MC dropout**, **Bayes by "
    "Backprop** and a **deep ensemble** of three CNNs. The last three make several stochastic passes per "
    "prediction, so besides an answer they give a *spread*: when the passes disagree, the model says it does not "
    "know. Try to make them not know: turn a digit, add noise, or draw something odd."
)
render_panel(by_name()["bayesian"], key="page", full=True)
st.header("Draw a digit", divider="gray")
draw_a_digit()
st.header("Across the whole test set", divider="gray")
if st.button("Re-run the evaluation here (fast protocol)", key=f"{KEY}-rerun", icon=":material/replay:"):
    remember(f"{KEY}-record", rerun())
record = recall(f"{KEY}-record") or shipped("bayesian")
if record is None:
    st.warning("No measurements yet: run `python -m demos.bayesian eval --json --full --save`.")
else:
    whole_test_set(record)
