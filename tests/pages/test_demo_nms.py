"""The NMS demo page: raw boxes from the shipped detector, sliders that change what is kept, the photo source."""

from __future__ import annotations

from tests.pages.conftest import texts

PAGE = "pages/demo_nms.py"


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_page_shows_raw_and_kept_boxes_and_links_its_cards(app) -> None:
    at = app(PAGE)
    assert not at.exception
    m = metrics(at)
    raw, kept = int(m["Raw boxes"]), int(m["Kept"])
    assert raw > kept >= 1
    assert int(m["Suppressed"]) == raw - kept
    assert 0.0 <= float(m["Precision"]) <= 1.0
    links = [el.proto.label for el in at.get("page_link")]
    assert {"Non-max suppression (NMS)", "Intersection over union (IoU)"} <= set(links) or len(links) >= 3
    assert "Compute runs on" in texts(at)


def test_lowering_the_iou_threshold_keeps_fewer_boxes(app) -> None:
    at = app(PAGE)
    before = int(metrics(at)["Kept"])
    at.slider(key="iou-greedy").set_value(0.1).run()
    assert not at.exception
    assert int(metrics(at)["Kept"]) < before
    at.slider(key="score-Shapes detector on a rendered scene").set_value(0.0).run()
    assert int(metrics(at)["Raw boxes"]) == 1024  # every grid cell's box, before any threshold


def test_soft_nms_keeps_overlapping_boxes_with_decayed_scores(app) -> None:
    at = app(PAGE)
    greedy = int(metrics(at)["Kept"])
    at.selectbox(key="method").set_value("soft-gaussian").run()
    assert not at.exception
    assert int(metrics(at)["Kept"]) >= greedy
    assert any("Soft-NMS keeps overlapping boxes" in i.value for i in at.info)


def test_the_photo_source_runs_the_haar_cascade(app) -> None:
    at = app(PAGE)
    at.segmented_control(key="source").set_value("Haar cascade on a photo").run()
    assert not at.exception
    m = metrics(at)
    assert int(m["Raw boxes"]) > int(m["Kept"]) >= 1
    assert "OpenCV's own window grouping" in texts(at)
