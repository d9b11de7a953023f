"""The captioning lab in Streamlit: the card panel (a scene, its caption and where the model looked for every word)
and the cached compute and sections its full page (pages/demo_captioning.py) is built from.

Compute lives in ``demos.captioning`` and figures in ``ui.captioning_view``; this module only caches and draws.
torch is imported on the first computation: the shipped scene draws without it.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from demos.claims import shipped, shipped_claims
from demos.registry import Lab, by_name
from ui.captioning_view import attention_figure, first_shape_word, loss_figure, truth_rows
from ui.compute import training_slot
from ui.state import kept, recall, remember

if TYPE_CHECKING:
    import torch

SHIPPED = Path(__file__).resolve().parents[2] / "demos" / "captioning" / "results" / "panel_scene.json"
DECODING = {"greedy": "Greedy", "beam": "Beam of 3"}
MAX_OBJECTS = 6  # demos.captioning.report.MAX_OBJECTS; checked against it in the tests


# ------------------------------------------------------------------------------------------------ compute


@st.cache_data(show_spinner=False)
def shipped_scene() -> dict[str, Any]:
    """``python -m demos.captioning scene --save``: the shipped model's caption of scene 3, every word's map."""
    return json.loads(SHIPPED.read_text())


@st.cache_resource(show_spinner="Loading PyTorch and the captioner…")
def device() -> torch.device:
    from demos.common import pick_device

    return pick_device("auto")


def device_label() -> str:
    from demos.common import label

    return label(device())


@st.cache_resource(show_spinner="Loading the captioner…")
def model() -> tuple[Any, int]:
    """The shipped captioner (eval mode, inference only, shared by every session) and its training's object limit."""
    from demos.captioning.panel import shipped_model

    return shipped_model(device())


@st.cache_data(max_entries=64, show_spinner="Captioning…")
def caption(spec: dict[str, Any], beam: int) -> dict[str, Any]:
    """The shipped model's caption of the scene ``spec`` with every word's attention, as JSON."""
    from demos.captioning.panel import caption_scene

    captioner, trained_max = model()
    return caption_scene(captioner, spec, device(), beam=beam, trained_max=trained_max)


def caption_live(live: Any, spec: dict[str, Any], beam: int) -> dict[str, Any]:
    """The same with a model trained live in this session (not cached: it is this learner's own)."""
    from demos.captioning.panel import caption_scene

    return caption_scene(live, spec, device(), beam=beam, trained_max=model()[1])


def measured() -> dict[str, dict[str, Any]]:
    """The lab's claims as measured (``demos/captioning/results/claims.json``), by claim id."""
    return {c["id"]: c["measured"] for c in shipped_claims(by_name()["captioning"])}


def measured_where() -> str:
    """The command and machine the claims were measured with, for a caption."""
    record = shipped("captioning") or {}
    hardware = record.get("hardware", {})
    where = hardware.get("device", "?") if isinstance(hardware, dict) else "?"
    full = " --full" if record.get("mode") == "full" else ""
    return f"`python -m demos.captioning eval --json{full}` on {where}"


# ------------------------------------------------------------------------------------------------ drawing


def caption_text(data: dict[str, Any]) -> None:
    """The caption in quotes and whether it names exactly the scene's objects."""
    st.markdown(f"#### “{' '.join(data['words']) or '(empty caption)'}”")
    verdict = "names exactly the scene's objects" if data["exact"] else "does **not** name exactly the scene's objects"
    st.caption(f"The caption {verdict}; log-probability {data['log_prob']:.2f}.")


def attention_chart(data: dict[str, Any], key: str, display_width: int = 420) -> None:
    fig = attention_figure(data, first_shape_word(data), display_width=display_width)
    st.plotly_chart(fig, key=key, config={"displayModeBar": False})
    st.caption(
        "Drag the slider under the scene from word to word. The glow is α, the soft attention over the 8 × 8 grid "
        "of encoder features when that word was chosen (it sums to 1); the dotted square is its peak. For a shape "
        "word, the named object's box is green when the peak touches it and red when it does not."
    )


def check_against_truth(data: dict[str, Any]) -> None:
    """Notes on what makes the scene unlike training, the objects named or missed, and the relations stated."""
    for note in data["notes"]:
        st.warning(note, icon=":material/warning:")
    st.dataframe(truth_rows(data), hide_index=True, width="stretch")
    if data["relations"]:
        stated = [f"{text} {'✓ true' if ok else '✗ false'}" for text, ok in data["relations"]]
        st.caption("Relations: " + "; ".join(stated))
    elif not data["grammatical"]:
        st.caption("The caption does not follow the caption grammar, so its relations cannot be read.")


def panel(lab: Lab, key: str) -> None:
    first = shipped_scene()
    c1, c2, c3 = st.columns([2, 2, 1.3], vertical_alignment="bottom")
    objects = c1.slider("Objects", 1, MAX_OBJECTS, help="Training scenes held 1 to 4.", **kept(f"{key}-objects", 3))
    how = c2.segmented_control(
        "Decoding", list(DECODING), format_func=DECODING.__getitem__, **kept(f"{key}-beam", "greedy")
    )
    if c3.button("Another scene", icon=":material/casino:", key=f"{key}-new"):
        remember(f"{key}-seed", random.SystemRandom().randrange(1_000_000))
    spec = {"seed": recall(f"{key}-seed", first["scene"]["seed"]), "objects": int(objects)}
    beam = 3 if how == "beam" else 1
    data = first if (spec, beam) == (first["scene"], first["beam"]) else caption(spec, beam)
    caption_text(data)
    attention_chart(data, f"{key}-attention")
    where = "shipped result" if data is first else f"computed on {device_label()}"
    st.caption(f"Scene {spec['seed']} with {objects} objects, 64 × 64 pixels ({where}).")


def recall_live(key: str) -> Any | None:
    """The model this session trained live under ``key``, if any."""
    return recall(f"{key}-model")


def live_training(key: str) -> None:
    """Train the shipped architecture live (in a fair slot, at most ``LIVE_SECONDS``, stoppable); the run's loss
    curve and model stay for the session, and the page reruns to offer the model to the caption section."""
    from ui.captioning_view import loss_figure as curve

    steps = st.slider(
        "Steps", 10, 150, step=10, help="About 0.15 s a step on the 2-core CPU.", **kept(f"{key}-steps", 100)
    )
    go, stop = st.columns([1, 4])
    start = go.button("Train now", icon=":material/model_training:", key=f"{key}-go", type="primary")
    stop.button("Stop", icon=":material/stop_circle:", key=f"{key}-stop", help="Stops a run at its next step.")
    if start:
        run_live(key, int(steps))
    history = recall(f"{key}-history")
    if history is not None:
        st.plotly_chart(curve(*history["curve"]), key=f"{key}-loss", config={"displayModeBar": False})
        st.caption(f"Cross-entropy per word at each step: {history['summary']}")


def run_live(key: str, steps: int) -> None:
    """One live run inside a training slot, its progress drawn as it goes; a Stop click (a rerun) ends it."""
    import dataclasses

    from demos.captioning.train import LIVE, LIVE_SECONDS, train

    config = dataclasses.replace(LIVE, steps=steps, warmup=min(LIVE.warmup, steps // 5))
    data = live_data()
    xs: list[int] = []
    ys: list[float] = []
    with training_slot("a captioner"):
        bar = st.progress(0.0, text="Starting…")
        chart = st.empty()

        def on_step(p: Any) -> bool:
            xs.append(p.step)
            ys.append(p.ce)
            remember(f"{key}-history", {"curve": (xs, ys), "summary": f"stopped at step {p.step} of {p.steps}."})
            bar.progress(p.step / p.steps, text=f"step {p.step} of {p.steps} · loss {p.ce:.3f} · {p.seconds:.0f} s")
            if p.step % 10 == 0:
                chart.plotly_chart(loss_figure(xs, ys), key=f"{key}-loss-{p.step}", config={"displayModeBar": False})
            return p.seconds > LIVE_SECONDS

        live, history = train(config, device(), on_step=on_step, data=data)
    done = history[-1]
    limit = "" if done.step == steps else f", stopped at the {LIVE_SECONDS:.0f} s limit"
    summary = f"{done.step} steps in {done.seconds:.1f} s on {device_label()}{limit}; final loss {done.ce:.3f}."
    remember(f"{key}-history", {"curve": (xs, ys), "summary": summary})
    remember(f"{key}-model", live)
    st.rerun(scope="app")  # the caption section above now offers the live model


@st.cache_resource(show_spinner="Rendering 1,000 training scenes…")
def live_data() -> Any:
    """The live run's training scenes, rendered once for every session (read-only tensors)."""
    from demos.captioning.data import caption_set, make_split, scene_config
    from demos.captioning.train import LIVE

    return caption_set(make_split("train", LIVE.train_scenes, scene_config(LIVE.min_objects, LIVE.max_objects)))
