"""The NMS lab page: raw boxes from the shipped detector, one IoU threshold for the figure, the step-through and the
charts, a random scene, the photo source whose cascade follows the photo, and held-out AP from the claims."""

from __future__ import annotations

import json
import re
from typing import Any

from demos.claims import shipped_claims
from demos.registry import by_name
from tests.pages.conftest import texts

PAGE = "pages/demo_nms.py"


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def shown(at) -> dict[str, Any]:
    """The counts the box figure shows (its layout meta)."""
    return json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["meta"]


def steps(at) -> int:
    text = next(m.value for m in at.markdown if m.value.startswith("**Step "))
    return int(re.search(r"Step \d+ of (\d+)", text).group(1))


def test_one_iou_threshold_drives_the_boxes_and_the_step_through(app) -> None:
    at = app(PAGE)
    assert not at.exception, at.exception
    layout = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]
    at_half = layout["meta"]
    raw = int(metrics(at)["Raw boxes"])
    assert at_half["iou"] == 0.5 and raw > at_half["kept"] >= 1 and at_half["suppressed"] == raw - at_half["kept"]
    assert 0.0 <= at_half["precision"] <= 1.0 and 0.0 <= at_half["ap"] <= 1.0
    assert re.match(rf"<b>{at_half['kept']}</b> kept · {at_half['suppressed']} suppressed", layout["title"]["text"])
    suppressed = [s for s in layout["shapes"] if s["name"].startswith("suppressed")]
    assert len(suppressed) == 1 and suppressed[0]["path"].count("M") == at_half["suppressed"]
    assert steps(at) == at_half["kept"]  # the greedy loop keeps one box per step
    assert "Compute runs on" in texts(at)

    at.select_slider(key="nms-page-iou").set_value(0.1).run()
    assert not at.exception, at.exception
    strict = shown(at)
    assert strict["iou"] == 0.1 and strict["kept"] < at_half["kept"]  # a stricter threshold deletes neighbours
    assert steps(at) == strict["kept"]  # the step-through follows the same threshold

    at.selectbox(key="nms-page-method").set_value("soft-gaussian").run()
    assert not at.exception, at.exception
    assert shown(at)["kept"] >= strict["kept"]  # Soft-NMS decays scores instead of deleting
    assert any("Soft-NMS keeps overlapping boxes" in i.value for i in at.info)


def test_random_scene_picks_another_scene_without_an_error(app) -> None:
    """It used to raise StreamlitWidgetAlreadyInstantiatedError on every click (ux.md B3)."""
    at = app(PAGE)
    before = at.number_input(key="nms-page-scene").value
    at.button(key="nms-page-random").click().run()
    assert not at.exception, at.exception
    assert at.number_input(key="nms-page-scene").value != before
    assert shown(at)["kept"] >= 1


def test_the_cascade_follows_the_photo_and_uploads_are_capped(app) -> None:
    """Picking the cat used to keep the human-face cascade (ux.md B14); the uploader took 200 MB (reliability 3.5)."""
    at = app(PAGE)
    at.button_group(key="nms-page-source").set_value("Haar cascade on a photo").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="nms-page-cascade").value == "face"
    assert int(metrics(at)["Raw boxes"]) > shown(at)["kept"] >= 1
    assert "precision" not in shown(at)  # no ground truth for photos
    assert "OpenCV's own window grouping" in texts(at)
    at.selectbox(key="nms-page-photo").set_value("Chelsea the cat (scikit-image)").run()
    assert at.selectbox(key="nms-page-cascade").value == "cat face"
    at.selectbox(key="nms-page-photo").set_value("Grace Hopper (matplotlib)").run()
    assert at.selectbox(key="nms-page-cascade").value == "face"
    at.selectbox(key="nms-page-photo").set_value("Upload your own…").run()
    assert not at.exception, at.exception
    uploader = at.get("file_uploader")[0].proto
    assert uploader.max_upload_size_mb == 8


def test_held_out_ap_comes_from_the_claims_record(app) -> None:
    at = app(PAGE)
    at.button_group(key="nms-page-look").set_value("All held-out scenes").run()
    assert not at.exception, at.exception
    measured = {c["id"]: c["measured"] for c in shipped_claims(by_name()["nms"])}
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    bars = next(f for f in figures if f["data"][0].get("type") == "bar")
    assert list(bars["data"][0]["x"]) == list(measured["class-aware-at-least-greedy"]["ap_by_method"].values())
    scenes = measured["nms-doubles-ap"]["scenes"]
    assert f"{scenes} held-out crowded scenes" in texts(at)
    assert at.dataframe[0].value["same boxes kept"].all()  # the speed table from bench.json
