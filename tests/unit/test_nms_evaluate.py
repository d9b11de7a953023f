"""NMS methods on raw detections, the greedy step-through, AP, and the Haar-cascade source."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from demos.nms.evaluate import Detections, apply_method, average_precision, greedy_trace, match, mean_ap
from demos.nms.haar import decode_upload, detect_windows, sample_images
from demos.nms.ops import nms


def random_boxes(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * 100
    wh = torch.rand(n, 2, generator=g) * 40 + 1
    return torch.cat([xy, xy + wh], dim=1), torch.rand(n, generator=g)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 80), seed=st.integers(0, 10_000), thr=st.sampled_from([0.1, 0.3, 0.5, 0.7]))
def test_the_step_through_keeps_what_nms_keeps(n: int, seed: int, thr: float) -> None:
    boxes, scores = random_boxes(n, seed)
    steps = greedy_trace(boxes, scores, thr)
    assert [s.picked for s in steps] == nms(boxes, scores, thr).tolist()
    removed = [int(j) for s in steps for j in s.compared[s.suppressed]]
    assert sorted(removed + [s.picked for s in steps]) == list(range(n))  # every box decided exactly once
    for s in steps:
        assert (s.ious[s.suppressed] > thr).all() and (s.ious[~s.suppressed] <= thr).all()


def test_average_precision_of_a_hand_made_ranking() -> None:
    # ranked hits T, F, T with two ground-truth boxes: precision 1 up to recall 0.5, 2/3 up to recall 1
    ap = average_precision(torch.tensor([True, False, True]), torch.tensor([0.9, 0.8, 0.7]), n_gt=2)
    assert ap == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    assert average_precision(torch.tensor([False]), torch.tensor([0.9]), n_gt=1) == 0.0
    assert average_precision(torch.tensor([], dtype=torch.bool), torch.tensor([]), n_gt=0) != 0.0  # NaN


def test_a_duplicate_of_a_matched_box_is_a_false_positive() -> None:
    gt = torch.tensor([[10.0, 10.0, 50.0, 50.0]])
    det = Detections(
        torch.tensor([[10.0, 10.0, 50.0, 50.0], [11.0, 11.0, 51.0, 51.0], [10.0, 10.0, 50.0, 50.0]]),
        torch.tensor([0.9, 0.8, 0.7]),
        torch.tensor([1, 1, 2]),
    )
    assert match(det, gt, torch.tensor([1])).tolist() == [True, False, False]  # wrong class is a miss too
    ap, per_class = mean_ap([det], [(gt, torch.tensor([1]))], num_classes=3)
    assert per_class[1] == pytest.approx(1.0) and per_class[2] != per_class[2]  # class 2 has no ground truth
    assert ap == pytest.approx(1.0)


def test_methods_differ_where_they_should() -> None:
    boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 0.0, 11.0, 10.0], [40.0, 40.0, 50.0, 50.0]])
    scores = torch.tensor([0.9, 0.8, 0.02])
    labels = torch.tensor([0, 1, 0])
    assert len(apply_method(boxes, scores, labels, "none").kept.scores) == 2  # 0.02 is under the score floor
    assert apply_method(boxes, scores, labels, "greedy").candidates.tolist() == [0, 1]
    assert apply_method(boxes, scores, labels, "greedy").index.tolist() == [0]
    assert len(apply_method(boxes, scores, labels, "greedy").kept.scores) == 1
    assert len(apply_method(boxes, scores, labels, "batched").kept.scores) == 2  # different classes
    soft = apply_method(boxes, scores, labels, "soft-gaussian", iou_threshold=0.3).kept
    assert len(soft.scores) == 2 and 0.05 <= soft.scores[1] < 0.8  # decayed, not deleted
    with pytest.raises(ValueError, match="unknown method"):
        apply_method(boxes, scores, labels, "fastest")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="score_threshold"):
        apply_method(boxes, scores, labels, "greedy", score_threshold=2.0)


def _png(size: tuple[int, int] = (32, 24), fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buf, format=fmt)
    return buf.getvalue()


def test_uploads_are_checked_with_messages_that_say_what_to_do() -> None:
    photo = decode_upload(_png())
    assert photo.image.shape == (24, 32, 3) and photo.note is None
    with pytest.raises(ValueError, match="empty"):
        decode_upload(b"")
    with pytest.raises(ValueError, match="not an image"):
        decode_upload(b"%PDF-1.4 definitely not a photo", "notes.pdf")
    with pytest.raises(ValueError, match="GIF file"):
        decode_upload(_png(fmt="GIF"), "anim.gif")
    with pytest.raises(ValueError, match="limit is 4000"):
        decode_upload(_png((4100, 30)), "wide.png")
    with pytest.raises(ValueError, match="MB"):
        decode_upload(b"\x89PNG" + b"0" * (9 * 1024 * 1024), "huge.png")


def test_a_one_pixel_strip_is_refused_with_a_message_not_an_opencv_error() -> None:
    """A 4000x1 upload used to crash in cv2.resize (reliability.md 3.4)."""
    with pytest.raises(ValueError, match="both sides must be at least 24 px"):
        decode_upload(_png((4000, 1)), "line.png")
    with pytest.raises(ValueError, match="crop it to at most 20:1"):
        decode_upload(_png((2000, 50)), "strip.png")
    with pytest.raises(ValueError, match="crop it to at most 20:1"):
        detect_windows(np.zeros((1, 4000, 3), dtype=np.uint8))  # the compute refuses it too


def test_a_16_bit_png_is_scaled_to_8_bits_not_whitened() -> None:
    """A 16-bit greyscale PNG used to be clipped to 99.6 % white (reliability.md 3.3)."""
    ramp = (np.arange(48 * 64).reshape(48, 64) * 20).astype(np.uint16)  # values up to 61,420
    buf = io.BytesIO()
    Image.fromarray(ramp).save(buf, format="PNG")
    photo = decode_upload(buf.getvalue(), "deep.png")
    assert photo.image.dtype == np.uint8 and photo.image.shape == (48, 64, 3)
    assert (photo.image == 255).mean() < 0.01  # one pixel at the top of the range, not 99 %
    assert np.all(np.diff(photo.image[:, :, 0].astype(int).ravel()) >= 0)  # the ramp stays a ramp
    assert photo.note is not None and "16-bit" in photo.note and "0..61420" in photo.note


def test_haar_keeps_every_raw_window_that_grouping_would_merge() -> None:
    image, cascade = sample_images()["Astronaut (scikit-image)"]
    found = detect_windows(image, cascade)
    assert found.grouped >= 1
    assert len(found.scores) > 5 * found.grouped  # many raw windows per face
    assert ((found.scores > 0) & (found.scores < 1)).all()
    kept = nms(found.boxes, found.scores, 0.3)
    assert 1 <= len(kept) < len(found.scores) // 3
    with pytest.raises(ValueError, match="unknown cascade"):
        detect_windows(image, "dog")
    with pytest.raises(ValueError, match="uint8 RGB"):
        detect_windows(np.zeros((10, 10), dtype=np.uint8))
