"""The training labs' panels in AppTest: each draws its shipped result at once, and one interaction computes.
Live trainings are shrunk to a few steps (the panels' LIVE sizes)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pages.conftest import finish_runs, texts
from tests.pages.test_lab_optim import lab_app, spec


@pytest.fixture
def small_live(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import ui.labs.train as train

    for key, value in {"bn_steps": 8, "reg_epochs": 1, "loss_steps": 8, "embed_steps": 12}.items():
        monkeypatch.setitem(train.LIVE, key, value)
    yield


def test_activations_shipped_then_a_new_depth_measures_live() -> None:
    at = lab_app("activations")
    grads = spec(at, 1)
    assert [t["name"] for t in grads["data"]] == ["sigmoid", "tanh", "relu"]
    assert len(grads["data"][0]["y"]) == 21  # 20 hidden layers and the output layer
    assert "Shipped result of `python -m demos.train gradients --save`" in texts(at)
    at.slider(key="t-activations-depth").set_value(6).run()
    assert not at.exception
    assert len(spec(at, 1)["data"][0]["y"]) == 7
    assert "computed just now on CPU" in texts(at)


def test_batch_norm_shipped_then_trains_live(small_live) -> None:  # type: ignore[no-untyped-def]
    at = lab_app("batch-norm")
    fig = spec(at)
    assert [s["label"] for s in fig["layout"]["sliders"][0]["steps"]] == ["0.03", "0.1", "0.3", "1", "3"]
    assert "without batch norm diverged" in fig["layout"]["title"]["text"]
    assert {m.label for m in at.metric} == {"Eval mode", "Train mode, mixed batches", "Train mode, one class per batch"}
    at.button(key="t-batch-norm-train").click().run()
    finish_runs(at)
    assert not at.exception and "computed live on CPU" in texts(at)
    assert [s["label"] for s in spec(at)["layout"]["sliders"][0]["steps"]] == ["1"]


def test_regularisation_shipped_then_trains_live(small_live) -> None:  # type: ignore[no-untyped-def]
    at = lab_app("regularisation")
    bars = spec(at)
    assert bars["data"][0]["x"] == ["none", "L2", "L1", "Dropout", "DropConnect"]
    at.multiselect(key="t-regularisation-methods").set_value(["none", "l1"]).run()
    at.button(key="t-regularisation-train").click().run()
    finish_runs(at)
    assert not at.exception and "computed live on CPU" in texts(at)
    assert spec(at)["data"][0]["x"] == ["none", "L1"]


def test_bias_variance_draws_then_new_training_sets_refit() -> None:
    at = lab_app("bias-variance")
    fit = spec(at)
    assert len(fit["layout"]["sliders"][0]["steps"]) == 16 and fit["layout"]["title"]["text"].startswith("Degree 3")
    before = spec(at, 1)["data"][1]["y"]
    at.button(key="t-bias-variance-new").click().run()
    assert not at.exception and "computed just now (numpy)" in texts(at)
    assert spec(at, 1)["data"][1]["y"] != before


def test_losses_shipped_then_trains_live(small_live) -> None:  # type: ignore[no-untyped-def]
    at = lab_app("losses")
    charts = at.get("plotly_chart")
    assert len(charts) == 3
    temps = [s["label"] for s in spec(at, 2)["layout"]["sliders"][0]["steps"]]
    assert temps[0] == "0.05" and temps[-1] == "100"
    assert {m.label for m in at.metric} == {"Softmax head", "SVM head (hinge)", "scikit-learn LinearSVC"}
    at.button(key="t-losses-train").click().run()
    finish_runs(at)
    assert not at.exception and "computed live on CPU" in texts(at)


def test_embeddings_shipped_then_trains_live(small_live) -> None:  # type: ignore[no-untyped-def]
    at = lab_app("embeddings")
    fig = spec(at)
    assert len(fig["frames"]) == 13 and "recall@1" in fig["layout"]["title"]["text"]
    at.segmented_control(key="t-embeddings-loss").set_value("triplet").run()
    at.button(key="t-embeddings-train").click().run()
    finish_runs(at)
    assert not at.exception and "trained live on CPU" in texts(at)
    assert spec(at)["layout"]["sliders"][0]["steps"][-1]["label"] == "12"
