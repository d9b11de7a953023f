"""The transfer lab in AppTest: the card panel shows the shipped curves and trains frozen vs scratch; the full page
trains any strategy, keeps its settings and results, and reports a missing dataset."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import texts

PAGE = "pages/demo_transfer.py"
SWEEP = Path(__file__).resolve().parents[2] / "demos" / "transfer" / "results" / "sweep.json"
SLOW = 240  # a live run loads torch and the ImageNet weights, and trains
TEST_IMAGES = 60  # the live runs here score this many test images, not 1,000: the runs are the subject, not the numbers


def finish(at: AppTest, key: str) -> None:
    """Wait for the live run kept under ``key`` (a background thread) to end, then draw the page again."""
    deadline = time.monotonic() + SLOW
    while at.session_state[key].active and time.monotonic() < deadline:
        time.sleep(0.2)
    assert at.session_state[key].state == "done", at.session_state[key].error
    at.run(timeout=SLOW)


@pytest.fixture(scope="module")
def small_split(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MNIST's fixed split with only its first 60 test images, as the .npz that TRANSFER_SPLITS_NPZ points at."""
    from demos.transfer.cache import default_cache_dir
    from demos.transfer.data import Split, load_split, save_splits

    full = load_split("mnist", cache_dir=default_cache_dir())  # the split file a first run leaves there, if any
    path = tmp_path_factory.mktemp("transfer") / "splits.npz"
    small = Split(
        "mnist",
        full.pool_images,
        full.pool_labels,
        full.test_images[:TEST_IMAGES],
        full.test_labels[:TEST_IMAGES],
        full.class_names,
    )
    save_splits(path, [small])
    return path


@pytest.fixture(autouse=True)
def small_data(small_split: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from demos.transfer.train import cached_split

    monkeypatch.setenv("TRANSFER_SPLITS_NPZ", str(small_split))
    monkeypatch.setenv("TRANSFER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("demos.transfer.train.AUTO_STEPS", 12)  # auto epochs: about 12 optimiser steps
    cached_split.cache_clear()
    yield
    cached_split.cache_clear()


def test_card_panel_shows_the_shipped_curves_then_trains_frozen_vs_scratch(app) -> None:
    at = app("pages/card.py", id="transfer-learning")
    assert not at.exception
    body = texts(at)
    assert "Try it: Transfer learning" in body and "What this lab shows, measured" in body
    assert "beats the same network trained from scratch by at least 15 points" in body  # a claim, as shipped
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [t["name"] for t in spec["data"]]
    assert "Frozen ImageNet features + linear head" in names and not any("your run" in n for n in names)
    frozen = next(t for t in spec["data"] if t["name"].startswith("Frozen"))
    shipped = json.loads(SWEEP.read_text())["summary"]
    at10 = next(
        r for r in shipped if r["dataset"] == "mnist" and r["strategy"] == "frozen" and r["labels_per_class"] == 10
    )
    assert frozen["y"][frozen["x"].index("10")] == at10["mean"]  # the figure reads the shipped record
    key = "card-transfer-learning-transfer"
    at.select_slider(key=f"{key}-labels").set_value(1).run()
    at.button(key=f"{key}-train").click().run(timeout=SLOW)
    assert not at.exception
    finish(at, f"{key}-job")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    stars = [t for t in spec["data"] if t["name"].startswith("your run")]
    assert len(stars) == 2 and all(t["x"] == ["1"] and 0.0 <= t["y"][0] <= 1.0 for t in stars)
    assert f"scored on the first {TEST_IMAGES} test images" in texts(at) and "computed on CPU" in texts(at)


def test_page_trains_keeps_its_results_and_shows_the_sweep_record(app) -> None:
    at = app(PAGE)
    assert not at.exception
    assert at.title[0].value == "Transfer learning"
    body = texts(at)
    assert "Compute runs on" in body and "Measured by `python -m demos.transfer sweep`" in body
    assert len(at.get("plotly_chart")) >= 1  # the shipped accuracy-vs-labels curves
    at.multiselect(key="transfer-page-strategies").set_value(["frozen", "tiny-cnn"])
    at.select_slider(key="transfer-page-labels").set_value(1)
    at.select_slider(key="transfer-page-epochs").set_value(5)
    at.button(key="transfer-page-train").click().run(timeout=SLOW)
    assert not at.exception
    finish(at, "transfer-page-job")
    accuracy = {m.label: m.value for m in at.metric}["Frozen ImageNet features + linear head"]
    assert accuracy.endswith("%") and 10.0 < float(accuracy.rstrip("%")) <= 100.0
    body = texts(at)
    assert "10 labelled images · 5 epochs" in body and "--strategy frozen" in body
    assert len(at.get("imgs") or at.get("image")) >= 1  # misclassified examples are drawn
    at.switch_page("pages/home.py").run()  # another page, then back: settings and results are still there
    at.switch_page(PAGE).run(timeout=SLOW)
    assert at.select_slider(key="transfer-page-labels").value == 1
    assert {m.label: m.value for m in at.metric}["Frozen ImageNet features + linear head"] == accuracy


def test_page_reports_missing_fashion_mnist_with_the_install_command(
    app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path))
    monkeypatch.delenv("TRANSFER_SPLITS_NPZ", raising=False)
    at = app(PAGE)
    at.selectbox(key="transfer-page-dataset").set_value("fashion").run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("apt-get install dataset-fashion-mnist" in e for e in errors)
    assert not [b for b in at.button if b.key == "transfer-page-train"]  # nothing to train on
