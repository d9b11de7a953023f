"""Non-max suppression: a real detector's raw boxes kept at every IoU threshold (a slider in the browser), the
greedy loop step by step and the charts, and what NMS does to AP on held-out scenes."""

from __future__ import annotations

import streamlit as st

from demos.nms.haar import MAX_UPLOAD_MB
from demos.nms.names import IOU_STEPS, METHODS, SCORE_THRESHOLD, SOFT_SIGMA
from demos.registry import by_name
from ui.boot import ensure_router
from ui.labs import nms as lab
from ui.labs.frame import claims_block, code_block
from ui.nms_view import sweep_figure, threshold_figure
from ui.state import kept
from ui.widgets import lab_header

ensure_router()
SHAPES, PHOTO, UPLOAD = "Shapes detector on a rendered scene", "Haar cascade on a photo", "Upload your own…"
LOOKS = ("Step through the greedy loop", "Boxes kept and precision/recall", "All held-out scenes")
NO_CHART_BAR = {"displayModeBar": False}

lab_header("nms", lab.device_label())
st.markdown(
    "A detector does not output one box per object. A sliding-window detector tests thousands of windows and a "
    "dense CNN predicts a box at every grid cell, so each object collects a **cluster of near-duplicate boxes**. "
    "Non-max suppression keeps the best-scoring box, removes every box that overlaps it by more than an "
    "**IoU threshold**, and repeats. NMS has already run at all 19 thresholds, so the slider under the picture "
    "redraws in your browser; the step-through and the charts below have a threshold of their own."
)

kind = st.segmented_control("Raw boxes from", [SHAPES, PHOTO], **kept("nms-page-source", SHAPES)) or SHAPES
spec: lab.SourceSpec | None = None
if kind == PHOTO:
    c1, c2 = st.columns([2, 1])
    choice, cascade = lab.photo_and_cascade(c1, c2, extra=UPLOAD)  # the cascade follows the photo
    if choice == UPLOAD:
        upload = st.file_uploader(
            f"A JPEG, PNG, WebP or BMP photo, up to {MAX_UPLOAD_MB} MB, 24 to 4000 px a side",
            type=["jpg", "jpeg", "png", "webp", "bmp"],
            max_upload_size=MAX_UPLOAD_MB,
            key="nms-page-upload",
        )
        if upload is None:
            st.info("Upload a photo with a face in it, or pick one of the bundled photos.")
        else:
            spec = lab.SourceSpec(photo=upload.name, cascade=cascade, upload=upload.getvalue())
    else:
        spec = lab.SourceSpec(photo=choice, cascade=cascade)
else:
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    seed = c1.number_input("Scene number", 0, 999_999, step=1, **kept("nms-page-scene", 7))
    c2.button(
        "Random scene",
        icon=":material/casino:",
        key="nms-page-random",
        on_click=lab.new_scene,
        args=("nms-page-scene",),
    )
    spec = lab.SourceSpec(seed=int(seed))

src = None
if spec is not None:
    try:
        src = lab.source(spec)
    except ValueError as exc:
        st.error(str(exc), icon=":material/broken_image:")
    if src is not None and len(src.scores) == 0:
        st.warning("The cascade found no windows at all in this photo; try another photo or cascade.")
        src = None


@st.fragment
def suppression(spec: lab.SourceSpec) -> None:
    src = lab.source(spec)
    c1, c2, c3 = st.columns([3, 3, 1], vertical_alignment="bottom")
    method = c1.selectbox("Method", list(METHODS), format_func=METHODS.__getitem__, **kept("nms-page-method", "greedy"))
    score_default = SCORE_THRESHOLD if src.has_truth else 0.0  # a cascade's windows all count
    score = c2.slider(
        "Score threshold",
        0.0,
        0.95,
        step=0.01,
        help="Raw boxes scoring below this are dropped before NMS (0 keeps every raw box).",
        **kept(f"nms-page-score-{src.has_truth}", score_default),
    )
    sigma = SOFT_SIGMA
    if method == "soft-gaussian":
        sigma = c3.number_input("Gaussian σ", 0.05, 2.0, step=0.05, **kept("nms-page-sigma", SOFT_SIGMA))
    boxes(spec, method, score, sigma)
    look_closer(spec, method, score, sigma)


@st.fragment  # the toggles redraw the boxes alone
def boxes(spec: lab.SourceSpec, method: str, score: float, sigma: float) -> None:
    src = lab.source(spec)
    left, right = st.columns([3, 2], gap="large")
    t1, t2 = left.columns(2)
    show_raw = t1.toggle("Show suppressed boxes", **kept("nms-page-show-raw", True))
    show_gt = src.has_truth and t2.toggle("Show ground truth", **kept("nms-page-show-gt", False))
    views = lab.page_views(spec, method, score, sigma, show_raw, show_gt)
    h, w = src.image.shape[:2]
    fig = threshold_figure(lab.image_uri(spec), w, h, views, lab.START)
    left.plotly_chart(fig, key="nms-page-boxes", config=NO_CHART_BAR)
    with right:
        lab.box_notes(src, lab.runs(spec, method, score, sigma)[lab.START]["candidates"], method)


@st.fragment  # the step slider and the views redraw this part alone
def look_closer(spec: lab.SourceSpec, method: str, score: float, sigma: float) -> None:
    src = lab.source(spec)
    all_runs = lab.runs(spec, method, score, sigma)
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    look = c1.segmented_control("Look closer", LOOKS, **kept("nms-page-look", LOOKS[0])) or LOOKS[0]
    iou = c2.select_slider(
        "IoU threshold for this closer look",
        IOU_STEPS,
        format_func=lambda t: f"{t:.2f}",
        help="The step-through and the charts below use this threshold. The picture's own slider above is a quick "
        "preview of every threshold in your browser; set the same value here to step through it.",
        **kept("nms-page-iou", 0.5),
    )
    if look == LOOKS[0]:
        lab.step_through_section(spec, score, iou, greedy=method == "greedy")
    elif look == LOOKS[1]:
        c1, c2 = st.columns(2)
        kept_counts = {"boxes kept": [len(r["kept_scores"]) for r in all_runs]}
        c1.plotly_chart(sweep_figure(list(IOU_STEPS), kept_counts, "boxes kept", iou), key="nms-page-sweep-kept")
        if src.has_truth:
            pr = {"precision": [r["precision"] for r in all_runs], "recall": [r["recall"] for r in all_runs]}
            c2.plotly_chart(sweep_figure(list(IOU_STEPS), pr, "this scene, IoU ≥ 0.5 match", iou), key="nms-page-pr")
        st.caption(
            "Boxes kept at each threshold, and on a scene its precision and recall: too low a threshold removes "
            "real neighbours (recall falls), too high keeps duplicates (precision falls)."
        )
    else:
        lab.held_out_section(iou)
        lab.speed_table(lab.BENCH)


if spec is not None and src is not None:
    suppression(spec)
claims_block(by_name()["nms"])
code_block(by_name()["nms"])
