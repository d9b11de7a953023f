"""The NMS library against torchvision.ops as the oracle, on random and adversarial boxes."""

from __future__ import annotations

import pytest
import torch
import torchvision
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.nms import batched_nms, box_iou, nms, soft_nms
from tests.unit.torch_threads import one_torch_thread  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def random_boxes(n: int, seed: int, size: float = 100.0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * size
    wh = torch.rand(n, 2, generator=g) * size / 3
    return torch.cat([xy, xy + wh], dim=1), torch.rand(n, generator=g)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 120), seed=st.integers(0, 10_000), thr=st.sampled_from([0.0, 0.1, 0.3, 0.5, 0.7, 1.0]))
def test_nms_keeps_exactly_what_torchvision_keeps(n: int, seed: int, thr: float) -> None:
    boxes, scores = random_boxes(n, seed)
    assert torch.equal(nms(boxes, scores, thr), torchvision.ops.nms(boxes, scores, thr))


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 120), seed=st.integers(0, 10_000), classes=st.integers(1, 4))
def test_batched_nms_matches_torchvision(n: int, seed: int, classes: int) -> None:
    boxes, scores = random_boxes(n, seed)
    idxs = torch.randint(0, classes, (n,), generator=torch.Generator().manual_seed(seed + 1))
    assert torch.equal(batched_nms(boxes, scores, idxs, 0.5), torchvision.ops.batched_nms(boxes, scores, idxs, 0.5))


def test_adversarial_boxes() -> None:
    same = torch.tensor([[0.0, 0, 10, 10]] * 4)
    nested = torch.tensor([[0.0, 0, 10, 10], [2.0, 2, 8, 8], [4.0, 4, 6, 6]])
    zero_area = torch.tensor([[5.0, 5, 5, 5], [5.0, 5, 5, 5], [0.0, 0, 10, 10]])
    for boxes in (same, nested, zero_area):
        scores = torch.linspace(1.0, 0.5, boxes.shape[0])
        for thr in (0.0, 0.04, 0.36, 0.5, 1.0):
            assert torch.equal(nms(boxes, scores, thr), torchvision.ops.nms(boxes, scores, thr)), (boxes, thr)


def test_iou_exactly_at_the_threshold_is_kept() -> None:
    boxes = torch.tensor([[0.0, 0, 2, 1], [1.0, 0, 3, 1]])  # overlap 1, union 3: IoU exactly 1/3
    scores = torch.tensor([0.9, 0.8])
    iou = float(box_iou(boxes, boxes)[0, 1])
    assert nms(boxes, scores, iou).tolist() == torchvision.ops.nms(boxes, scores, iou).tolist() == [0, 1]
    assert nms(boxes, scores, iou - 1e-3).tolist() == [0]


def test_empty_input_and_output_types() -> None:
    empty = torch.zeros(0, 4)
    keep = nms(empty, torch.zeros(0), 0.5)
    assert keep.dtype == torch.int64 and keep.numel() == 0
    keep, new = soft_nms(empty, torch.zeros(0))
    assert keep.numel() == 0 and new.numel() == 0


@pytest.mark.parametrize(
    ("boxes", "scores", "thr", "message"),
    [
        (torch.zeros(3, 3), torch.zeros(3), 0.5, r"shape \[N, 4\]"),
        (torch.zeros(3, 4), torch.zeros(2), 0.5, "differ in length"),
        (torch.tensor([[0.0, 0, float("nan"), 1]]), torch.zeros(1), 0.5, "NaN"),
        (torch.tensor([[5.0, 0, 1, 1]]), torch.zeros(1), 0.5, "x2 < x1"),
        (torch.zeros(1, 4), torch.zeros(1), 1.5, "between 0 and 1"),
        (torch.zeros(1, 4, dtype=torch.int64), torch.zeros(1), 0.5, "floating-point"),
    ],
)
def test_bad_input_raises_a_clear_error(boxes, scores, thr, message) -> None:
    with pytest.raises(ValueError, match=message):
        nms(boxes, scores, thr)


def test_soft_nms_decays_instead_of_deleting() -> None:
    boxes = torch.tensor([[0.0, 0, 10, 10], [1.0, 1, 11, 11], [50.0, 50, 60, 60]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    keep, new = soft_nms(boxes, scores, method="gaussian", sigma=0.5)
    iou = float(box_iou(boxes[:1], boxes[1:2]))
    assert keep.tolist() == [0, 2, 1]  # the overlapping box survives, pushed below the far one
    assert new[2].item() == pytest.approx(0.8 * torch.exp(torch.tensor(-(iou**2) / 0.5)).item(), rel=1e-5)
    keep_lin, new_lin = soft_nms(boxes, scores, iou_threshold=0.3, method="linear")
    assert new_lin[keep_lin.tolist().index(1)].item() == pytest.approx(0.8 * (1 - iou), rel=1e-5)
    hard, _ = soft_nms(boxes, scores, method="linear", iou_threshold=0.3, score_threshold=0.5)
    assert hard.tolist() == [0, 2]  # decayed below the score threshold: dropped
    with pytest.raises(ValueError, match="method"):
        soft_nms(boxes, scores, method="cubic")  # type: ignore[arg-type]


def test_bench_cli_prints_timings_and_checks_agreement(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from demos.nms.__main__ import main

    assert main(["bench", "--sizes", "50", "200", "--repeat", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    rows = report["results"]["cpu"]
    assert [r["boxes"] for r in rows] == [50, 200] and all(r["same_result"] for r in rows)
    assert all(r["own_ms"] > 0 and r["torchvision_ms"] > 0 for r in rows)
    assert main(["bench", "--sizes", "0"]) == 2
    assert "--sizes must be between 1 and 50000, got 0" in capsys.readouterr().err


def test_the_gpu_check_runs_on_the_cpu_at_toy_sizes() -> None:
    """``python -m demos.gpu_check --only nms`` runs this on a GPU; here every stage runs, tiny, on the CPU."""
    from demos.nms.gpu import gpu_check

    found = gpu_check(torch.device("cpu"), tiny=True)
    assert [r["boxes"] for r in found["nms_vs_torchvision"]] == [50, 200]  # type: ignore[index]
    assert all(r["same_result"] for r in found["nms_vs_torchvision"])  # type: ignore[union-attr]
    losses = found["detector_train_losses"]
    assert isinstance(losses, list) and len(losses) == 2 and losses[1] < losses[0]
    assert 0.5 < float(found["shipped_detector_ap50_greedy_4_scenes"]) <= 1.0  # type: ignore[arg-type]


def test_half_precision_boxes_are_suppressed_as_in_float32() -> None:
    """Areas of boxes larger than 256 x 256 overflow float16 (65,504): without the upcast every IoU is inf/inf =
    NaN and nothing is suppressed. Half-precision input must keep what float32 keeps, as torchvision's does."""
    big = torch.tensor([[0.0, 0, 1000, 1000], [10.0, 10, 1010, 1010], [2000.0, 2000, 2600, 2600]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    expected = torchvision.ops.nms(big, scores, 0.5)
    assert expected.tolist() == [0, 2]
    half = big.half()
    assert nms(half, scores.half(), 0.5).tolist() == expected.tolist()
    assert batched_nms(half, scores.half(), torch.zeros(3, dtype=torch.int64), 0.5).tolist() == expected.tolist()
    assert box_iou(half, half).dtype == torch.float32 and torch.isfinite(box_iou(half, half)).all()
