"""The Bayesian lab's figures and texts, built from the shipped claims record and panel digit."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from demos.claims import shipped
from ui.bayesian_view import (
    NAMES,
    angle_figure,
    auroc_rows,
    cost_figure,
    digit_sweep_figure,
    explain,
    measured,
    reliability_figure,
    roc_figure,
    rotation_figure,
    summary_rows,
    training_rows,
)

ROOT = Path(__file__).resolve().parents[2] / "demos" / "bayesian"


@pytest.fixture(scope="module")
def record() -> dict[str, Any]:
    found = shipped("bayesian")
    assert found is not None
    return found


@pytest.fixture(scope="module")
def digit() -> dict[str, Any]:
    return json.loads((ROOT / "results" / "panel_digit.json").read_text())


def test_the_angle_figure_stacks_each_models_entropy_parts(digit: dict[str, Any]) -> None:
    answer = digit["sweep"][3]  # 45 degrees
    fig = angle_figure(answer)
    image, aleatoric, epistemic = fig.data
    assert image.type == "heatmap" and len(image.z) == 28
    assert list(aleatoric.y) == list(NAMES.values())
    for i, kind in enumerate(NAMES):
        m = answer["models"][kind]
        assert aleatoric.x[i] == m["expected_entropy"] and epistemic.x[i] == m["mutual_information"]
        assert epistemic.text[i].strip() == f"{m['predicted']} · {m['confidence']:.0%}"
    sweep = digit_sweep_figure(digit["sweep"], 45)
    assert len(sweep.data) == 4 and list(sweep.data[0].x) == digit["angles"]


def test_the_summary_table_reads_the_record(record: dict[str, Any]) -> None:
    rows = summary_rows(record)
    acc = measured(record, "accuracy")["accuracy"]
    assert [r["model"] for r in rows] == list(NAMES.values())
    assert rows[0]["accuracy"] == f"{acc['baseline']:.1%}"
    assert rows[0]["OOD AUROC by MI"] == "—"  # the plain CNN has one pass: no disagreement
    by_mi = measured(record, "mutual-information-no-better")["mean_auroc_by_mutual_information"]
    assert [float(r["OOD AUROC by MI"]) for r in rows[1:]] == pytest.approx([by_mi[k] for k in list(NAMES)[1:]])
    table = auroc_rows(record)
    assert len(table) == len(measured(record, "mutual-information-no-better")["sets"])


def test_explanations_follow_the_numbers_of_the_record_they_are_given(record: dict[str, Any]) -> None:
    """After a re-run the sentences must describe the new numbers, not the shipped ones."""
    lines = explain(record)
    assert "Sets on which a model's mutual information beat the plain CNN's entropy" in lines[-2]
    assert lines[-1].startswith("So averaging passes helped mostly")  # the shipped record: entropy wins
    flipped = copy.deepcopy(record)
    mi = next(c for c in flipped["claims"] if c["id"] == "mutual-information-no-better")["measured"]
    ent = next(c for c in flipped["claims"] if c["id"] == "predictive-entropy-better")["measured"]
    for kind in ("mc_dropout", "bbb", "ensemble"):
        mi["auroc_by_set"][kind] = dict.fromkeys(mi["sets"], 0.999)
        ent["auroc_by_set"][kind] = dict.fromkeys(mi["sets"], 0.5)
    lines = explain(flipped)
    n = len(mi["sets"])
    assert f"MC dropout {n} of {n}" in lines[-2] and "disagreement carried more of the signal" in lines[-1]
    assert "best by mutual information 0.999" in lines[0]


def test_calibration_roc_rotation_and_cost_figures(record: dict[str, Any]) -> None:
    cal = measured(record, "calibration-under-shift")
    fig = reliability_figure(cal["rotated_reliability"], cal["rotated_ece"])
    assert fig.layout.annotations[0].text == f"Plain CNN · ECE {cal['rotated_ece']['baseline']:.3f}"
    mi = measured(record, "mutual-information-no-better")
    fig = roc_figure(mi["roc"], mi["auroc_by_set"], "noise")
    assert fig.data[1].name == f"MC dropout · AUROC {mi['auroc_by_set']['mc_dropout']['noise']:.3f}"
    fig = rotation_figure(measured(record, "rotation-raises-disagreement")["sweep"])
    assert len(fig.data) == 12  # three panels, four models
    cost = measured(record, "uncertainty-costs")
    fig = cost_figure(cost["ms_per_prediction"], cost["parameters"])
    assert list(fig.data[0].y) == [cost["ms_per_prediction"][k] for k in NAMES]


def test_training_rows_name_each_shipped_models_command() -> None:
    rows = training_rows(json.loads((ROOT / "checkpoints" / "train.json").read_text()))
    assert [r["model"] for r in rows] == list(NAMES.values())
    assert all(r["command"].startswith("python -m demos.bayesian train") for r in rows)
