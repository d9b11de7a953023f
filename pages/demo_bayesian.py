"""Bayesian CNN lab: four networks on one digit, and their uncertainty on shifted and foreign inputs."""

from __future__ import annotations

import streamlit as st

from demos.claims import shipped
from demos.registry import by_name
from ui.bayesian_view import NAMES, pass_figure
from ui.boot import ensure_router
from ui.compute import start, watch
from ui.labs.bayesian import device_label, models, rerun_claims, whole_test_set
from ui.labs.frame import render_panel
from ui.state import kept, recall, remember
from ui.widgets import lab_header

ensure_router()
KEY = "bayes-page"
CANVAS = 224  # px: the drawing canvas, 8 x 28, fits its column at 1280 px
SAMPLES = 30  # T: passes per prediction, as in the evaluation


@st.fragment
def draw_a_digit() -> None:
    from streamlit_drawable_canvas import st_canvas

    from demos.bayesian.data import preprocess_drawing
    from demos.bayesian.explore import predict, prepare

    left, right = st.columns([1, 2], gap="medium")
    with left:
        st.space("medium")  # the canvas's toolbar appears above its top right corner on hover: keep that free
        drawn = st_canvas(
            stroke_width=18,
            stroke_color="#FFFFFF",
            background_color="#000000",
            height=CANVAS,
            width=CANVAS,
            drawing_mode="freedraw",
            return_image_data=True,
            key=f"{KEY}-canvas",
        )
        st.caption(
            "Draw one digit, large and centred. Hover over the canvas for its toolbar (above its top right "
            "corner): undo, redo, and the bin that clears it."
        )
        noise = st.slider("Gaussian noise (standard deviation)", 0.0, 1.0, step=0.05, **kept(f"{KEY}-noise", 0.0))
    image = None if drawn.image_data is None else preprocess_drawing(drawn.image_data)
    if image is None:
        right.info("Draw a digit on the black square to see each model's answer.", icon=":material/draw:")
        return
    device, nets, _ = models()
    x = prepare(image, 0, noise)  # (1, 28, 28)
    preds = {kind: predict(model, x, SAMPLES, device) for kind, model in nets.items()}
    with right:
        for col, (kind, p) in zip(st.columns(len(preds)), preds.items(), strict=True):
            col.metric(NAMES[kind], f"{p.predicted}", f"{max(p.mean):.0%} sure", delta_color="off", delta_arrow="off")
            col.caption(f"entropy {p.entropy:.2f} · MI {p.mutual_information:.3f}")
        st.plotly_chart(pass_figure({k: p.probs for k, p in preds.items()}, {k: p.mean for k, p in preds.items()}))
        st.caption(
            f"What the models see is your drawing cropped, scaled to 20 px and centred in 28 × 28, as MNIST was made. "
            f"Each dot is one of the {SAMPLES} passes (dropout masks or weight draws; one per member for the "
            f"ensemble), the black bar their mean: the prediction. Computed on {device_label()}."
        )


lab_header("bayesian", device_label())
st.markdown(
    "Four networks of one small CNN read handwritten digits (MNIST): a **plain CNN**, **MC dropout**, **Bayes by "
    "Backprop** and a **deep ensemble** of three CNNs. The last three make several stochastic passes per "
    "prediction, so besides an answer they give a *spread*: when the passes disagree, the model says it does not "
    "know. Try to make them not know: turn a digit, add noise, or draw something odd."
)
render_panel(by_name()["bayesian"], key="page", full=True)
st.header("Draw a digit", divider="gray")
draw_a_digit()
st.header("Across the whole test set", divider="gray")
if st.button("Re-run the evaluation here (fast protocol)", key=f"{KEY}-rerun", icon=":material/replay:"):
    device = models()[0]
    start(f"{KEY}-rerun-job", "the Bayesian evaluation", lambda progress: rerun_claims(device, progress))
run = watch(f"{KEY}-rerun-job")
if run is not None and run.state == "done" and recall(f"{KEY}-record") is not run.result:
    remember(f"{KEY}-record", run.result)
record = recall(f"{KEY}-record") or shipped("bayesian")
if record is None:
    st.warning("No measurements yet: run `python -m demos.bayesian eval --json --full --save`.")
else:
    whole_test_set(KEY, record)
