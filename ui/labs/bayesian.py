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
from ui.bayesian_view import NAMES, angle_figure, digit_sweep_figure
from ui.state import kept, recall, remember

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
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
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
