"""The learning-rate network figure: a divergent run does not stretch the log axis over the others."""

from __future__ import annotations

import math

from ui.labs.optim_view import clip_divergent, curves_figure


def test_the_axis_fits_the_other_runs_and_marks_where_the_divergent_one_leaves() -> None:
    series = {"small": [2.3, 2.2, 2.1], "large": [2.3, 2.9, 1.9], "divergent": [2.3, 21.0, 3.5e4, 7e11, None]}
    fig = curves_figure(series, y_title="loss", log_y=True)
    gone = clip_divergent(fig, series, "divergent")
    assert gone == 2  # 21 is under 10 × 2.9; 35,000 is not
    low, high = fig.layout.yaxis.range
    assert math.isclose(high, math.log10(29.0)) and math.isclose(low, math.log10(1.9) - 0.1)
    (note,) = fig.layout.annotations
    assert note.x == 2 and "step 2" in note.text


def test_a_run_that_stays_in_range_gets_no_mark() -> None:
    series = {"small": [2.3, 2.2], "divergent": [2.3, 20.0]}
    fig = curves_figure(series, y_title="loss", log_y=True)
    assert clip_divergent(fig, series, "divergent") is None and not fig.layout.annotations
    nan_run = {"small": [2.3, 2.2], "divergent": [2.3, float("nan")]}
    assert clip_divergent(curves_figure(nan_run, y_title="loss", log_y=True), nan_run, "divergent") == 1
