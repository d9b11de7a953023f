"""The Bayesian lab in AppTest: the card panel shows the shipped digit, the slider computes; the full page shows the
measured record with conclusions drawn from it, and keeps its settings across a visit to another page."""

from __future__ import annotations

import json

from tests.pages.conftest import texts

PAGE = "pages/demo_bayesian.py"
SLOW = 180  # the first computation loads torch and the four models


def test_card_panel_shows_the_shipped_digit_then_the_slider_computes(app) -> None:
    at = app("pages/card.py", id="bayesian-cnn")
    assert not at.exception
    body = texts(at)
    assert "Try it: Bayesian CNN uncertainty" in body and "What this lab shows, measured" in body
    assert "none of the three sampling models tells out-of-distribution inputs" in body  # a claim, as shipped
    assert "Test digit #0, a 4, turned 45°" in body and "(shipped result)" in body
    shipped = at.get("plotly_chart")[0].proto.spec
    key = "card-bayesian-cnn-bayesian"
    at.slider(key=f"{key}-degrees").set_value(50).run(timeout=SLOW)
    assert not at.exception
    body = texts(at)
    assert "turned 50°" in body and "computed on CPU in" in body
    moved = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert at.get("plotly_chart")[0].proto.spec != shipped
    bars = [t for t in moved["data"] if t.get("type") == "bar"]
    assert bars[0]["y"] == ["Plain CNN", "MC dropout", "Bayes by Backprop", "Deep ensemble"]
    assert all(0 <= v <= 2.31 for t in bars for v in t["x"])  # entropies in nats, at most log 10


def test_page_shows_the_measured_record_and_keeps_settings(app) -> None:
    at = app(PAGE)
    assert not at.exception
    body = texts(at)
    assert "Bayesian CNN uncertainty" in body and "Across the whole test set" in body and "Compute runs on" in body
    assert "python -m demos.bayesian eval --json --full --save" in body  # the record names its command
    assert "Sets on which a model's mutual information beat the plain CNN's entropy" in body  # drawn from it
    assert any("Draw a digit on the black square" in i.value for i in at.info)
    table = at.dataframe[0].value
    assert list(table["model"]) == ["Plain CNN", "MC dropout", "Bayes by Backprop", "Deep ensemble"]
    at.toggle(key="bayes-page-turned").set_value(True).run()
    at.slider(key="page-bayesian-degrees").set_value(90).run(timeout=SLOW)
    assert not at.exception and "turned 90°" in texts(at)
    at.switch_page("pages/home.py").run()  # another page, then back: the settings are still there
    at.switch_page(PAGE).run(timeout=SLOW)
    assert at.slider(key="page-bayesian-degrees").value == 90 and at.toggle(key="bayes-page-turned").value is True


def test_re_run_measures_the_claims_again_in_the_background(app) -> None:
    """The page's Re-run is a background run (ui.compute.start): once it ends, the page shows its fresh record."""
    from tests.pages.conftest import finish_runs

    at = app(PAGE)
    assert "python -m demos.bayesian eval --json --full --save" in texts(at)
    at.button(key="bayes-page-rerun").click().run(timeout=SLOW)
    assert not at.exception, at.exception
    finish_runs(at, timeout_s=SLOW)
    body = texts(at)
    assert "measured by `python -m demos.bayesian eval --json (the page's Re-run)`" in body  # the fresh record
    assert "(fast protocol)" in body  # the fresh record's mode, in place of the shipped full one
