"""The optimiser labs' panels in AppTest: each draws its shipped result at once, and one interaction computes.
Live trainings are shrunk to a few steps (the panels' LIVE sizes)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import finish_runs, texts

SCRIPT = """
from demos.registry import by_name
from ui.labs.frame import render_panel
render_panel(by_name()[{name!r}], "t", full=True)
"""


def lab_app(name: str) -> AppTest:
    """A lab's panel with its frame (claims, code) as the lab page draws it, without the rest of the app."""
    at = AppTest.from_string(SCRIPT.format(name=name), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def spec(at: AppTest, index: int = 0) -> dict[str, Any]:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


@pytest.fixture
def small_live(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import ui.labs.optim as optim

    monkeypatch.setitem(optim.LIVE, "race_steps", 6)
    monkeypatch.setitem(optim.LIVE, "lr_steps", 6)
    monkeypatch.setitem(optim.LIVE, "range_steps", 10)
    monkeypatch.setitem(optim.LIVE, "sync_steps", 40)
    yield


def test_the_race_draws_at_once_and_a_new_surface_recomputes(small_live) -> None:  # type: ignore[no-untyped-def]
    at = lab_app("optimisers")
    body = texts(at)
    assert "What this lab shows, measured" in body and "moves exactly as torch.optim's optimiser" in body
    race = spec(at)
    steps = race["layout"]["sliders"][0]["steps"]
    assert len(steps) == 7 and race["layout"]["sliders"][0]["active"] == 3  # 1/8 .. 8 times each best rate
    names = [t.get("name", "") for t in race["data"]]
    assert sum(n.startswith(("SGD ·", "Adam ·", "Momentum ·")) for n in names) == 3
    assert "Shipped result of `python -m demos.optim race --save`" in body
    at.selectbox(key="t-optimisers-surface").set_value("beale").run()
    assert not at.exception
    after = spec(at)
    assert after["layout"]["images"][0]["source"] != race["layout"]["images"][0]["source"]  # another surface
    assert "Beale's function" in texts(at)


def test_the_network_race_trains_live(small_live) -> None:  # type: ignore[no-untyped-def]
    at = lab_app("optimisers")
    at.multiselect(key="t-optimisers-rules").set_value(["sgd", "adam"]).run()
    at.button(key="t-optimisers-train").click().run()
    finish_runs(at)
    assert not at.exception
    assert "computed live on CPU" in texts(at)
    loss = spec(at, 1)
    assert [t["name"].split(" (")[0] for t in loss["data"]] == ["SGD", "Adam"]
    assert len(loss["data"][0]["y"]) == 6


def test_learning_rate_panel_surface_slider_and_live_runs(small_live) -> None:  # type: ignore[no-untyped-def]
    at = lab_app("learning-rate")
    lr = spec(at)
    regimes = [s["args"][1]["meta"]["regime"].split(":")[0] for s in lr["layout"]["sliders"][0]["steps"]]
    assert regimes[0] == "too small" and regimes[-1] == "divergent" and "about right" in regimes
    assert "too large" in regimes
    at.button(key="t-learning-rate-lrtrain").click().run()
    finish_runs(at)
    assert not at.exception and "computed live on CPU" in texts(at)


def test_sync_panel_slider_holds_every_staleness_and_a_live_run_draws(small_live) -> None:  # type: ignore[no-untyped-def]
    at = lab_app("sync-async")
    fig = spec(at)
    labels = [s["label"] for s in fig["layout"]["sliders"][0]["steps"]]
    assert labels == ["0", "1", "2", "4", "8", "16", "32"]
    assert "Staleness 4" in fig["layout"]["title"]["text"]
    at.slider(key="t-sync-async-tau").set_value(3).run()
    at.button(key="t-sync-async-run").click().run()
    finish_runs(at)
    assert not at.exception
    assert "Your run: staleness 3, learning rate 0.1, computed live on CPU" in texts(at)
