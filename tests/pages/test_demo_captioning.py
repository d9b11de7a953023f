"""The captioning lab: its card panel (the shipped scene at once, another scene computed) and its page (headline
numbers from the claims, a caption with every word's attention, composing with beam search, live training)."""

from __future__ import annotations

import json
import re
from typing import Any

from demos.claims import shipped_claims
from demos.registry import by_name
from tests.pages.conftest import finish_runs, texts
from ui.labs.captioning import SHIPPED

PAGE = "pages/demo_captioning.py"


def attention(at) -> dict[str, Any]:
    """The attention figure: the one whose slider runs over the caption's words."""
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return next(f for f in figures if f["layout"].get("sliders"))


def caption(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("#### “"))


def test_the_card_panel_shows_the_shipped_caption_then_captions_another_scene(app) -> None:
    at = app("pages/card.py", id="attention-captioning")
    assert not at.exception, at.exception
    assert "Try it: Captioning with soft attention" in texts(at)
    shipped = json.loads(SHIPPED.read_text())
    assert caption(at) == f"#### “{' '.join(shipped['words'])}”"
    steps = attention(at)["layout"]["sliders"][0]["steps"]
    assert [s["label"].split(". ", 1)[1] for s in steps] == shipped["words"]  # every word, switched in the browser
    assert "shipped result" in texts(at)
    at.button(key="card-attention-captioning-captioning-new").click().run()  # "Another scene": runs the model
    assert not at.exception, at.exception
    assert "computed on CPU" in texts(at)
    assert [s["label"] for s in attention(at)["layout"]["sliders"][0]["steps"]] != [s["label"] for s in steps]


def test_the_page_shows_the_claims_numbers_and_a_caption_checked_against_the_scene(app) -> None:
    at = app(PAGE)
    assert not at.exception, at.exception
    measured = {c["id"]: c["measured"] for c in shipped_claims(by_name()["captioning"])}
    shown = {m.label: m.value for m in at.metric}
    assert shown["Test BLEU-4"] == f"{measured['bleu4-high']['bleu4']:.2f}"
    assert (
        shown["Attention on the named object"]
        == f"{measured['attention-on-named-object']['attention_on_named_object']:.0%}"
    )
    body = texts(at)
    assert "Compute runs on" in body and "Where it fails" in body
    assert list(at.dataframe[0].value.columns) == ["object in the scene", "named in the caption"]
    assert len(caption(at)) > 12 and attention(at)["layout"]["sliders"][0]["steps"]


def test_compose_beam_search_and_beyond_training_warnings(app) -> None:
    at = app(PAGE)
    at.button_group(key="cap-page-source").set_value("Compose").run()
    assert not at.exception, at.exception
    at.slider(key="cap-page-n").set_value(5).run()
    at.radio(key="cap-page-decoding").set_value("Beam search").run()
    at.slider(key="cap-page-beam").set_value(4).run()
    assert not at.exception, at.exception
    assert "5 objects: training scenes held at most" in " ".join(w.value for w in at.warning)
    truth = list(at.dataframe[0].value["object in the scene"])
    assert "small red circle" in truth and "large blue square" in truth
    # Push two objects onto the same spot: the page says they overlap, which training never showed.
    at.slider(key="cap-page-x1").set_value(0.25).run()
    at.slider(key="cap-page-y1").set_value(0.3).run()
    assert "Objects 1 and 2 touch or overlap" in " ".join(w.value for w in at.warning)


def test_live_training_runs_in_a_slot_and_offers_the_live_model(app) -> None:
    at = app(PAGE)
    at.slider(key="cap-page-live-steps").set_value(10).run()
    at.button(key="cap-page-live-go").click().run(timeout=180)
    assert not at.exception, at.exception
    finish_runs(at, timeout_s=180)
    summary = next(c.value for c in at.caption if c.value.startswith("Cross-entropy per word at each step"))
    assert re.search(r"(10 steps in [\d.]+ s on CPU|\d steps in [\d.]+ s on CPU, stopped at the 30 s limit)", summary)
    assert at.radio(key="cap-page-model").options == ["Shipped checkpoint", "Trained live (below)"]
    at.radio(key="cap-page-model").set_value("Trained live (below)").run()
    assert not at.exception, at.exception
    assert caption(at)
