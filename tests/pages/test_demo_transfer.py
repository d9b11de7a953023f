"""The transfer demo page: trains live, shows per-strategy results, and reports a missing dataset."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pages.conftest import texts

PAGE = "pages/demo_transfer.py"
SWEEP = Path(__file__).resolve().parents[2] / "demos" / "transfer" / "results" / "sweep.json"


def test_page_trains_the_frozen_head_and_shows_its_results(
    app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRANSFER_CACHE_DIR", str(tmp_path / "cache"))
    at = app(PAGE)
    assert not at.exception
    assert at.title[0].value == "Transfer learning"
    assert "Compute runs on" in texts(at)
    if SWEEP.is_file():
        assert len(at.tabs) >= 1 and "Measured on" in texts(at)  # the shipped accuracy-vs-labels curves
    at.multiselect[0].set_value(["frozen"])
    at.select_slider[0].set_value(1)  # labelled images per class
    at.select_slider[1].set_value(5)  # epochs
    at.button[0].click().run(timeout=240)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    accuracy = metrics["Frozen ImageNet features + linear head"]
    assert accuracy.endswith("%") and 10.0 < float(accuracy.rstrip("%")) <= 100.0
    body = texts(at)
    assert "10 labelled images · 5 epochs" in body
    assert "Misclassified test images" in body and "--strategy frozen" in body
    assert len(at.get("image")) >= 1  # misclassified examples are drawn


def test_page_reports_missing_fashion_mnist_with_the_install_command(
    app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path))
    monkeypatch.delenv("TRANSFER_SPLITS_NPZ", raising=False)
    at = app(PAGE)
    at.selectbox[0].set_value("fashion").run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("apt-get install dataset-fashion-mnist" in e for e in errors)
    assert not at.button  # nothing to train on
