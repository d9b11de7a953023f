"""Captioning with soft attention: pick or compose a scene, read the caption and see where the model looked for
each word, check it against the scene, see where it fails, and train a small model live."""

from __future__ import annotations

from typing import Any

import streamlit as st

from demos.registry import by_name
from ui.boot import ensure_router
from ui.captioning_view import by_objects_figure, small_multiples
from ui.labs import captioning as lab
from ui.labs.frame import claims_block, code_block
from ui.state import kept
from ui.widgets import lab_header

ensure_router()
LAB = by_name()["captioning"]
MODELS = ("Shipped checkpoint", "Trained live (below)")
# Where composed objects start: (shape, colour, size, x, y), one row per object.
COMPOSE = [
    ("circle", "red", "small", 0.25, 0.3),
    ("square", "blue", "large", 0.7, 0.7),
    ("triangle", "green", "small", 0.75, 0.25),
    ("diamond", "yellow", "large", 0.25, 0.75),
    ("circle", "purple", "small", 0.5, 0.5),
    ("square", "orange", "large", 0.45, 0.1),
]

lab_header("captioning", lab.device_label())
st.markdown(
    "A small **Show, Attend and Tell** model: a CNN turns a 64 × 64 scene into an 8 × 8 grid of features and an "
    "LSTM writes the caption one word at a time, each time taking a soft-attention weighted average of the grid. "
    "The scenes are rendered, so every object's box is known and we can check whether the model looked at the "
    "object it named. One change from the paper makes that check meaningful: the LSTM remembers only *where* it "
    "looked, never what it saw, and training penalises spread-out attention, so a word like *red* or *circle* can "
    "only come from looking at that object at that word (the README's ablation compares the published decoder)."
)
found = lab.measured()
if "bleu4-high" in found:
    head, obj, att = found["bleu4-high"], found["names-the-objects"], found["attention-on-named-object"]
    cols = st.columns(4)
    cols[0].metric("Test BLEU-4", f"{head['bleu4']:.2f}")
    cols[1].metric("Attention on the named object", f"{att['attention_on_named_object']:.0%}")
    cols[2].metric(
        "Exactly the right objects", f"{obj['exact_objects']:.0%}", help="Captions naming exactly the scene's objects"
    )
    cols[3].metric("Relations that are true", f"{obj['relation_accuracy']:.0%}")
    st.caption(
        f"{head['test_scenes']:,} held-out test scenes with 1 to 4 objects, greedy decoding; a random grid cell "
        f"would land on the named object {att['random_cell_chance']:.0%} of the time. Measured by "
        f"{lab.measured_where()}, the same numbers as the lab's claims below."
    )


def scene_controls() -> tuple[dict[str, Any], int]:
    """The scene (random by seed, or composed object by object) and the beam width (1 = greedy)."""
    source = st.segmented_control("Scene", ["Random", "Compose"], **kept("cap-page-source", "Random")) or "Random"
    c1, c2, c3, c4 = st.columns(4)
    how = c3.radio("Decoding", ["Greedy", "Beam search"], horizontal=True, **kept("cap-page-decoding", "Greedy"))
    width = c4.slider("Beam width", 2, 8, disabled=how == "Greedy", **kept("cap-page-beam", 3))
    beam = 1 if how == "Greedy" else int(width)
    if source == "Random":
        seed = c1.number_input("Scene seed", 0, 999_999, **kept("cap-page-seed", 3))
        n = c2.slider("Objects", 1, lab.MAX_OBJECTS, help="Training scenes held 1 to 4.", **kept("cap-page-objects", 3))
        return {"seed": int(seed), "objects": int(n)}, beam
    from demos.scenes import BACKGROUNDS, COLOURS, SHAPES, SIZES

    n = c1.slider("Objects", 1, lab.MAX_OBJECTS, help="Training scenes held 1 to 4.", **kept("cap-page-n", 2))
    background = c2.selectbox("Background", BACKGROUNDS, **kept("cap-page-background", "plain"))
    noise = c2.slider("Pixel noise", 0.0, 0.1, step=0.01, **kept("cap-page-noise", 0.02))
    rows = []
    for i, (shape, colour, size, x, y) in enumerate(COMPOSE[:n]):
        cols = st.columns([1.2, 1.2, 1, 1.5, 1.5], vertical_alignment="bottom")
        rows.append(
            {
                "shape": cols[0].selectbox(f"Shape {i + 1}", SHAPES, **kept(f"cap-page-shape{i}", shape)),
                "colour": cols[1].selectbox(f"Colour {i + 1}", list(COLOURS), **kept(f"cap-page-colour{i}", colour)),
                "size": cols[2].selectbox(f"Size {i + 1}", list(SIZES), **kept(f"cap-page-size{i}", size)),
                "cx": cols[3].slider(f"x {i + 1}", 0.1, 0.9, step=0.01, **kept(f"cap-page-x{i}", x)),
                "cy": cols[4].slider(f"y {i + 1}", 0.1, 0.9, step=0.01, **kept(f"cap-page-y{i}", y)),
            }
        )
    return {"objects": rows, "background": background, "noise": float(noise)}, beam


@st.fragment
def caption_section() -> None:
    spec, beam = scene_controls()
    live = lab.recall_live("cap-page-live")
    which = st.radio("Model", MODELS, horizontal=True, key="cap-page-model") if live is not None else MODELS[0]
    try:
        data = lab.caption_live(live, spec, beam) if which == MODELS[1] else lab.caption(spec, beam)
    except ValueError as exc:
        st.error(f"{exc}. Change that object's settings and try again.")
        return
    left, right = st.columns([1, 1], gap="large")
    with left:
        lab.caption_text(data)
        lab.check_against_truth(data)
        with st.expander("True captions of this scene (the BLEU references)"):
            st.markdown("\n".join(f"- {r}" for r in data["references"]))
    with right:
        lab.attention_chart(data, "cap-page-attention", display_width=480)
    with st.expander("All words at once", expanded=False):
        st.plotly_chart(small_multiples(data), key="cap-page-multiples", config={"displayModeBar": False})
        st.caption("One small map per word, in caption order; ✓ and ✗ mark shape words on and off their object.")


caption_section()

if "beyond-training" in found:
    st.subheader("Where it fails")
    st.caption(
        "The model saw 1 to 4 objects per scene in training. With more it still writes fluent captions (BLEU stays "
        "fair, most words are shared grammar) and still looks at each object it names, but it stops after four or "
        "so and never names them all. The bars are measured on "
        f"{found['beyond-training']['scenes_per_count']} test scenes per object count by {lab.measured_where()}."
    )
    st.plotly_chart(by_objects_figure(found["beyond-training"]["by_objects"]), key="cap-page-by-objects")

st.subheader("Train a small model live")
st.caption(
    "Trains the shipped architecture from scratch on 1,000 scenes, batch 32, for at most 30 seconds, then offers "
    "it above as a second model. A short run learns the caption grammar; looking at the right object takes "
    "thousands of steps (the shipped model trained for 4,000), so expect wrong words and scattered attention."
)
st.fragment(lab.live_training)("cap-page-live")
claims_block(LAB)
code_block(LAB)
