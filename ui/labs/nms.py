"""The NMS panel: a crowded scene's raw detector boxes, suppressed at every IoU threshold of the figure's slider.

The shipped scene draws at once (no torch); "Another scene" or a change of method runs the detector and NMS.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import streamlit as st

from demos.registry import Lab
from ui.nms_view import scene_views, threshold_figure
from ui.state import kept, recall, remember

SHIPPED = Path(__file__).resolve().parents[2] / "demos" / "nms" / "results" / "panel_scene.json"
METHODS = {"greedy": "Greedy (class-blind)", "batched": "Class-aware"}
START = 9  # slider index of IoU 0.50


@st.cache_data(show_spinner=False)
def shipped_scene() -> dict[str, Any]:
    return json.loads(SHIPPED.read_text())


@st.cache_resource(show_spinner="Loading PyTorch and the detector…")
def _device() -> Any:
    from demos.common import pick_device

    return pick_device("auto")


@st.cache_data(max_entries=32, show_spinner="Detecting and suppressing at every threshold…")
def scene(seed: int, method: str) -> dict[str, Any]:
    from demos.nms.panel import scene_runs

    return scene_runs(seed, method, _device())


def panel(lab: Lab, key: str) -> None:
    shipped = shipped_scene()
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    method = c1.segmented_control(
        "Suppression", list(METHODS), format_func=METHODS.get, **kept(f"{key}-method", shipped["method"])
    )
    if c2.button("Another scene", icon=":material/casino:", key=f"{key}-new"):
        remember(f"{key}-seed", random.SystemRandom().randrange(1_000_000))
    seed = recall(f"{key}-seed", shipped["seed"])
    method = method or shipped["method"]
    data = shipped if (seed, method) == (shipped["seed"], shipped["method"]) else scene(seed, method)
    fig = threshold_figure(data["image"], data["width"], data["height"], scene_views(data), START, display_width=420)
    st.plotly_chart(fig, key=f"{key}-fig", config={"displayModeBar": False})
    where = "shipped result" if data is shipped else f"computed on {_device_label()}"
    st.caption(
        f"Scene {seed}: the detector's {data['raw_boxes']:,} raw boxes, of which those above score 0.05 compete. "
        f"Drag the slider under the picture: a low IoU threshold deletes true neighbours, a high one lets "
        f"duplicates through. Counts, precision, recall and AP@0.5 against the dotted truth are in the title ({where})."
    )


def _device_label() -> str:
    from demos.common import label

    return label(_device())
