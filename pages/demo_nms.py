"""Non-max suppression: a real detector's raw boxes, the greedy loop step by step, the IoU threshold's effect."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from ui.boot import ensure_router
from ui.nms_view import (
    RAW,
    SUPPRESSED,
    ThresholdView,
    box_layer,
    image_figure,
    iou_bar_figure,
    kept_layers,
    png_source,
    sweep_figure,
    threshold_figure,
)
from ui.widgets import lab_header

ensure_router()

ROOT = Path(__file__).resolve().parent.parent
EVAL_JSON = ROOT / "demos" / "nms" / "results" / "eval.json"
BENCH_JSON = ROOT / "demos" / "nms" / "results" / "bench.json"
METHOD_LABELS = {
    "greedy": "Greedy NMS",
    "batched": "Greedy, class-aware (batched)",
    "soft-linear": "Soft-NMS, linear decay",
    "soft-gaussian": "Soft-NMS, Gaussian decay",
    "none": "No NMS (raw boxes)",
}
SHAPES_SOURCE, PHOTO_SOURCE = "Shapes detector on a rendered scene", "Haar cascade on a photo"
IOU_STEPS = [round(0.05 * i, 2) for i in range(1, 20)]  # the thresholds the figure's slider offers


@st.cache_resource(show_spinner="Loading PyTorch and the shapes detector…")
def engine() -> dict[str, Any]:
    import torch

    from demos.nms import detector, evaluate, haar
    from demos.scenes import SHAPES

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    from demos.common import label as device_label

    label = device_label(device)
    model = detector.load(detector.CHECKPOINT, device)
    return {
        "torch": torch,
        "device": device,
        "label": label,
        "model": model,
        "detector": detector,
        "evaluate": evaluate,
        "haar": haar,
        "shapes": list(SHAPES),
    }


@st.cache_data(max_entries=32, show_spinner=False)
def shapes_scene(seed: int) -> dict[str, Any]:
    """Render crowded scene ``seed`` and run the detector: every raw box before NMS, plus the truth."""
    e = engine()
    from demos.scenes import make_dataset

    scene = make_dataset(1, seed, e["detector"].CROWDED)[0]
    raw = e["detector"].raw_detections(e["model"], scene.image[None].to(e["device"]))[0]
    seen = scene.visible > 0
    return {
        "image": (scene.image.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8),
        "boxes": raw.boxes.cpu().numpy(),
        "scores": raw.scores.cpu().numpy(),
        "labels": raw.labels.cpu().numpy(),
        "gt_boxes": scene.boxes[seen].numpy(),
        "gt_labels": scene.labels[seen].numpy(),
        "classes": e["shapes"],
        "note": None,
    }


@st.cache_data(max_entries=16, show_spinner="Sliding the cascade over the photo…")
def photo_windows(name: str, data: bytes | None, cascade: str) -> dict[str, Any]:
    """Every raw Haar window on a bundled photo (``data`` None) or an uploaded one. Raises ValueError."""
    haar = engine()["haar"]
    image = haar.sample_images()[name][0] if data is None else haar.decode_upload(data, name)
    found = haar.detect_windows(image, cascade)
    return {
        "image": found.image,
        "boxes": found.boxes.numpy(),
        "scores": found.scores.numpy(),
        "labels": np.zeros(len(found.scores), dtype=np.int64),
        "gt_boxes": None,
        "gt_labels": None,
        "classes": [cascade],
        "note": f"OpenCV's own window grouping (minNeighbors=3) reports {found.grouped}.",
    }


def suppress(src: dict[str, Any], method: str, iou: float, score: float, sigma: float) -> dict[str, Any]:
    """Run one NMS method on the source's raw boxes -> numpy arrays for drawing, plus the scene's metrics."""
    e = engine()
    torch, ev = e["torch"], e["evaluate"]
    boxes = torch.from_numpy(src["boxes"]).to(e["device"])
    scores = torch.from_numpy(src["scores"]).to(e["device"])
    labels = torch.from_numpy(src["labels"]).to(e["device"])
    out = ev.apply_method(boxes, scores, labels, method, iou_threshold=iou, score_threshold=score, sigma=sigma)
    result = {
        "kept_boxes": out.kept.boxes.cpu().numpy(),
        "kept_scores": out.kept.scores.cpu().numpy(),
        "kept_labels": out.kept.labels.cpu().numpy(),
        "kept_index": out.index.cpu().numpy(),
        "candidates": out.candidates.cpu().numpy(),
        "precision": None,
        "recall": None,
        "ap": None,
    }
    if src["gt_boxes"] is not None:
        gt_b, gt_l = torch.from_numpy(src["gt_boxes"]), torch.from_numpy(src["gt_labels"])
        kept = ev.Detections(out.kept.boxes.cpu(), out.kept.scores.cpu(), out.kept.labels.cpu())
        result["precision"], result["recall"] = ev.precision_recall(kept, gt_b, gt_l)
        result["ap"] = ev.mean_ap([kept], [(gt_b, gt_l)], len(src["classes"]))[0]
    return result


@st.cache_resource(max_entries=64, show_spinner=False)  # a resource: read-only, not copied on every rerun
def trace(key: str, _src: dict[str, Any], score: float, iou: float) -> tuple[np.ndarray, list[Any]]:
    e = engine()
    torch = e["torch"]
    cand = np.nonzero(_src["scores"] >= score)[0]
    steps = e["evaluate"].greedy_trace(
        torch.from_numpy(_src["boxes"][cand]), torch.from_numpy(_src["scores"][cand]), iou
    )
    return cand, steps


@st.cache_data(max_entries=16, show_spinner=False)
def image_uri(key: str, _image: np.ndarray) -> str:
    return png_source(_image)


def load_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------------- page
e = engine()
lab_header("nms", e["label"])
st.markdown(
    "A detector does not output one box per object. A sliding-window detector tests thousands of windows and a "
    "dense CNN predicts a box at every grid cell, so each object collects a **cluster of near-duplicate boxes**. "
    "Non-max suppression keeps the best-scoring box, removes every box that overlaps it by more than an "
    "**IoU threshold**, and repeats. Move the sliders and watch what survives."
)

source = st.segmented_control("Raw boxes from", [SHAPES_SOURCE, PHOTO_SOURCE], default=SHAPES_SOURCE, key="source")
src: dict[str, Any] | None = None
key = ""
if source == PHOTO_SOURCE:
    haar = e["haar"]
    c1, c2 = st.columns([2, 1])
    names = list(haar.sample_images())
    choice = c1.selectbox("Photo", [*names, "Upload your own…"], key="photo")
    cascade = c2.selectbox(
        "Cascade",
        list(haar.CASCADES),
        key="cascade",
        index=list(haar.CASCADES).index(haar.sample_images()[choice][1]) if choice in names else 0,
    )
    data = None
    if choice == "Upload your own…":
        upload = st.file_uploader(
            "A JPEG, PNG, WebP or BMP photo, up to 8 MB and 4000 px a side",
            type=["jpg", "jpeg", "png", "webp", "bmp"],
            key="upload",
        )
        if upload is None:
            st.info("Upload a photo with a face in it, or pick one of the bundled photos.")
        else:
            data = upload.getvalue()
            choice = upload.name
    if choice in names or data is not None:
        try:
            src = photo_windows(choice, data, cascade)
            key = f"photo:{choice}:{cascade}:{hashlib.sha1(data).hexdigest() if data else ''}"
        except ValueError as exc:
            st.error(f"{exc}")
    if src is not None and len(src["scores"]) == 0:
        st.warning("The cascade found no windows at all in this photo; try another photo or cascade.")
        src = None
else:
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    seed = c1.number_input("Scene number", min_value=0, max_value=999_999, value=7, step=1, key="scene")
    if c2.button("Random scene", icon=":material/casino:"):
        st.session_state.scene = int(np.random.default_rng().integers(0, 1_000_000))
        st.rerun()
    src = shapes_scene(int(seed))
    key = f"scene:{int(seed)}"


@st.cache_data(max_entries=32, show_spinner="Running NMS at every IoU threshold…")
def threshold_runs(key: str, _src: dict[str, Any], method: str, score: float, sigma: float) -> list[dict[str, Any]]:
    """``suppress`` at every IoU threshold the figure's slider offers (0.05 to 0.95)."""
    return [suppress(_src, method, t, score, sigma) for t in IOU_STEPS]


@st.cache_resource(max_entries=16, show_spinner=False)  # read-only; a step-slider move reuses it unchanged
def threshold_views(
    key: str, _src: dict[str, Any], _runs: list[dict[str, Any]], show_raw: bool, show_gt: bool
) -> list[ThresholdView]:
    """The figure's 19 precomputed states for one (source, method, score, sigma) ``key`` and toggle setting."""
    src, runs = _src, _runs
    views = []
    for t, out in zip(IOU_STEPS, runs, strict=True):
        n_cand, n_kept = len(out["candidates"]), len(out["kept_scores"])
        layers = []
        if show_raw and n_cand > n_kept:
            suppressed = np.setdiff1d(out["candidates"], out["kept_index"])
            layers.append(box_layer(src["boxes"][suppressed], f"suppressed ({len(suppressed)})", SUPPRESSED, 1))
        if show_gt:
            layers.append(box_layer(src["gt_boxes"], "ground truth", "#111827", 1.5, dash="dot"))
        kept, markers = kept_layers(out["kept_boxes"], out["kept_scores"], out["kept_labels"], src["classes"])
        meta: dict[str, Any] = {"iou": t, "kept": n_kept, "suppressed": n_cand - n_kept}
        title = f"<b>{n_kept}</b> kept · {n_cand - n_kept} suppressed"
        if out["ap"] is not None:
            meta.update(precision=round(out["precision"], 4), recall=round(out["recall"], 4), ap=round(out["ap"], 4))
            title += f" · precision {out['precision']:.2f} · recall {out['recall']:.2f} · AP@0.5 {out['ap']:.2f}"
        views.append(ThresholdView(t, layers + kept, markers, title, meta))
    return views


@st.fragment
def suppression_panel(src: dict[str, Any], key: str) -> None:
    is_shapes = src["gt_boxes"] is not None
    c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
    method = c1.selectbox("Method", list(METHOD_LABELS), format_func=METHOD_LABELS.get, key="method")
    score = c2.slider(
        "Score threshold",
        0.0,
        0.95,
        0.05 if is_shapes else 0.0,
        0.01,
        key=f"score-{source}",
        help="Raw boxes scoring below this are dropped before NMS (0 keeps every raw box).",
    )
    sigma = 0.5
    if method == "soft-gaussian":
        sigma = c3.number_input(
            "Gaussian σ",
            0.05,
            2.0,
            0.5,
            0.05,
            key="sigma",
            help="Soft-NMS Gaussian: a box's score is multiplied by exp(-IoU² / σ). Smaller σ, harsher.",
        )
    run_key = f"{key}:{method}:{score}:{sigma}"
    runs = threshold_runs(run_key, src, method, score, sigma)
    default_iou = 0.3 if method == "soft-linear" else 0.5
    n_cand = len(runs[0]["candidates"])

    left, right = st.columns([3, 2], gap="large")
    with left:
        t1, t2 = st.columns(2)
        show_raw = t1.toggle("Show suppressed boxes", value=True, key="show-raw")
        show_gt = is_shapes and t2.toggle("Show ground truth", key="show-gt")
        views = threshold_views(run_key, src, runs, show_raw, show_gt)
        h, w = src["image"].shape[:2]
        st.plotly_chart(
            threshold_figure(image_uri(key, src["image"]), w, h, views, IOU_STEPS.index(default_iou)),
            key="boxes-figure",
            config={"displayModeBar": False},
        )
    with right:
        st.metric("Raw boxes", n_cand, help=f"of {len(src['scores'])} above the score threshold")
        st.markdown(
            "**Drag the IoU threshold slider under the image.** Greedy NMS removes a box that overlaps a kept, "
            "better-scoring box by more than the threshold: lower it and neighbours vanish; raise it and "
            "duplicates survive. NMS has already run at every threshold, so the boxes redraw in your browser "
            "as you drag."
        )
        if is_shapes:
            st.caption(
                f"The scene holds {len(src['gt_boxes'])} shapes. The detector predicts a box at each of "
                f"{len(src['scores'])} grid cells; neighbouring cells repeat the same object. Precision and "
                "recall count a kept box as a hit when it overlaps an unclaimed shape of its class by IoU ≥ 0.5."
            )
        else:
            st.caption(src["note"] or "")
            st.caption(
                "The cascade slides a window over the photo at scales 1.1× apart. Windows of neighbouring scales "
                "nest inside each other with an IoU often under 0.5, so greedy NMS at 0.5 can keep two boxes on "
                "one face: try 0.3. There is no ground truth here: judge by eye whether each face keeps one box."
            )
        if method.startswith("soft"):
            st.info(
                "Soft-NMS keeps overlapping boxes with lowered scores; a box leaves only when its decayed score "
                "falls under the score threshold. Raise the score threshold to see the difference."
            )

    # One panel at a time (not tabs): only the panel in view is computed when a slider moves.
    views_ = ["Step through the greedy loop", "Move the IoU threshold", "All held-out scenes"]
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    view = c1.segmented_control("Look closer", views_, default=views_[0], key="view") or views_[0]
    iou = c2.select_slider(
        "IoU threshold here",
        IOU_STEPS,
        default_iou,
        format_func=lambda t: f"{t:.2f}",
        key=f"iou-{method}",
        help="The threshold for the step-through and the marker on the charts below.",
    )
    tab_step, tab_sweep, tab_all = (view == v for v in views_)
    if tab_step:
        cand, steps = trace(f"{key}:{score}:{iou}", src, score, iou)
        if method != "greedy":
            st.caption("The step-through shows plain greedy NMS, whatever the method above.")
        if not steps:
            st.info("No raw boxes are above the score threshold.")
        else:
            k = st.slider("Step", 1, len(steps), 1, key=f"step-{key}-{score}-{iou}") if len(steps) > 1 else 1
            step = steps[k - 1]
            kept_before = [cand[s.picked] for s in steps[: k - 1]]
            picked = cand[step.picked]
            doomed = cand[step.compared[step.suppressed]]
            spared = cand[step.compared[~step.suppressed]]
            layers = [
                box_layer(src["boxes"][spared], f"still in play ({len(spared)})", RAW, 1),
                box_layer(src["boxes"][doomed], f"removed at this step ({len(doomed)})", SUPPRESSED, 1.5),
                box_layer(src["boxes"][kept_before], f"kept earlier ({len(kept_before)})", "#2563EB", 2),
                box_layer(src["boxes"][[picked]], "picked now", "#F59E0B", 4),
            ]
            c1, c2 = st.columns([3, 2], gap="large")
            h, w = src["image"].shape[:2]
            c1.plotly_chart(
                image_figure(image_uri(key, src["image"]), w, h, layers, display_width=480),
                key="step-figure",
                config={"displayModeBar": False},
            )
            with c2:
                st.markdown(
                    f"**Step {k} of {len(steps)}.** The best box still in play (score "
                    f"{src['scores'][picked]:.2f}) is kept. Its IoU with each of the {len(step.compared)} boxes "
                    f"still in play is computed; the **{len(doomed)}** above {iou:.2f} are removed, "
                    f"{len(spared)} go on to the next step."
                )
                if len(step.compared):
                    st.plotly_chart(
                        iou_bar_figure(step.ious, step.suppressed, iou),
                        key="iou-bars",
                        config={"displayModeBar": False},
                    )
                else:
                    st.caption("Nothing left to compare: this was the last step.")
    if tab_sweep:
        kept_counts = [len(r["kept_scores"]) for r in runs]
        c1, c2 = st.columns(2)
        c1.plotly_chart(sweep_figure(IOU_STEPS, {"boxes kept": kept_counts}, "boxes kept", iou), key="sweep-kept")
        if is_shapes:
            c2.plotly_chart(
                sweep_figure(
                    IOU_STEPS,
                    {"precision": [r["precision"] for r in runs], "recall": [r["recall"] for r in runs]},
                    "this scene, IoU ≥ 0.5 match",
                    iou,
                ),
                key="sweep-pr",
            )
            st.caption(
                "Too low a threshold removes real neighbours (recall falls); too high keeps duplicates "
                "(precision falls)."
            )
    if tab_all:
        results = load_json(EVAL_JSON)
        if results is None:
            st.info("No evaluation yet: run `python -m demos.nms eval --save` to compute AP on held-out scenes.")
        else:
            ap = results["ap50"]
            st.markdown(
                f"AP@0.5 of the shipped detector on **{results['scenes']} held-out crowded scenes** "
                f"({results['objects_per_scene']} shapes each on average, overlapping), per method at its "
                f"default threshold. Measured with `{results['command']}` on {results['hardware']}."
            )
            import plotly.graph_objects as go

            names = [METHOD_LABELS[m] for m in ap]
            bars = go.Figure(
                go.Bar(
                    x=[ap[m]["ap50"] for m in ap],
                    y=names,
                    orientation="h",
                    text=[f"{ap[m]['ap50']:.3f}" for m in ap],
                    textposition="outside",
                    cliponaxis=False,  # the value labels sit past the bar ends, outside the axis range
                )
            )
            bars.update_layout(
                height=260,
                margin={"l": 10, "r": 50, "t": 10, "b": 10},
                xaxis={"range": [0, 1.0], "title": "AP@0.5"},
                yaxis={"autorange": "reversed"},
            )
            c1, c2 = st.columns(2)
            c1.plotly_chart(bars, key="ap-bars", config={"displayModeBar": False})
            sweep_all = results["ap50_vs_iou_threshold"]
            thresholds = [float(t) for t in next(iter(sweep_all.values()))]
            c2.plotly_chart(
                sweep_figure(
                    thresholds,
                    {METHOD_LABELS[m]: list(v.values()) for m, v in sweep_all.items()},
                    "AP@0.5, all held-out scenes",
                    iou,
                ),
                key="ap-sweep",
            )
        bench = load_json(BENCH_JSON)
        if bench is not None:
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
                f"**Speed**: this project's `nms` against `torchvision.ops.nms` "
                f"(`python -m demos.nms bench --json`, {bench['device_name']})."
            )
            st.dataframe(rows, hide_index=True)


if src is not None:
    suppression_panel(src, key)
