"""The segmentation panels: semantic (five models side by side), instance vs semantic, superpixels.

Each draws its shipped views (``demos/seg/results/panel_*.json``) at once without torch; a new scene or photo
computes on the server, cached per input.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import streamlit as st

from demos.claims import shipped
from demos.registry import Lab
from ui.labs.seg_view import bars, claim_measured, picture_grid, record_hardware, sliding_pictures, this_machine
from ui.state import kept, recall, remember

RESULTS = Path(__file__).resolve().parents[2] / "demos" / "seg" / "results"
KINDS = ("patch", "fcn", "fcn-skips", "hypercolumns", "refine")
SHORT = {
    "patch": "Patch centre",
    "fcn": "FCN, no skips",
    "fcn-skips": "FCN + skips",
    "hypercolumns": "Hypercolumns",
    "refine": "Refinement x3",
}


@st.cache_data(show_spinner=False)
def shipped_view(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RESULTS / f"panel_{name}.json").read_text())
    return data


@st.cache_resource(show_spinner="Loading PyTorch…")
def _device() -> Any:
    from demos.common import pick_device

    return pick_device("auto")


def device_label() -> str:
    from demos.common import label

    return label(_device())


# ------------------------------------------------------------------------------------------------ semantic


@st.cache_resource(show_spinner="Loading the five segmentation models…")
def _semantic_models() -> Any:
    from demos.seg.panel import load_semantic

    return load_semantic(_device())


@st.cache_data(max_entries=32, show_spinner="Labelling every pixel five ways…")
def semantic_scene(seed: int) -> dict[str, Any]:
    from demos.seg.data import seg_set
    from demos.seg.panel import semantic_scene as compute

    return compute(seg_set(1, seed).rendered[0], _semantic_models(), _device())


def semantic_panel(lab: Lab, key: str) -> None:
    ship = shipped_view("semantic")
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    n = len(ship["scenes"])
    which = c1.select_slider("Held-out scene", options=list(range(1, n + 1)), **kept(f"{key}-scene", 1))
    if c2.button("Another scene", icon=":material/casino:", key=f"{key}-new"):
        remember(f"{key}-seed", (random.SystemRandom().randrange(1_000_000), which))
    drawn = recall(f"{key}-seed")
    seed = drawn[0] if drawn and drawn[1] == which else None  # moving the slider goes back to the shipped scenes
    scene = semantic_scene(seed) if seed is not None else ship["scenes"][which - 1]
    pictures = [(scene["image"], "Input"), (scene["truth"], "Truth")]
    for k in KINDS:
        m = scene["methods"][k]
        pictures.append((m["picture"], f"{SHORT[k]} · IoU {m['mean_iou']:.2f}"))
    legend = list(zip(ship["classes"], ship["colours"], strict=True))
    st.plotly_chart(
        picture_grid(pictures, columns=4, tile=130, legend=legend),
        key=f"{key}-grid",
        config={"displayModeBar": False},
    )
    where = f"a new scene, computed on {device_label()}" if seed is not None else f"held-out scene {which} (shipped)"
    patch_ms = scene["methods"]["patch"]["ms"]
    st.caption(
        f"Each model's class for every pixel of {where}, coloured by class; titles give that model's mean IoU on "
        f"this scene. {scene['background_fraction']:.0%} of its pixels are background. The patch classifier ran its "
        f"network {64 * 64:,} times ({patch_ms:,.0f} ms); each FCN ran once."
    )
    _semantic_summary(lab)


def _semantic_summary(lab: Lab) -> None:
    record = shipped(lab.family)
    flat = claim_measured(record, lab.name, "accuracy-flatters")
    slow = claim_measured(record, lab.name, "patch-classifier-slow")
    if not flat:
        return
    acc, iou = flat.get("pixel_accuracy", {}), flat.get("mean_iou", {})
    names = ["Everything background", *[SHORT[k] for k in KINDS]]
    series = {
        "Pixel accuracy": [flat.get("all_background_pixel_accuracy"), *[acc.get(k) for k in KINDS]],
        "Mean IoU": [flat.get("all_background_mean_iou"), *[iou.get(k) for k in KINDS]],
    }
    st.plotly_chart(
        bars(names, series, f"Held-out scenes ({flat.get('scenes', '?')}): pixel accuracy flatters", "score"),
        key=f"{lab.name}-bars",
        config={"displayModeBar": False},
    )
    ms = slow.get("ms_per_image", {})
    if ms:
        st.plotly_chart(
            bars(
                [SHORT[k] for k in KINDS],
                {"ms per image": [ms.get(k) for k in KINDS]},
                "Time to label one 64 px image (log scale)",
                "milliseconds",
                log=True,
                height=230,
            ),
            key=f"{lab.name}-ms",
            config={"displayModeBar": False},
        )
    st.caption(
        "Top: a model that calls every pixel background already scores high pixel accuracy, because most pixels "
        "are background; mean IoU averages over classes and exposes it. Bottom: the fastest of several runs per "
        f"model, shipped measurement on a {record_hardware(record)} shared with other work (an upper bound)."
    )


# ------------------------------------------------------------------------------------------------ instances


@st.cache_resource(show_spinner="Loading the detector and the mask head…")
def _instance_models() -> Any:
    from demos.seg.panel import load_instance

    return load_instance(_device())


@st.cache_data(max_entries=32, show_spinner="Detecting and segmenting…")
def instance_scene(seed: int) -> dict[str, Any]:
    from demos.nms.detector import CROWDED
    from demos.scenes import make_dataset
    from demos.seg.panel import instance_scene as compute

    detector, head = _instance_models()
    return compute(make_dataset(1, seed, CROWDED)[0], detector, head, _device())


def instance_panel(lab: Lab, key: str) -> None:
    if st.button("Another crowded scene", icon=":material/casino:", key=f"{key}-new"):
        remember(f"{key}-seed", random.SystemRandom().randrange(1_000_000))
    seed = recall(f"{key}-seed")
    scene = instance_scene(seed) if seed is not None else shipped_view("instance")
    pictures = [
        (scene["image"], "Input"),
        (scene["regions"], f"Regions of one class: {scene['regions_found']}"),
        (scene["cascade"], f"Detector + mask head: {scene['instances_found']}"),
        (scene["truth"], f"True instances: {scene['objects']}"),
    ]
    st.plotly_chart(picture_grid(pictures, columns=4, tile=150), key=f"{key}-grid", config={"displayModeBar": False})
    where = f"computed on {device_label()}" if seed is not None else "shipped held-out scene"
    st.caption(
        f"Each colour is one instance ({where}). {scene['touching']} of the {scene['objects']} objects touch another "
        "of their own shape: the exact semantic mask's connected regions merge them, while the detector's boxes "
        "(class-aware NMS) with a 28 x 28 mask per box keep them apart. Detections with score 0.5 or more are drawn."
    )


# ------------------------------------------------------------------------------------------------ superpixels

PICTURES = {"photo": "Photo", "scene": "Scene (exact edges)"}
METHODS = {"slic": "SLIC", "felzenszwalb": "Felzenszwalb"}
PHOTOS = ("astronaut", "coffee", "chelsea")


@st.cache_data(max_entries=8, show_spinner="Computing superpixels at three scales…")
def superpixel_photo(name: str) -> dict[str, Any]:
    from demos.seg.panel import superpixel_photo as compute

    return compute(name)


@st.cache_data(max_entries=32, show_spinner="Computing superpixels at three scales…")
def superpixel_scene(seed: int) -> dict[str, Any]:
    from demos.seg.data import seg_set
    from demos.seg.panel import superpixel_scene as compute

    return compute(seg_set(1, seed).rendered[0])


def superpixel_panel(lab: Lab, key: str) -> None:
    ship = shipped_view("superpixels")
    c1, c2, c3 = st.columns([5, 4, 3], vertical_alignment="bottom")
    picture = c1.segmented_control(
        "Picture", list(PICTURES), format_func=PICTURES.__getitem__, **kept(f"{key}-pic", "scene")
    )
    method = c2.segmented_control(
        "Method", list(METHODS), format_func=METHODS.__getitem__, **kept(f"{key}-method", "slic")
    )
    picture, method = picture or "scene", method or "slic"
    if picture == "photo":
        name = c3.selectbox("Photo", PHOTOS, **kept(f"{key}-photo", ship["photo_name"]))
        views = ship["photo"] if name == ship["photo_name"] else superpixel_photo(name)
        where = "shipped" if name == ship["photo_name"] else "computed"
        what = f"scikit-image's '{name}' photo (256 px), {where}"
        live = name != ship["photo_name"]
    else:
        if c3.button("Another scene", icon=":material/casino:", key=f"{key}-new"):
            remember(f"{key}-seed", random.SystemRandom().randrange(1_000_000))
        seed = recall(f"{key}-seed")
        views = superpixel_scene(seed) if seed is not None else ship["scene"]
        what = "a new scene, computed" if seed is not None else "a held-out scene (shipped)"
        live = seed is not None
    steps = views[method]
    frames, labels = [], []
    for s in steps:
        found = f" · boundary recall {s['boundary_recall']:.2f}" if "boundary_recall" in s else ""
        frames.append(
            {
                "sources": [s["picture"]],
                "title": f"{METHODS[method]}: {s['segments']} regions{found} · {s['ms']:.0f} ms",
            }
        )
        labels.append(f"{s['level']:g}")
    level_name = "segments asked for" if method == "slic" else "scale"
    fig = sliding_pictures(frames, [""], labels, start=1, tile=330, prefix=f"{METHODS[method]} {level_name}: ")
    st.plotly_chart(fig, key=f"{key}-fig", config={"displayModeBar": False})
    missed = " True edges no superpixel edge comes within 1 px of are red." if picture == "scene" else ""
    timed = this_machine() if live else record_hardware(shipped(lab.family))
    st.caption(
        f"Superpixel edges in yellow on {what}; drag the slider from coarse to fine.{missed} Finer scales find more "
        "edges and also draw more that are not there. Times in the titles were measured on a "
        f"{timed}{'' if live else ' shared with other work (upper bounds)'}."
    )
