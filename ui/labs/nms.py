"""The NMS lab in Streamlit: the card panel (a crowded scene's raw boxes, suppressed at every IoU threshold of the
figure's own slider) and the cached compute and sections its full page (pages/demo_nms.py) is built from.

Compute lives in ``demos.nms.panel`` and figures in ``ui.nms_view``; this module only caches and draws. torch is
imported on the first computation, never at import time: the shipped scene draws without it.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from demos.claims import shipped_claims
from demos.nms.names import IOU_STEPS, METHODS
from demos.registry import Lab, by_name
from ui.nms_view import ThresholdView, run_views, scene_views, sweep_figure, threshold_figure
from ui.state import kept, recall, remember

if TYPE_CHECKING:
    import numpy as np
    import torch

    from demos.nms.evaluate import GreedyStep
    from demos.nms.panel import Source

RESULTS = Path(__file__).resolve().parents[2] / "demos" / "nms" / "results"
SHIPPED = RESULTS / "panel_scene.json"  # python -m demos.nms scene --save
BENCH = RESULTS / "bench.json"  # python -m demos.nms bench --save
PANEL_METHODS = {"greedy": "Greedy (class-blind)", "batched": "Class-aware"}
START = IOU_STEPS.index(0.5)  # the figure's slider starts at IoU 0.50


# ------------------------------------------------------------------------------------------------ compute


@st.cache_data(show_spinner=False)
def shipped_scene() -> dict[str, Any]:
    return json.loads(SHIPPED.read_text())


@st.cache_resource(show_spinner="Loading PyTorch and the detector…")
def device() -> torch.device:
    from demos.common import pick_device

    return pick_device("auto")


def device_label() -> str:
    from demos.common import label

    return label(device())


@st.cache_resource(show_spinner="Loading the shapes detector…")
def detector() -> Any:
    """The shipped detector, read-only (eval mode, inference under no_grad), shared by every session."""
    from demos.nms.detector import CHECKPOINT, load

    return load(CHECKPOINT, device())


@st.cache_resource(show_spinner=False)
def sample_photos() -> dict[str, tuple[Any, str]]:
    """Bundled photos: name -> (RGB image, the cascade that fits it)."""
    from demos.nms.haar import sample_images

    return sample_images()


@dataclass(frozen=True)
class SourceSpec:
    """Which raw boxes: a rendered scene by number, or a photo (bundled, or uploaded bytes) and a cascade."""

    seed: int | None = None  # a crowded scene of the shapes detector
    photo: str | None = None  # a bundled photo's name, or an upload's file name
    cascade: str = "face"
    upload: bytes | None = None  # the uploaded file (at most haar.MAX_UPLOAD_MB)


# The page's compute is cached as resources: read-only results shared by every session without a copy per rerun
# (unpickling 19 thresholds' runs took longer than drawing them). Nothing ever mutates them.


@st.cache_resource(max_entries=16, show_spinner="Finding the raw boxes…")
def source(spec: SourceSpec) -> Source:
    """The raw boxes of ``spec``; ValueError (with what to do) for an upload that cannot be used."""
    from demos.nms.haar import decode_upload
    from demos.nms.panel import photo_source, shapes_source

    if spec.seed is not None:
        return shapes_source(detector(), spec.seed, device())
    assert spec.photo is not None
    if spec.upload is None:
        return photo_source(sample_photos()[spec.photo][0], spec.cascade)
    photo = decode_upload(spec.upload, spec.photo)
    src = photo_source(photo.image, spec.cascade)
    return src if photo.note is None else _with_note(src, photo.note)


def _with_note(src: Source, note: str) -> Source:
    from dataclasses import replace

    return replace(src, note=f"{note} {src.note or ''}".strip())


@st.cache_resource(max_entries=32, show_spinner="Running NMS at every IoU threshold…")
def runs(spec: SourceSpec, method: str, score: float, sigma: float) -> list[dict[str, Any]]:
    """``method`` at each of the 19 IoU thresholds on the raw boxes of ``spec``."""
    from demos.nms.panel import suppress_all

    return suppress_all(source(spec), method, score, sigma)  # type: ignore[arg-type]  # checked by apply_method


@st.cache_resource(max_entries=32, show_spinner=False)
def page_views(
    spec: SourceSpec, method: str, score: float, sigma: float, show_suppressed: bool, show_truth: bool
) -> list[ThresholdView]:
    """The page figure's 19 states (one per IoU threshold), built once per scene, method and toggles: a move of
    another control reuses them. Read-only."""
    src = source(spec)
    return run_views(runs(spec, method, score, sigma), src.classes, src.gt_boxes, show_suppressed, show_truth)


@st.cache_data(max_entries=16, show_spinner=False)
def image_uri(spec: SourceSpec) -> str:
    from demos.nms.panel import png_uri

    return png_uri(source(spec).image)


@st.cache_resource(max_entries=64, show_spinner=False)
def trace(spec: SourceSpec, score: float, iou: float) -> tuple[np.ndarray, list[GreedyStep]]:
    from demos.nms.panel import step_through

    return step_through(source(spec), score, iou)


@st.cache_data(max_entries=32, show_spinner="Detecting and suppressing at every threshold…")
def scene(seed: int, method: str) -> dict[str, Any]:
    from demos.nms.panel import scene_runs

    return scene_runs(seed, method, device())  # type: ignore[arg-type]  # one of PANEL_METHODS


# ------------------------------------------------------------------------------------------------ panel


def panel(lab: Lab, key: str) -> None:
    shipped = shipped_scene()
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    method = c1.segmented_control(
        "Suppression",
        list(PANEL_METHODS),
        format_func=PANEL_METHODS.__getitem__,
        **kept(f"{key}-method", shipped["method"]),
    )
    if c2.button("Another scene", icon=":material/casino:", key=f"{key}-new"):
        remember(f"{key}-seed", random.SystemRandom().randrange(1_000_000))
    seed = recall(f"{key}-seed", shipped["seed"])
    method = method or shipped["method"]
    data = shipped if (seed, method) == (shipped["seed"], shipped["method"]) else scene(seed, method)
    fig = threshold_figure(data["image"], data["width"], data["height"], scene_views(data), START, display_width=420)
    st.plotly_chart(fig, key=f"{key}-fig", config={"displayModeBar": False})
    where = "shipped result" if data is shipped else f"computed on {device_label()}"
    st.caption(
        f"Scene {seed}: the detector's {data['raw_boxes']:,} raw boxes, of which those above score 0.05 compete. "
        f"Drag the slider under the picture: a low IoU threshold deletes true neighbours, a high one lets "
        f"duplicates through. Counts, precision, recall and AP@0.5 against the dotted truth are in the title ({where})."
    )


# ------------------------------------------------------------------------------------------------ page parts


def new_scene(widget_key: str) -> None:
    """A button callback: a random scene number, set before the number box is drawn again."""
    st.session_state[widget_key] = random.SystemRandom().randrange(1_000_000)


def photo_and_cascade(left: Any, right: Any, extra: str, key: str = "nms-page") -> tuple[str, str]:
    """The photo and cascade select boxes, in two columns. Picking a bundled photo picks the cascade made for it
    (a cat needs the cat-face cascade); the learner can still choose another cascade afterwards. ``extra`` is
    one more photo option (the upload). Returns (photo, cascade)."""
    from demos.nms.haar import CASCADES

    photos = sample_photos()
    names = list(photos)
    photo_key, cascade_key = f"{key}-photo", f"{key}-cascade"
    photo = kept(photo_key, names[0])
    save_photo = photo["on_change"]

    def follow() -> None:
        save_photo()
        if st.session_state[photo_key] in photos:
            st.session_state[cascade_key] = photos[st.session_state[photo_key]][1]

    choice = left.selectbox("Photo", [*names, extra], key=photo_key, on_change=follow)
    cascade = right.selectbox("Cascade", list(CASCADES), **kept(cascade_key, photos[names[0]][1]))
    return choice, cascade


def box_notes(src: Source, candidates: int, method: str) -> None:
    """Beside the box figure: how many raw boxes compete, and how to read the picture and its slider."""
    st.metric("Raw boxes", candidates, help=f"of {len(src.scores)} above the score threshold")
    st.markdown(
        "**Drag the slider under the picture.** Lower the threshold and true neighbours vanish; raise it and "
        "duplicates survive. NMS has already run at every threshold, so a move redraws in your browser; the "
        "title counts what is kept."
    )
    if src.gt_boxes is not None:
        st.caption(
            f"The scene holds {len(src.gt_boxes)} shapes. The detector predicts a box at each of {len(src.scores)} "
            "grid cells; neighbouring cells repeat the same object. A kept box is a hit when it overlaps an "
            "unclaimed shape of its class by IoU ≥ 0.5."
        )
    else:
        st.caption(
            f"{src.note} The cascade slides a window over the photo at scales 1.1× apart; windows of neighbouring "
            "scales nest with an IoU often under 0.5, so greedy NMS at 0.5 can keep two boxes on one face: try "
            "0.3. There is no ground truth here: judge by eye whether each face keeps one box."
        )
    if method.startswith("soft"):
        st.info(
            "Soft-NMS keeps overlapping boxes with lowered scores (Bodla et al. use Nt = 0.3); a box leaves only "
            "when its decayed score falls under the score threshold. Raise the score threshold to see it."
        )


def step_through_section(spec: SourceSpec, score: float, iou: float, greedy: bool) -> None:
    """The greedy loop at ``iou``, one step at a time: the boxes it keeps and removes, and the IoUs it compared."""
    from ui.nms_view import image_figure, iou_bar_figure, step_layers

    src = source(spec)
    candidates, steps = trace(spec, score, iou)
    if not greedy:
        st.caption("The step-through shows plain greedy NMS, whatever the method above.")
    if not steps:
        st.info("No raw boxes are above the score threshold.")
        return
    if st.session_state.get("nms-page-step", 1) > len(steps):  # fewer steps than before: start again
        st.session_state["nms-page-step"] = 1
    k = st.slider("Step", 1, max(len(steps), 2), key="nms-page-step", disabled=len(steps) == 1)
    step = steps[k - 1]
    layers, n = step_layers(src.boxes, candidates, steps, k)
    h, w = src.image.shape[:2]
    c1, c2 = st.columns([3, 2], gap="large")
    figure = image_figure(image_uri(spec), w, h, layers, display_width=480)
    c1.plotly_chart(figure, key="nms-page-step-figure", config={"displayModeBar": False})
    c2.markdown(
        f"**Step {k} of {len(steps)}** at IoU {iou:.2f}. The best box still in play "
        f"(score {src.scores[candidates[step.picked]]:.2f}) is kept. Its IoU with each of the "
        f"{len(step.compared)} boxes still in play is computed; the "
        f"**{n['removed']}** above {iou:.2f} are removed, {n['in_play']} go on to the next step."
    )
    if len(step.compared):
        c2.plotly_chart(iou_bar_figure(step.ious, step.suppressed, iou), key="nms-page-iou-bars")
        c2.caption("Each column is one box still in play, by its IoU with the box picked now; red ones are removed.")
    else:
        c2.caption("Nothing left to compare: this was the last step.")


def held_out(lab_name: str = "nms") -> dict[str, Any] | None:
    """The held-out measurements behind the lab's claims (``demos/nms/results/claims.json``): AP per method, greedy
    AP by IoU threshold, scenes and shapes per scene, and how they were measured; None before any ``--save``."""
    from demos.claims import shipped

    lab = by_name()[lab_name]
    claims = {c["id"]: c["measured"] for c in shipped_claims(lab)}
    record = shipped(lab.family) or {}
    if "class-aware-at-least-greedy" not in claims or "strict-threshold-hurts" not in claims:
        return None
    measured = claims["class-aware-at-least-greedy"]
    hardware = record.get("hardware", {})
    return {
        "ap_by_method": measured["ap_by_method"],
        "ap_by_threshold": {float(t): v for t, v in claims["strict-threshold-hurts"]["ap_by_threshold"].items()},
        "scenes": measured["scenes"],
        "objects_per_scene": measured["objects_per_scene"],
        "command": f"python -m demos.nms eval --json{' --full' if record.get('mode') == 'full' else ''}",
        "hardware": hardware.get("device", record.get("device", "?")) if isinstance(hardware, dict) else "?",
    }


def held_out_section(iou: float) -> None:
    """AP on the held-out scenes, per method and against the IoU threshold, from the claims' record."""
    from ui.nms_view import ap_bar_figure

    found = held_out()
    if found is None:
        st.info("Not measured yet: run `python -m demos.nms eval --json --full --save`.")
        return
    st.markdown(
        f"AP@0.5 of the shipped detector on **{found['scenes']} held-out crowded scenes** "
        f"({found['objects_per_scene']} shapes each on average, overlapping): each method at its usual threshold "
        f"(left) and greedy NMS as its threshold moves (right). Measured by `{found['command']}` on "
        f"{found['hardware']}, the same numbers as the lab's claims."
    )
    c1, c2 = st.columns(2)
    c1.plotly_chart(ap_bar_figure(found["ap_by_method"], METHODS), key="nms-ap-bars", config={"displayModeBar": False})
    sweep = found["ap_by_threshold"]
    c2.plotly_chart(
        sweep_figure(list(sweep), {"greedy NMS": list(sweep.values())}, "AP@0.5, held-out scenes", iou),
        key="nms-ap-sweep",
    )


def speed_table(path: Path) -> None:
    """Own ``nms`` against ``torchvision.ops.nms`` from ``python -m demos.nms bench --save``'s record."""
    try:
        bench = json.loads(path.read_text())
    except (OSError, ValueError):
        st.info("No speed record yet: run `python -m demos.nms bench --json --save`.")
        return
    rows = [
        {
            "device": dev.upper(),
            "boxes": r["boxes"],
            "this project's nms (ms)": r["own_ms"],
            "torchvision.ops.nms (ms)": r["torchvision_ms"],
            "ratio": r["ratio"],
            "same boxes kept": r["same_result"],
        }
        for dev, rs in bench["results"].items()
        for r in rs
    ]
    st.markdown(
        f"**Speed**: this project's `nms` against `torchvision.ops.nms` (`python -m demos.nms bench --json`, "
        f"{bench['device_name']}; the machine is shared, so these are upper bounds)."
    )
    st.dataframe(rows, hide_index=True)
