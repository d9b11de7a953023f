"""The captioning demo page: captions a scene with the shipped model, shows attention, handles composing."""

from __future__ import annotations

from tests.pages.conftest import texts

PAGE = "pages/demo_captioning.py"


def test_random_scene_is_captioned_with_attention_and_checked_against_the_truth(app) -> None:
    at = app(PAGE)
    assert not at.exception, at.exception
    body = texts(at)
    assert "Captioning with soft attention" in body
    assert "Compute runs on" in body
    caption = next(m.value for m in at.markdown if m.value.startswith("#### “"))
    assert len(caption) > 12
    assert "Where the model looked for each word" in body
    assert any(m.label == "Test BLEU-4" for m in at.metric)
    table = at.dataframe[0].value
    assert list(table.columns) == ["object in the scene", "named in the caption"]
    assert len(at.get("plotly_chart")) >= 2  # attention map and the failure chart
    assert "Where it fails" in body


def test_compose_beam_search_and_beyond_training_warning(app) -> None:
    at = app(PAGE)
    at.button_group(key="source").set_value("Compose").run()
    assert not at.exception, at.exception
    at.slider(key="n_compose").set_value(5).run()
    at.radio(key="mode").set_value("Beam search").run()
    at.slider(key="beam").set_value(4).run()
    assert not at.exception, at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "5 objects: training scenes held at most" in warnings
    truth = list(at.dataframe[0].value["object in the scene"])
    assert "small red circle" in truth and "large blue square" in truth
    # Push two objects onto the same spot: the page says they overlap, which training never showed.
    at.slider(key="x1").set_value(0.25).run()
    at.slider(key="y1").set_value(0.3).run()
    assert "Objects 1 and 2 touch or overlap" in " ".join(w.value for w in at.warning)


def test_live_training_runs_and_offers_the_live_model(app) -> None:
    at = app(PAGE)
    at.slider(key="live_steps").set_value(20).run()
    at.button(key="live_go").click().run(timeout=600)
    assert not at.exception, at.exception
    assert at.radio(key="which").options == ["Shipped checkpoint", "Trained live (below)"]
    at.radio(key="which").set_value("Trained live (below)").run()
    assert not at.exception, at.exception
    assert any(m.value.startswith("#### “") for m in at.markdown)
