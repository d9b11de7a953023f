"""The video and augmentation lab panels in AppTest: each draws its shipped result, and one interaction computes.

Each panel runs in its frame (claims, code) through a one-line script, so no database is needed; one test opens a
card through the whole app to show the panel is on it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import streamlit as st
import torch
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import texts

TIMEOUT_S = 180  # a click may load torch, OpenCV and nine models on a busy 2-core machine


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    old = torch.get_num_threads()
    torch.set_num_threads(1)  # small ops wait on the second thread of a busy 2-core machine
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
    torch.set_num_threads(old)


def _lab_script(name: str) -> None:
    from demos.registry import by_name
    from ui.labs.frame import render_panel

    render_panel(by_name()[name], key="t", full=True)


def lab(name: str) -> AppTest:
    at = AppTest.from_function(_lab_script, args=(name,), default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception, at.exception
    return at


def figure_specs(at: AppTest) -> list[str]:
    return [c.proto.spec for c in at.get("plotly_chart")]


def statements_hold(at: AppTest, lab_name: str) -> None:
    body = texts(at)
    assert "What this lab shows, measured" in body
    assert ":red[:material/cancel:]" not in body  # every shipped claim holds
    assert "Measured by `python -m demos." in body
    assert any(e.label == "The code that ran" for e in at.expander), lab_name


def test_optical_flow_panel_shows_the_shipped_clip_then_a_new_one(monkeypatch: pytest.MonkeyPatch) -> None:
    at = lab("optical-flow")
    statements_hold(at, "optical-flow")
    shipped = figure_specs(at)
    assert "shipped result" in texts(at) and "LK tracks (orange)" in shipped[0] and '"path":"M' in shipped[0]
    monkeypatch.setattr("ui.labs.video.flow_clip", lambda seed, pan: _small_flow_clip(seed))
    at.button(key="t-optical-flow-new").click().run()
    assert not at.exception, at.exception
    assert figure_specs(at) != shipped and "computed now with OpenCV" in texts(at)


def _small_flow_clip(seed: int) -> dict:
    from demos.video.flow_lab import clip_view

    return clip_view(seed, frames=4)


def test_background_panel_switches_background_from_the_shipped_views() -> None:
    at = lab("background-subtraction")
    statements_hold(at, "background-subtraction")
    swaying = figure_specs(at)
    at.segmented_control(key="t-background-subtraction-kind").set_value("brightening").run()
    assert not at.exception, at.exception
    assert figure_specs(at) != swaying and "brightening textured background" in texts(at)


def test_actions_panel_shows_every_models_prediction_then_runs_them_on_a_new_clip() -> None:
    at = lab("video-actions")
    statements_hold(at, "video-actions")
    specs = figure_specs(at)
    probs = next(f for f in specs if "Probability each model gives" in f)
    for name in ("Single frame", "Two-stream", "C3D (3-D conv)", "Flow histograms + SVM"):
        assert name in probs
    bars = sum(len(t["y"]) for t in json.loads(probs)["data"] if t["type"] == "bar")
    assert f"what each of the {bars} shipped models predicts" in texts(at)  # the count comes from the bars
    assert any("Flow colours: direction" in f for f in specs)  # the flow pictures' colour key
    at.button(key="t-video-actions-new").click().run()
    assert not at.exception, at.exception
    assert "computed now on CPU" in texts(at)
    assert next(f for f in figure_specs(at) if "Probability each model gives" in f) != probs


def test_trajectories_panel_changes_action_and_computes_a_new_clip() -> None:
    at = lab("dense-trajectories")
    statements_hold(at, "dense-trajectories")
    grow = figure_specs(at)
    at.selectbox(key="t-dense-trajectories-action").set_value("left").run()
    assert not at.exception and figure_specs(at) != grow
    at.button(key="t-dense-trajectories-new").click().run()
    assert not at.exception, at.exception
    assert "computed now on the CPU" in texts(at)


def test_augmentation_panel_draws_again_with_torch() -> None:
    at = lab("augmentation")
    statements_hold(at, "augmentation")
    gallery = figure_specs(at)[0]
    assert "shipped draws" in texts(at)
    at.button(key="t-augmentation-new").click().run()
    assert not at.exception, at.exception
    assert figure_specs(at)[0] != gallery and "computed now on the CPU" in texts(at)


def test_a_video_card_shows_its_lab_panels(app) -> None:  # type: ignore[no-untyped-def]
    at = app("pages/card.py", id="optical-flow")
    assert not at.exception, at.exception
    body = texts(at)
    assert "Try it: Optical flow between two frames" in body
    assert "Try it: Actions from motion: one frame to two streams" in body
