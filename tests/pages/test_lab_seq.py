"""The sequence labs' panels on their lab pages: the shipped result draws at once, one interaction computes."""

from __future__ import annotations

import json
import time

import pytest

from tests.pages.conftest import texts

PAGE = "pages/lab.py"


def finish_live(at, key: str, timeout_s: float = 120) -> None:
    """Wait for the panel's background run (ui.compute.start) to end, then rerun the page as the browser's
    watcher does; the run must have finished, not stopped or failed."""
    deadline = time.monotonic() + timeout_s
    job = at.session_state[f"{key}-job"]
    while job.active:
        assert time.monotonic() < deadline, f"the live run {job.what!r} did not end in {timeout_s} s"
        time.sleep(0.05)
    assert job.state == "done", (job.state, job.error)
    at.run()


def figure(at, key: str) -> dict:
    return json.loads(
        next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key) or key in c.proto.id).proto.spec
    )


def test_memory_panel_redraws_by_length_and_trains_live(app, monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.labs.seq

    monkeypatch.setattr(ui.labs.seq, "LIVE_MEMORY_STEPS", 5)
    at = app(PAGE, name="seq-memory")
    assert not at.exception
    body = texts(at)
    assert "Backprop through time, length 40" in json.dumps([c.proto.spec for c in at.get("plotly_chart")])
    assert "At sequence length 40 the LSTM and the GRU name the first symbol" in body
    at.select_slider(key="page-seq-memory-length").set_value(10).run()
    assert "Backprop through time, length 10" in json.dumps([c.proto.spec for c in at.get("plotly_chart")])
    at.button(key="page-seq-memory-train").click().run()
    assert not at.exception
    finish_live(at, "page-seq-memory")
    assert "Your run at length 10 (5 steps" in texts(at)


def test_language_model_panel_shows_perplexity_samples_and_a_unit_then_samples_again_and_trains_live(
    app, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ui.labs.seq

    monkeypatch.setattr(ui.labs.seq, "LIVE_LM_SECONDS", 0.5)
    at = app(PAGE, name="seq-lm")
    assert not at.exception
    shipped = at.code[0].value
    assert shipped.startswith("An LSTM ") and len(shipped) > 200
    assert "Held-out perplexity" in json.dumps([c.proto.spec for c in at.get("plotly_chart")])
    at.select_slider(key="page-seq-lm-temp").set_value(0.3).run()
    assert at.code[0].value != shipped and "Shipped sample" in texts(at)
    at.button(key="page-seq-lm-resample").click().run(timeout=180)
    assert not at.exception
    assert "New sample, computed on CPU" in texts(at)
    at.button(key="page-seq-lm-train").click().run()
    finish_live(at, "page-seq-lm")
    assert not at.exception
    assert "A 64-unit LSTM, " in texts(at) and "Your live run" in json.dumps(
        [c.proto.spec for c in at.get("plotly_chart")]
    )


def test_attention_panel_translates_typed_letters(app) -> None:
    at = app(PAGE, name="seq-attention")
    assert not at.exception
    assert "circles mark the letter it should copy" in texts(at)
    at.text_input(key="page-seq-attention-typed").input("abcdefgh").run(timeout=180)
    assert not at.exception
    assert "computed on CPU" in texts(at)
    at.text_input(key="page-seq-attention-typed").input("hello world").run()
    assert any("Cannot translate" in e.value for e in at.error)


def test_word_vector_panel_computes_neighbours_of_a_word_it_did_not_ship(app) -> None:
    at = app(PAGE, name="seq-wordvec")
    assert not at.exception
    assert "MiniLM's table, learned from general text" in texts(at)
    at.selectbox(key="page-seq-wordvec-word").set_value("filter").run(timeout=180)
    assert not at.exception
    assert "computed (numpy, no torch)" in texts(at)
    assert len(at.dataframe[0].value) == 10
