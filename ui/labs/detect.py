"""The detector-families panel: one scene, six ways to find its shapes, each with what it looked at.

The shipped scene (``demos/detect/results/panel_scene.json``) draws at once without torch; "Another scene" runs
every method on a new one.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from demos.claims import shipped
from demos.registry import Lab
from ui.labs.seg import device_label
from ui.labs.seg_view import bars, claim_measured, record_hardware, this_machine
from ui.nms_view import SHAPE_COLOURS, box_layer, image_figure
from ui.state import kept, recall, remember

SHIPPED = Path(__file__).resolve().parents[2] / "demos" / "detect" / "results" / "panel_scene.json"
METHODS = {
    "windows": "Sliding windows",
    "proposals": "Proposals (R-CNN)",
    "yolo": "YOLO grid",
    "ssd": "SSD",
    "ssd-fine": "SSD + stride 4",
    "fpn": "FPN",
}
EXPLAIN = {
    "windows": "Four window sizes (one of each drawn dashed, at the centre) slide in 2 px steps: {candidates:,} crops, "
    "each resized to 16 x 16 and classified.",
    "proposals": "Felzenszwalb regions (dashed) propose {candidates} boxes; each is cropped, resized and classified "
    "by the same classifier as the windows: R-CNN's recipe. Fast R-CNN would crop a shared feature map instead, and "
    "Faster R-CNN would learn the proposals (as the anchor detectors' heads do).",
    "yolo": "One pass; each 8 x 8 px cell (grid) predicts one class and two boxes: {candidates} candidates.",
    "ssd": "One pass; anchors (dashed, one cell's) of 9-13 px on the stride-8 map and 18-26 px on the stride-16 "
    "map, the deep maps only: {candidates} candidates.",
    "ssd-fine": "As SSD, but the small anchors sit on the stride-4 map, two convolutions deep: {candidates} "
    "candidates.",
    "fpn": "As SSD + stride 4, with FPN's top-down pathway adding the deeper maps into the finer ones: {candidates} "
    "candidates.",
}


@st.cache_data(show_spinner=False)
def shipped_scene() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SHIPPED.read_text())
    return data


@st.cache_resource(show_spinner="Loading PyTorch and the five detectors…")
def _models() -> Any:
    from demos.detect.panel import load_all
    from ui.labs.seg import _device

    return load_all(_device())


@st.cache_data(max_entries=32, show_spinner="Running all six methods…")
def scene(seed: int) -> dict[str, Any]:
    from demos.detect.data import scenes
    from demos.detect.panel import scene_view
    from ui.labs.seg import _device

    return scene_view(scenes(1, seed)[0], _models(), _device())


def figure(data: dict[str, Any], method: str) -> Any:
    m = data["methods"][method]
    size = data["size"]
    layers = []
    truth = np.array(data["truth"]["boxes"], dtype=float).reshape(-1, 4)
    layers.append(box_layer(truth, "truth", "rgba(15, 23, 42, 0.55)", 1.5, dash="dot"))
    overlays = data["overlays"]
    if method in ("windows", "proposals"):
        shown = overlays["windows"] if method == "windows" else overlays["proposals"]
        layers.append(box_layer(np.array(shown, dtype=float).reshape(-1, 4), "looked at", "#64748B", 1, dash="dash"))
    elif method == "yolo":
        step = overlays["grid"]
        path = "".join(f"M{x},0V{size}" for x in range(step, size, step))
        path += "".join(f"M0,{y}H{size}" for y in range(step, size, step))
        grid = {"type": "path", "path": path, "line": {"color": "#94A3B8", "width": 1}, "name": "grid"}
        layers.append({**grid, "showlegend": True, "xref": "x", "yref": "y", "layer": "above"})
    else:
        anchors = np.array(overlays["anchors"][method], dtype=float).reshape(-1, 4)
        layers.append(box_layer(anchors, "anchors", "#64748B", 1, dash="dash"))
    boxes = np.array(m["boxes"], dtype=float).reshape(-1, 4)
    labels = np.array(m["labels"], dtype=int)
    for c, name in enumerate(data["shapes"]):
        layers.append(box_layer(boxes[labels == c], name, SHAPE_COLOURS[c], 2.5))
    fig = image_figure(data["image"], size, size, layers, display_width=420)
    fig.update_layout(
        title={"text": f"<b>{len(boxes)}</b> boxes kept of {m['candidates']:,} candidates · {m['ms']:.0f} ms"},
        margin={"l": 0, "r": 0, "t": 36, "b": 40},
        title_font_size=13,
        title_x=0,
        title_xanchor="left",
    )
    return fig


def panel(lab: Lab, key: str) -> None:
    ship = shipped_scene()
    method = st.segmented_control(
        "Method", list(METHODS), format_func=METHODS.__getitem__, **kept(f"{key}-method", "fpn")
    )
    if st.button("Another scene", icon=":material/casino:", key=f"{key}-new"):
        remember(f"{key}-seed", random.SystemRandom().randrange(1_000_000))
    seed = recall(f"{key}-seed")
    method = method or "fpn"
    data = scene(seed) if seed is not None else ship
    st.plotly_chart(figure(data, method), key=f"{key}-fig", config={"displayModeBar": False})
    where = f"a new scene, computed on {device_label()}" if seed is not None else "a held-out scene (shipped)"
    timed = this_machine() if seed is not None else f"{record_hardware(shipped(lab.family))} shared with other work"
    st.caption(
        f"{METHODS[method]} on {where}: boxes after class-aware NMS (score 0.3 or more), coloured by shape; dotted: "
        f"the truth. {EXPLAIN[method].format(candidates=data['methods'][method]['candidates'])} The time in the "
        f"title was measured on a {timed}."
    )
    measured = claim_measured(shipped(lab.family), lab.name, "pyramid-helps-small").get("ap50_by_method", {})
    if measured:
        keys = [k for k in METHODS if k in measured]
        fig = bars(
            [METHODS[k] for k in keys],
            {
                "small objects": [measured[k]["small"] for k in keys],
                "large objects": [measured[k]["large"] for k in keys],
            },
            "Held-out AP@0.5 on small (8-14 px) and large (16-29 px) objects",
            "AP@0.5",
            height=300,
        )
        st.plotly_chart(fig, key=f"{key}-ap", config={"displayModeBar": False})
        st.caption(
            "Shipped measurement (`python -m demos.detect eval`); sliding windows on fewer scenes (they classify "
            "2,389 crops per image), so their bars are rougher."
        )
