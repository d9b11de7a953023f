"""The shapes detector (targets, losses, training on a tiny config, checkpoint) and the shipped checkpoint."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from demos.nms.detector import (
    CHECKPOINT,
    CROWDED,
    DetectorConfig,
    ShapesDetector,
    TrainConfig,
    _flip,
    assign_targets,
    cell_centres,
    load,
    ltrb_iou,
    raw_detections,
    save,
    to_batch,
    train,
)
from demos.nms.evaluate import apply_method, mean_ap
from demos.nms.ops import box_iou
from demos.scenes import SHAPES, make_dataset, render, scene_from_spec
from tests.unit.torch_threads import one_torch_thread  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CFG = DetectorConfig()


def test_cells_inside_a_box_centre_are_positive_and_point_back_to_the_box() -> None:
    centres = cell_centres(32, 4, torch.device("cpu"))
    box = torch.tensor([[40.0, 20.0, 80.0, 60.0]])
    cls, ltrb = assign_targets(box, torch.tensor([2]), centres, 0.6)
    pos = cls >= 0
    assert set(cls[pos].tolist()) == {2}
    assert 9 <= int(pos.sum()) <= 36  # the central 60% of a 40 px box, on a 4 px grid
    rebuilt = torch.cat([centres[pos] - ltrb[pos, :2], centres[pos] + ltrb[pos, 2:]], dim=1)
    assert torch.allclose(rebuilt, box.expand_as(rebuilt))
    assert (ltrb[~pos] == 0).all()


def test_a_tiny_object_still_gets_its_nearest_cell_and_the_smaller_box_wins_overlaps() -> None:
    centres = cell_centres(32, 4, torch.device("cpu"))
    big, small = [10.0, 10.0, 90.0, 90.0], [48.0, 48.0, 51.0, 51.0]
    cls, _ = assign_targets(torch.tensor([big, small]), torch.tensor([0, 3]), centres, 0.6)
    assert (cls == 3).sum() >= 1
    assert (cls == 0).sum() > (cls == 3).sum()
    nearest_small = ((centres - torch.tensor([49.5, 49.5])) ** 2).sum(1).argmin()
    assert cls[nearest_small] == 3


def test_ltrb_iou_matches_box_iou_for_boxes_around_the_same_point() -> None:
    g = torch.Generator().manual_seed(0)
    a, b = torch.rand(50, 4, generator=g) * 20 + 1, torch.rand(50, 4, generator=g) * 20 + 1
    point = torch.tensor([50.0, 50.0])
    to_box = lambda d: torch.cat([point - d[:, :2], point + d[:, 2:]], dim=1)  # noqa: E731
    expected = box_iou(to_box(a), to_box(b)).diagonal()
    assert torch.allclose(ltrb_iou(a, b), expected, atol=1e-5)


def test_flipping_targets_equals_targets_of_the_flipped_scene() -> None:
    spec = [{"shape": "triangle", "colour": "red", "size": "large", "cx": 0.3, "cy": 0.4}]
    mirrored = [{**spec[0], "cx": 0.7}]
    one = render(scene_from_spec(spec), 128)
    two = render(scene_from_spec(mirrored), 128)
    images, cls_t, ltrb_t = to_batch([one], CFG, torch.device("cpu"))
    f_images, f_cls, f_ltrb = _flip(images, cls_t, ltrb_t, CFG)
    _, cls2, ltrb2 = to_batch([two], CFG, torch.device("cpu"))
    assert torch.equal(f_images[0].flip(-1), images[0])
    # The mirrored triangle's pixel box can differ by one pixel from the flipped one (pixel-centre sampling).
    assert (f_cls != cls2).sum() <= 8
    both = (f_cls >= 0) & (cls2 >= 0)
    assert (f_ltrb[both] - ltrb2[both]).abs().max() <= 1.0


def test_training_on_a_tiny_config_lowers_the_loss_is_seeded_and_leaves_global_state_alone() -> None:
    tiny = TrainConfig(train_scenes=16, epochs=3, batch_size=8, lr=5e-3)
    small = DetectorConfig(width=16)
    rng_before = torch.get_rng_state()
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = False, True
    try:
        first = train(tiny, small)
        # Another learner's session shares torch's global generator: training must neither read nor reseed it.
        assert torch.equal(torch.get_rng_state(), rng_before)
        assert (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark) == (False, True)
    finally:
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = False, False
    torch.rand(100)  # move the global generator: the seeded run must not care
    again = train(tiny, small)
    assert first.losses[-1] < first.losses[0]
    assert first.losses == again.losses
    weights, weights_again = first.model.state_dict(), again.model.state_dict()
    assert all(torch.equal(weights[name], weights_again[name]) for name in weights)
    other = train(replace(tiny, seed=1), small)
    assert other.losses != first.losses


def test_train_writes_where_out_says_and_never_the_shipped_checkpoint_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from demos.nms.__main__ import TRAIN_OUT, main

    assert TRAIN_OUT.resolve() != CHECKPOINT.resolve()
    shipped = CHECKPOINT.read_bytes()
    out = tmp_path / "mine.pt"
    assert main(["train", "--epochs", "1", "--scenes", "16", "--threads", "1", "--out", str(out)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["checkpoint"] == str(out) and record["command"].endswith("--epochs 1 --scenes 16")
    assert json.loads(out.with_suffix(".json").read_text())["train_config"]["train_scenes"] == 16
    assert load(out).config == DetectorConfig()
    assert CHECKPOINT.read_bytes() == shipped
    assert main(["train", "--out", str(tmp_path / "mine.txt")]) == 2
    assert "--out must name a .pt file" in capsys.readouterr().err


def test_raw_detections_cover_every_cell_inside_the_image(tmp_path: Path) -> None:
    model = ShapesDetector(DetectorConfig(width=16)).eval()
    images = torch.stack([s.image for s in make_dataset(2, 0, CROWDED)])
    raws = raw_detections(model, images)
    assert len(raws) == 2
    assert raws[0].boxes.shape == (1024, 4) and raws[0].scores.shape == (1024,)
    assert (raws[0].boxes >= 0).all() and (raws[0].boxes <= 128).all()
    assert ((raws[0].scores >= 0) & (raws[0].scores <= 1)).all()
    path = tmp_path / "d.pt"
    save(model, path, {"note": "test"})
    back = raw_detections(load(path), images)
    assert torch.allclose(back[0].boxes, raws[0].boxes, atol=0.5)  # weights are stored in float16


def test_loading_a_missing_or_foreign_file_says_how_to_remake_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"python -m demos\.nms train"):
        load(tmp_path / "absent.pt")
    torch.save({"weights": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a shapes-detector checkpoint"):
        load(tmp_path / "other.pt")


def test_the_shipped_detector_finds_held_out_shapes_and_nms_helps() -> None:
    model = load(CHECKPOINT)
    data = make_dataset(24, 77_777, CROWDED)
    raws = raw_detections(model, torch.stack([s.image for s in data]))
    gts = [(s.boxes[s.visible > 0], s.labels[s.visible > 0]) for s in data]
    kept = {
        m: [apply_method(r.boxes, r.scores, r.labels, m, iou_threshold=0.5).kept for r in raws]  # type: ignore[arg-type]
        for m in ("none", "greedy")
    }
    ap_none = mean_ap(kept["none"], gts, len(SHAPES))[0]
    ap_greedy = mean_ap(kept["greedy"], gts, len(SHAPES))[0]
    assert ap_greedy > 0.6
    assert ap_greedy > ap_none + 0.1  # duplicates are false positives until NMS removes them
    raw_count = sum(int((r.scores >= 0.05).sum()) for r in raws)
    assert raw_count > 3 * sum(len(k.scores) for k in kept["greedy"])
