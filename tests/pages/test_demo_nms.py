"""The NMS demo page: raw boxes from the shipped detector, a figure whose IoU slider holds NMS run at every
threshold, the step-through, and the photo source."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.pages.conftest import texts

PAGE = "pages/demo_nms.py"


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def box_figure(at) -> dict[str, Any]:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def slider_views(at) -> dict[float, dict[str, Any]]:
    """IoU threshold -> the counts the figure shows when its slider is there."""
    steps = box_figure(at)["layout"]["sliders"][0]["steps"]
    return {float(s["label"]): s["args"][1]["meta"] for s in steps}


def test_the_page_shows_raw_and_kept_boxes_and_links_its_cards(app) -> None:
    at = app(PAGE)
    assert not at.exception
    raw = int(metrics(at)["Raw boxes"])
    layout = box_figure(at)["layout"]
    shown = layout["meta"]
    assert shown["iou"] == 0.5 and raw > shown["kept"] >= 1
    assert shown["suppressed"] == raw - shown["kept"]
    assert 0.0 <= shown["precision"] <= 1.0 and 0.0 <= shown["ap"] <= 1.0
    assert re.match(rf"<b>{shown['kept']}</b> kept · {shown['suppressed']} suppressed", layout["title"]["text"])
    suppressed = [s for s in layout["shapes"] if s["name"].startswith("suppressed")]
    assert len(suppressed) == 1 and suppressed[0]["path"].count("M") == shown["suppressed"]
    links = [el.proto.label for el in at.get("page_link")]
    assert {"Non-max suppression (NMS)", "Intersection over union (IoU)"} <= set(links) or len(links) >= 3
    assert "Compute runs on" in texts(at)


def test_the_figure_slider_holds_every_threshold_and_lower_keeps_fewer(app) -> None:
    at = app(PAGE)
    views = slider_views(at)
    assert sorted(views) == [round(0.05 * i, 2) for i in range(1, 20)]
    raw = int(metrics(at)["Raw boxes"])
    assert all(v["kept"] + v["suppressed"] == raw for v in views.values())
    assert views[0.1]["kept"] < views[0.5]["kept"] <= views[0.9]["kept"]
    at.slider(key="score-Shapes detector on a rendered scene").set_value(0.0).run()
    assert not at.exception
    assert int(metrics(at)["Raw boxes"]) == 1024  # every grid cell's box, before any threshold
    assert slider_views(at)[0.5]["kept"] + slider_views(at)[0.5]["suppressed"] == 1024


def test_the_step_through_follows_its_own_threshold(app) -> None:
    at = app(PAGE)
    first = next(m.value for m in at.markdown if m.value.startswith("**Step 1 of"))
    at.select_slider(key="iou-greedy").set_value(0.1).run()
    assert not at.exception
    lower = next(m.value for m in at.markdown if m.value.startswith("**Step 1 of"))
    n_steps = lambda text: int(re.search(r"Step 1 of (\d+)", text).group(1))  # noqa: E731
    assert n_steps(lower) < n_steps(first)  # a stricter threshold leaves fewer boxes to pick
    assert n_steps(lower) == slider_views(at)[0.1]["kept"]  # one greedy step per kept box


def test_soft_nms_keeps_overlapping_boxes_with_decayed_scores(app) -> None:
    at = app(PAGE)
    greedy = box_figure(at)["layout"]["meta"]["kept"]
    at.selectbox(key="method").set_value("soft-gaussian").run()
    assert not at.exception
    assert box_figure(at)["layout"]["meta"]["kept"] >= greedy
    assert any("Soft-NMS keeps overlapping boxes" in i.value for i in at.info)


def test_the_photo_source_runs_the_haar_cascade(app) -> None:
    at = app(PAGE)
    at.segmented_control(key="source").set_value("Haar cascade on a photo").run()
    assert not at.exception
    shown = box_figure(at)["layout"]["meta"]
    assert int(metrics(at)["Raw boxes"]) > shown["kept"] >= 1
    assert "precision" not in shown  # no ground truth for photos
    assert "OpenCV's own window grouping" in texts(at)
