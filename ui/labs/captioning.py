"""The captioning lab in Streamlit: the card panel (a scene, its caption and where the model looked for every word)
and the cached compute and sections its full page (pages/demo_captioning.py) is built from.

Compute lives in ``demos.captioning`` and figures in ``ui.captioning_view``; this module only caches and draws.
torch is imported on the first computation: the shipped scene draws without it.
"""

from __future__ import annotations

import json
import random
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from demos.claims import shipped, shipped_claims
from demos.registry import Lab, by_name
from ui.captioning_view import attention_figure, first_shape_word, loss_figure, truth_rows
from ui.compute import Progress, job, start, watch
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
    """The model this session trained live under ``key``, if any (a run that has just finished included)."""
    keep_finished(key)
    return recall(f"{key}-model")


def keep_finished(key: str) -> None:
    """Keep a finished live run's model and loss curve for the session (its device named in the summary)."""
    run = job(f"{key}-job")
    if run is None or run.state != "done" or recall(f"{key}-kept") is run:
        return
    result = run.result
    summary = f"{result['done']} steps in {result['seconds']:.1f} s on {device_label()}{result['limit']}; "
    remember(f"{key}-history", {"curve": result["curve"], "summary": summary + f"final loss {result['ce']:.3f}."})
    remember(f"{key}-model", result["model"])
    remember(f"{key}-kept", run)


def live_training(key: str) -> None:
    """Train the shipped architecture live, in the background (:func:`ui.compute.start`: a fair slot, at most
    ``LIVE_SECONDS``, stoppable), its loss curve drawn as it goes; the finished run's curve and model stay for the
    session, and the page reruns (as every finished run does) so the caption section offers the model."""
    from ui.captioning_view import loss_figure as curve

    steps = st.slider(
        "Steps", 10, 150, step=10, help="About 0.15 s a step on the 2-core CPU.", **kept(f"{key}-steps", 100)
    )
    if st.button("Train now", icon=":material/model_training:", key=f"{key}-go", type="primary"):
        start(f"{key}-job", "a captioner", partial(live_run, steps=int(steps), dev=device(), data=live_data()))
    run = watch(f"{key}-job", show_partial=partial(live_curve, key=f"{key}-live-loss"))
    keep_finished(key)
    if run is not None and run.state == "stopped" and run.partial is not None:
        xs, ys = run.partial["curve"]
        st.plotly_chart(curve(xs, ys), key=f"{key}-loss", config={"displayModeBar": False})
        st.caption(f"Cross-entropy per word at each step: stopped at step {xs[-1]} of {run.partial['steps']}.")
        return
    history = recall(f"{key}-history")
    if history is not None and (run is None or not run.active):
        st.plotly_chart(curve(*history["curve"]), key=f"{key}-loss", config={"displayModeBar": False})
        st.caption(f"Cross-entropy per word at each step: {history['summary']}")


def live_curve(snapshot: dict[str, Any], key: str) -> None:
    """A live run's loss so far (``snapshot["curve"]``: steps and losses)."""
    st.plotly_chart(loss_figure(*snapshot["curve"]), key=key, config={"displayModeBar": False})
    st.caption("Cross-entropy per word at each step so far, redrawn as the model trains.")


def live_run(progress: Progress, *, steps: int, dev: torch.device, data: Any) -> dict[str, Any]:
    """One live training of ``steps`` steps (at most ``LIVE_SECONDS``), run in the background: reports every step
    with the loss curve so far (``{"curve", "steps"}``), so a Stop ends it at the next step. Returns the model, its
    curve ``(steps, losses)``, the steps done, the seconds, the final cross-entropy, and a note if the time limit
    ended it."""
    import dataclasses

    from demos.captioning.train import LIVE, LIVE_SECONDS, train

    config = dataclasses.replace(LIVE, steps=steps, warmup=min(LIVE.warmup, steps // 5))
    xs: list[int] = []
    ys: list[float] = []
    progress(0.0, "Starting…")

    def on_step(p: Any) -> bool:
        xs.append(p.step)
        ys.append(p.ce)
        text = f"step {p.step} of {p.steps} · loss {p.ce:.3f} · {p.seconds:.0f} s"
        progress(p.step / p.steps, text, partial={"curve": (list(xs), list(ys)), "steps": p.steps})
        return bool(p.seconds > LIVE_SECONDS)

    model, history = train(config, dev, on_step=on_step, data=data)
    done = history[-1]
    limit = "" if done.step == steps else f", stopped at the {LIVE_SECONDS:.0f} s limit"
    return {
        "model": model,
        "curve": (xs, ys),
        "done": done.step,
        "seconds": done.seconds,
        "ce": done.ce,
        "limit": limit,
    }


@st.cache_resource(show_spinner="Rendering 1,000 training scenes…")
def live_data() -> Any:
    """The live run's training scenes, rendered once for every session (read-only tensors)."""
    from demos.captioning.data import caption_set, make_split, scene_config
    from demos.captioning.train import LIVE

    return caption_set(make_split("train", LIVE.train_scenes, scene_config(LIVE.min_objects, LIVE.max_objects)))
