"""The backprop panel in AppTest: the shipped graph and its checks at once; new numbers recompute with torch."""

from __future__ import annotations

from tests.pages.conftest import texts
from tests.pages.test_lab_optim import lab_app, spec


def test_the_graph_steps_through_both_passes_and_new_numbers_recompute() -> None:
    at = lab_app("backprop")
    fig = spec(at)
    labels = [s["label"] for s in fig["layout"]["sliders"][0]["steps"]]
    assert labels[0] == "start" and any(x.startswith("F") for x in labels) and labels[-1].startswith("B")
    table = at.dataframe[0].value
    assert list(table["weight or input"]) == ["x1", "x2", "w1", "w2", "b", "t"]
    assert (table["|engine − torch|"] < 1e-12).all()
    body = texts(at)
    assert "deltaoutput = error * dsigmoid(sum)" in body and "shipped graph" in body
    at.button(key="t-backprop-new").click().run()
    assert not at.exception
    assert "your numbers, just now" in texts(at)
    fresh = at.dataframe[0].value
    assert list(fresh["value"]) != list(table["value"])
    assert (abs(fresh["∂L/∂ (this engine)"] - fresh["torch.autograd"]) < 1e-12).all()
