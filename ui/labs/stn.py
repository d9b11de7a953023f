"""The spatial-transformer panel: held-out digits turned by the figure's slider, what the transformer hands the
classifier, both models' guesses and accuracy at each angle.

The shipped views (``demos/stn/results/panel.json``) draw at once without torch; "Other digits" computes.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import streamlit as st

from demos.registry import Lab
from ui.labs.seg import device_label
from ui.labs.seg_view import lines, picture_grid, sliding_pictures
from ui.state import recall, remember

SHIPPED = Path(__file__).resolve().parents[2] / "demos" / "stn" / "results" / "panel.json"


@st.cache_data(show_spinner=False)
def shipped_view() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SHIPPED.read_text())
    return data


@st.cache_resource(show_spinner="Loading PyTorch and both models…")
def _models() -> Any:
    from demos.stn.train import KINDS, load
    from ui.labs.seg import _device

    return {k: load(k, _device()) for k in KINDS}


@st.cache_data(max_entries=32, show_spinner="Warping and classifying…")
def other_digits(seed: int) -> dict[str, Any]:
    from demos.stn.panel import warped_view

    return warped_view(_models(), seed)


def _guesses(view: dict[str, Any], labels: list[int]) -> str:
    right = {k: sum(a == b for a, b in zip(view["guesses"][k], labels, strict=True)) for k in ("cnn", "stn")}
    return f"CNN {right['cnn']}/8, with transformer {right['stn']}/8"


def panel(lab: Lab, key: str) -> None:
    ship = shipped_view()
    acc = ship["accuracy_by_angle"]
    frames, labels = [], []
    for i, view in enumerate(ship["views"]):
        d = view["degrees"]
        frames.append(
            {
                "sources": [view["inputs"], view["unwarped"]],
                "title": f"{d:+d}°: accuracy on 500 digits: CNN {acc['cnn'][i]:.0%}, with transformer "
                f"{acc['stn'][i]:.0%}<br>these 8: {_guesses(view, ship['labels'])}",
            }
        )
        labels.append(f"{d:+d}°")
    start = ship["degrees"].index(45)
    fig = sliding_pictures(
        frames,
        ["Input", "What the transformer hands the CNN"],
        labels,
        start=start,
        tile=110,
        prefix="Rotation: ",
        rows=2,
    )
    st.plotly_chart(fig, key=f"{key}-fig", config={"displayModeBar": False})
    st.caption(
        "Eight held-out digits turned by the slider's angle (top) and the transformer's resampling of them (bottom); "
        "the title gives both models' accuracy at that angle. The transformer mostly centres and enlarges the "
        "digit; the angle it largely leaves to the CNN."
    )
    st.plotly_chart(
        lines(
            ship["degrees"],
            {ship["titles"][k]: v for k, v in acc.items()},
            "Accuracy by rotation (no scale or shift), 500 held-out digits",
            "rotation (degrees)",
            "accuracy",
        ),
        key=f"{key}-acc",
        config={"displayModeBar": False},
    )
    if st.button("Other digits, random warps", icon=":material/casino:", key=f"{key}-new"):
        remember(f"{key}-seed", random.SystemRandom().randrange(1_000_000))
    seed = recall(f"{key}-seed")
    view = other_digits(seed) if seed is not None else ship["warped"]
    pictures = [(view["inputs"], "Rotated, scaled and shifted"), (view["unwarped"], "After the transformer")]
    st.plotly_chart(picture_grid(pictures, columns=1, tile=80), key=f"{key}-warped", config={"displayModeBar": False})
    where = f"computed on {device_label()}" if seed is not None else "shipped"
    st.caption(
        f"Held-out digits with the test set's random warps ({where}): labels {view['labels']}; "
        f"{_guesses(view, view['labels'])} right."
    )
