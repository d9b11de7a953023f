"""The Bayesian panel: a test digit turned by a slider, and what each of the four models makes of it.

The shipped digit (``python -m demos.bayesian panel --save``) draws at once without torch; moving the slider
runs the four models on the turned digit (T = 30 passes each, tens of milliseconds on a 2-core CPU), and
"Another digit" picks a random test digit and turns it through every angle of the record.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import streamlit as st

from demos.registry import Lab
from ui.bayesian_view import (
    NAMES,
    SET_NAMES,
    angle_figure,
    auroc_rows,
    cost_figure,
    digit_sweep_figure,
    explain,
    measured,
    reliability_figure,
    roc_figure,
    rotation_figure,
    summary_rows,
    training_rows,
)
from ui.compute import Progress
from ui.state import kept, recall, remember

TRAIN_JSON = Path(__file__).resolve().parents[2] / "demos" / "bayesian" / "checkpoints" / "train.json"
SHIPPED = Path(__file__).resolve().parents[2] / "demos" / "bayesian" / "results" / "panel_digit.json"
START = 45  # degrees: the slider's first position, one of the shipped angles


@st.cache_data(show_spinner=False)
def shipped_digit() -> dict[str, Any]:
    return json.loads(SHIPPED.read_text())


@st.cache_resource(show_spinner="Loading PyTorch and the four models…")
def models() -> tuple[Any, dict[str, Any], Any]:
    """(device, the four shipped models, the fixed test split): loaded once per server process."""
    from demos.bayesian import checkpoints
    from demos.bayesian.data import load_mnist
    from demos.common import pick_device

    device = pick_device("auto")
    return device, checkpoints.load(device), load_mnist().test


def device_label() -> str:
    from demos.common import label

    return label(models()[0])


@st.cache_data(max_entries=512, show_spinner=False)
def answer(index: int, degrees: int, samples: int, seed: int) -> dict[str, Any]:
    """Every model's answer for test digit ``index`` turned by ``degrees`` (seeded: the same in every session)."""
    from demos.bayesian.explore import angle_report

    device, nets, test = models()
    return angle_report(nets, test.x[index], degrees, samples, device, seed)


@st.cache_data(max_entries=32, show_spinner="Turning the digit through 180°…")
def digit(index: int, samples: int, seed: int) -> dict[str, Any]:
    from demos.bayesian.explore import PANEL_ANGLES, digit_record

    device, nets, test = models()
    return digit_record(nets, test, index, PANEL_ANGLES, samples, device, seed)


def panel(lab: Lab, key: str) -> None:
    shipped = shipped_digit()
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    degrees = c1.slider("Turn the digit (degrees, anticlockwise)", 0, 180, step=5, **kept(f"{key}-degrees", START))
    if c2.button("Another digit", key=f"{key}-new", icon=":material/casino:"):
        remember(f"{key}-digit", random.SystemRandom().randrange(1000))
    index = recall(f"{key}-digit", shipped["index"])
    record = shipped if index == shipped["index"] else digit(index, shipped["samples"], shipped["seed"])
    found = next((a for a in record["sweep"] if a["degrees"] == degrees), None)
    if found is not None and record is shipped:
        now, where = found, "shipped result"
    else:
        now = answer(index, degrees, shipped["samples"], shipped["seed"])
        where = f"computed on {device_label()} in {now['ms']:.0f} ms"
    st.plotly_chart(angle_figure(now), key=f"{key}-angle", config={"displayModeBar": False})
    sure = ", ".join(f"{NAMES[k]} {m['predicted']}" for k, m in now["models"].items())
    st.caption(
        f"Test digit #{index}, a {record['label']}, turned {degrees}°: the image the models see, and each model's "
        f"answer ({sure}) with its probability. The bar is the predictive entropy of its averaged prediction "
        f"(T = {record['samples']} passes), split into expected entropy (every pass unsure) and mutual information "
        f"(the passes disagree); the plain CNN makes one pass, so it has no mutual information ({where})."
    )
    st.plotly_chart(digit_sweep_figure(record["sweep"], degrees), key=f"{key}-sweep", config={"displayModeBar": False})
    st.caption(
        "The same digit at every 15°: predictive entropy per model. Most digits stop looking like themselves "
        "somewhere past 45°, and the models' doubt rises; the dotted line is where the slider is."
    )


def whole_test_set(key: str, record: dict[str, Any]) -> None:
    """The measured record (shipped, or re-run here): a summary table and a tab per claim's figure."""
    acc, cal = measured(record, "accuracy"), measured(record, "calibration-under-shift")
    mi, cost = measured(record, "mutual-information-no-better"), measured(record, "uncertainty-costs")
    st.dataframe(summary_rows(record), hide_index=True, width="stretch")
    hw = record.get("hardware", {})
    st.caption(
        f"{acc['test_digits']:,} held-out test digits, {mi['images_per_set']} images per OOD set, T = "
        f"{acc['passes']} passes ({record['mode']} protocol), measured by `{record['command']}` on "
        f"{hw.get('device', record.get('device'))}; timings on a shared CPU are upper bounds. "
        "OOD AUROC by MI is “—” for the plain CNN: it makes one pass, so there is no disagreement between passes "
        "(mutual information) to rank by."
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
    turned = rel.toggle("Digits turned 30–60°", **kept(f"{key}-turned", False))
    bins = cal["rotated_reliability" if turned else "reliability"]
    rel.plotly_chart(reliability_figure(bins, cal["rotated_ece" if turned else "clean_ece"]))
    rel.caption(
        "Digits grouped by the model's confidence (15 bins). A calibrated model's bars sit on the dotted diagonal: "
        "of the digits it calls 90% sure, 90% are right. ECE is the average gap, weighted by the digits per bin."
    )
    sets = mi["sets"]
    pick = ood.segmented_control("OOD set", sets, format_func=SET_NAMES.__getitem__, **kept(f"{key}-set", sets[0]))
    ood.plotly_chart(roc_figure(mi["roc"], mi["auroc_by_set"], pick or sets[0]))
    ood.dataframe(auroc_rows(record), hide_index=True, width="stretch")
    ood.caption("AUROC: 1.0 when every OOD image is more uncertain than every test digit, 0.5 a coin toss.")
    price.plotly_chart(cost_figure(cost["ms_per_prediction"], cost["parameters"]))
    price.caption(
        "Wall time of one image's prediction with its uncertainty, the fastest of several repeats (on a shared "
        "CPU other work only adds time). The passes run as one batched forward, "
        "so they cost far less than 30 separate predictions; Bayes by Backprop also draws fresh weights per pass."
    )
    st.markdown("**What happened on each OOD set** (AUROC, higher is better)")
    st.markdown("\n".join(f"- {line}" for line in explain(record)))
    with st.expander("How the shipped models were trained"):
        st.dataframe(training_rows(json.loads(TRAIN_JSON.read_text())), hide_index=True, width="stretch")


def rerun_claims(device: Any, progress: Progress) -> dict[str, Any]:
    """The lab's claims measured again (fast protocol) on ``device``: the body of a background run
    (:func:`ui.compute.start`), reporting each step it logs so that a Stop ends it between steps."""
    from demos.claims import Context, report
    from demos.registry import labs_in

    steps = [0]

    def log(text: str) -> None:
        steps[0] += 1
        progress(min(0.95, steps[0] / (steps[0] + 4)), text)

    progress(0.0, "Evaluating four models on test digits and OOD sets…")
    ctx = Context(device=device, full=False, log=log)
    return report(labs_in("bayesian"), ctx, command="python -m demos.bayesian eval --json (the page's Re-run)")
