"""What the NMS panel and page draw: a source's boxes suppressed at every threshold, the step-through, and the card
panel's shipped scene as the shipped detector computes it today."""

from __future__ import annotations

import json

import numpy as np
import torch

from demos.nms.__main__ import RESULTS
from demos.nms.names import IOU_STEPS
from demos.nms.ops import nms
from demos.nms.panel import Source, scene_runs, step_through, suppress_all

SHIPPED = RESULTS / "panel_scene.json"


def random_source(n: int = 120, seed: int = 0, truth: bool = False) -> Source:
    rng = np.random.default_rng(seed)
    xy = rng.random((n, 2)) * 100
    boxes = np.concatenate([xy, xy + rng.random((n, 2)) * 30 + 5], axis=1).astype(np.float32)
    labels = rng.integers(0, 2, n)
    return Source(
        image=np.zeros((140, 140, 3), dtype=np.uint8),
        boxes=boxes,
        scores=rng.random(n).astype(np.float32),
        labels=labels,
        classes=("a", "b"),
        gt_boxes=boxes[:8] if truth else None,
        gt_labels=labels[:8] if truth else None,
    )


def test_every_threshold_accounts_for_every_candidate_and_a_looser_one_keeps_more() -> None:
    src = random_source()
    runs = suppress_all(src, "greedy", score_threshold=0.2)
    assert [r["iou"] for r in runs] == list(IOU_STEPS)
    candidates = int((src.scores >= 0.2).sum())
    assert all(len(r["kept_boxes"]) + len(r["suppressed_boxes"]) == r["candidates"] == candidates for r in runs)
    kept = [len(r["kept_scores"]) for r in runs]
    assert kept == sorted(kept) and kept[0] < kept[-1]
    assert all(r["ap"] is None for r in runs)  # a photo has no truth to score against
    scored = suppress_all(random_source(truth=True), "batched")
    assert all(0.0 <= r["ap"] <= 1.0 and 0.0 <= r["precision"] <= 1.0 for r in scored)
    json.dumps(runs)  # plain JSON, for the browser and the shipped file


def test_the_step_through_keeps_the_boxes_nms_keeps() -> None:
    src = random_source(seed=3)
    candidates, steps = step_through(src, 0.3, 0.4)
    kept = candidates[[s.picked for s in steps]]
    keep = nms(torch.from_numpy(src.boxes), torch.from_numpy(src.scores), 0.4)
    assert sorted(kept.tolist()) == sorted(k for k in keep.tolist() if src.scores[k] >= 0.3)


def test_the_card_panels_shipped_scene_is_what_the_shipped_detector_gives_today() -> None:
    shipped = json.loads(SHIPPED.read_text())
    again = scene_runs(shipped["seed"], shipped["method"], torch.device("cpu"))
    assert again["runs"] == shipped["runs"] and again["gt_boxes"] == shipped["gt_boxes"]
    assert again["image"] == shipped["image"]
