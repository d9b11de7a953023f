"""The transfer lab's figures and texts, built from the shipped sweep record."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from ui.transfer_view import (
    LABEL_ORDER,
    STRATEGY_LABELS,
    curve_figure,
    live_rows,
    missing_runs,
    projection_figure,
    ranking_sentence,
    sweep_caption,
    sweep_figure,
)

SWEEP = Path(__file__).resolve().parents[2] / "demos" / "transfer" / "results" / "sweep.json"


@pytest.fixture(scope="module")
def sweep() -> dict[str, Any]:
    return json.loads(SWEEP.read_text())


def test_the_sweep_figure_draws_the_records_means_and_seed_spread(sweep: dict[str, Any]) -> None:
    fig = sweep_figure(sweep["summary"], "fashion")
    assert [t.name for t in fig.data] == list(STRATEGY_LABELS.values())
    full = next(t for t in fig.data if t.name == STRATEGY_LABELS["full"])
    row = next(
        r for r in sweep["summary"] if (r["dataset"], r["strategy"], r["labels_per_class"]) == ("fashion", "full", 10)
    )
    at = list(full.x).index("10")
    assert list(full.x) == ["1", "5", "10", "50", "all"]
    assert full.y[at] == row["mean"] and full.error_y.array[at] == pytest.approx(row["max"] - row["mean"])
    assert full.error_y.arrayminus[at] == pytest.approx(row["mean"] - row["min"])


def test_a_live_run_adds_one_star_per_strategy_on_its_own_dataset_only(sweep: dict[str, Any]) -> None:
    run = {"dataset": "mnist", "results": [{"strategy": "frozen", "labels_per_class": 5, "accuracy": 0.7}]}
    assert live_rows(run, "fashion") == [] and live_rows(None, "mnist") == []
    fig = sweep_figure(sweep["summary"], "mnist", live_rows(run, "mnist"))
    star = fig.data[-1]
    assert star.marker.symbol == "star" and list(star.x) == ["5"] and list(star.y) == [0.7]
    assert star.name == "your run: frozen features"


def test_missing_runs_lists_exactly_the_absent_rows(sweep: dict[str, Any]) -> None:
    assert missing_runs(sweep) == []  # the shipped sweep is complete
    cut = copy.deepcopy(sweep)
    cut["rows"] = [r for r in cut["rows"] if not (r["strategy"] == "scratch" and r["labels_per_class"] == 50)]
    gone = missing_runs(cut)
    assert len(gone) == 4 and all("MobileNetV2 from scratch · 50 labels" in g for g in gone)


def test_the_caption_says_where_the_sweep_was_measured(sweep: dict[str, Any]) -> None:
    text = sweep_caption(sweep)
    assert "seeds 0, 1" in text and "2-core x86_64 CPU" in text and "1,000 fixed test images" in text


def test_curve_and_projection_figures() -> None:
    points = [
        {"epoch": 1, "train_loss": 2.0, "test_accuracy": None},
        {"epoch": 2, "train_loss": 1.5, "test_accuracy": 0.4},
    ]
    fig = curve_figure(points, "scratch")
    assert list(fig.data[0].y) == [2.0, 1.5] and list(fig.data[1].x) == [2] and fig.data[1].yaxis == "y2"
    fig = projection_figure([[0, 1], [2, 3], [4, 5]], [0, 1, 1], ("a", "b"), "t")
    assert [len(t.x) for t in fig.data] == [1, 2] and fig.layout.title.text == "t"


def test_the_marked_label_count_is_a_dashed_line_and_the_ranking_reads_the_record(sweep: dict[str, Any]) -> None:
    fig = sweep_figure(sweep["summary"], "mnist", marked=5)
    (line,) = fig.layout.shapes
    assert line.x0 == line.x1 == 1 and line.line.dash == "dash"
    assert not sweep_figure(sweep["summary"], "mnist").layout.shapes
    sentence = ranking_sentence(sweep["summary"], "mnist", 10)
    rows = [r for r in sweep["summary"] if r["dataset"] == "mnist" and r["labels_per_class"] == 10 and not r["augment"]]
    best, worst = max(rows, key=lambda r: r["mean"]), min(rows, key=lambda r: r["mean"])
    assert sentence.startswith("At 10 per class, best first: ")
    assert sentence.index(f"{best['mean']:.1%}") < sentence.index(f"{worst['mean']:.1%}")
    assert ranking_sentence(sweep["summary"], "mnist", 7) == ""


def test_the_panels_sentence_about_the_curves_holds_in_the_shipped_sweep(sweep: dict[str, Any]) -> None:
    """The card caption says: with few labels frozen features beat scratch by far; fine-tuning everything beats
    frozen features at every count; on the digits so does the tiny CNN."""
    mean = {
        (r["dataset"], r["strategy"], str(r["labels_per_class"])): r["mean"]
        for r in sweep["summary"]
        if not r["augment"]
    }
    for dataset in ("mnist", "fashion"):
        for n in ("1", "5"):
            assert mean[(dataset, "frozen", n)] > mean[(dataset, "scratch", n)] + 0.2
        for n in LABEL_ORDER:
            assert mean[(dataset, "full", n)] > mean[(dataset, "frozen", n)]
    assert all(mean[("mnist", "tiny-cnn", n)] > mean[("mnist", "frozen", n)] for n in LABEL_ORDER)
