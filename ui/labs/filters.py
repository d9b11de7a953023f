"""The early-layers panel: MobileNetV2's 32 first-layer filters three ways, and what they respond to in a photo.

The shipped view (``demos/filters/results/panel.json``) draws at once without torch; another photo computes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import streamlit as st

from demos.registry import Lab
from ui.labs.seg import device_label
from ui.labs.seg_view import picture_grid
from ui.state import kept

SHIPPED = Path(__file__).resolve().parents[2] / "demos" / "filters" / "results" / "panel.json"
PHOTOS = ("astronaut", "coffee", "chelsea")
SHORT = {"imagenet": "ImageNet", "digits": "Digits", "random": "Random"}


@st.cache_data(show_spinner=False)
def shipped_view() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SHIPPED.read_text())
    return data


@st.cache_resource(show_spinner="Loading MobileNetV2's ImageNet weights…")
def _layers() -> Any:
    from demos.filters.layers import first_layers

    return first_layers()


@st.cache_data(max_entries=8, show_spinner="Running the three first layers on the photo…")
def photo_view(name: str) -> dict[str, Any]:
    from demos.filters.panel import photo_view as compute

    return compute(_layers(), name)


def panel(lab: Lab, key: str) -> None:
    ship = shipped_view()
    nets, titles = ship["networks"], ship["titles"]
    tiles = [(ship["tiles"][k], f"{SHORT[k]} · {ship['low_frequency_share'][k]:.0%} low-frequency") for k in nets]
    st.plotly_chart(picture_grid(tiles, columns=3, tile=120), key=f"{key}-tiles", config={"displayModeBar": False})
    names = "; ".join(titles[k][:1].lower() + titles[k][1:] for k in nets)  # "trained on ImageNet; ..."
    st.caption(
        "The 32 first-layer filters (3 x 3 RGB, each stretched to its own range) of the same layer three ways, "
        f"left to right: {names}. ImageNet's are smooth edges and colour blobs; grey digits cannot teach "
        "colour, so that layer keeps its random colour noise; random initialisation is noise. The share is the "
        "energy in the lowest frequencies."
    )
    name = st.selectbox("Photo", PHOTOS, **kept(f"{key}-photo", ship["photo"]["name"]))
    view = ship["photo"] if name == ship["photo"]["name"] else photo_view(name)
    align = view["edge_alignment"]
    pictures = [(view["photo"], "Photo"), (view["edges"], "Its edges (Sobel)")]
    pictures += [(view["responses"][k], f"{SHORT[k]}: r = {align[k]:.2f}") for k in nets]
    st.plotly_chart(picture_grid(pictures, columns=5, tile=110), key=f"{key}-maps", config={"displayModeBar": False})
    where = "shipped" if view is ship["photo"] else f"computed on {device_label()}"
    st.caption(
        f"The summed magnitude of each layer's 32 responses to scikit-image's '{name}' photo ({where}); r is its "
        "correlation with the photo's edges. The ImageNet layer's responses follow the edges more than the others'; "
        "the random layer's mostly follow brightness."
    )
