"""Video labs: flow and its errors, background subtraction, the motion-only action clips, every model on a tiny
config, dense tracks and flow histograms, the SVM against scikit-learn, the CLI and the GPU path on the CPU."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from demos.scenes.clips import render_clip
from demos.video import background as bg
from demos.video import flow as fl
from demos.video.actions import ACTIONS, ActionConfig, ActionData, action_clip, make_actions
from demos.video.models import MODELS, build
from demos.video.train import TrainConfig, predict, train
from demos.video.trajectories import dense_tracks, fit_svm, flow_histogram, moving_tracks
from tests.unit.torch_threads import one_torch_thread  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tiny models: one thread is far faster here


def _texture(side: int = 48, seed: int = 0) -> np.ndarray:
    """A smooth random colour texture, uint8 (side, side, 3)."""
    import cv2

    rng = np.random.default_rng(seed)
    noise = rng.random((side // 4, side // 4, 3)).astype(np.float32)
    return (cv2.resize(noise, (side, side), interpolation=cv2.INTER_CUBIC).clip(0, 1) * 255).astype(np.uint8)


# ------------------------------------------------------------------------------------------------ flow


def test_endpoint_error_and_f1_on_hand_computed_cases() -> None:
    true = np.zeros((2, 2, 2), np.float32)
    pred = np.zeros_like(true)
    pred[:, 0, 0] = (3.0, 4.0)  # one vector off by 5 px, three exact
    assert fl.endpoint_error(pred, true) == pytest.approx(5 / 4)
    assert fl.endpoint_error(pred, true, np.array([[True, False], [False, False]])) == pytest.approx(5.0)
    assert np.isnan(fl.endpoint_error(pred, true, np.zeros((2, 2), bool)))
    # 2 TP, 1 FP, 1 FN: F1 = 4 / (4 + 2)
    p = np.array([1, 1, 1, 0, 0], bool)
    t = np.array([1, 1, 0, 1, 0], bool)
    assert fl.f1(p, t) == pytest.approx(4 / 6)
    assert fl.f1(np.zeros(3, bool), np.zeros(3, bool)) == 1.0


@pytest.mark.parametrize("seed", range(5))
def test_f1_matches_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p, t = rng.random((7, 9)) < 0.3, rng.random((7, 9)) < 0.4
    assert fl.f1(p, t) == pytest.approx(f1_score(t.ravel(), p.ravel()))


def test_farneback_and_lucas_kanade_recover_a_known_shift() -> None:
    a = _texture()
    b = np.roll(a, shift=(1, 2), axis=(0, 1))  # content moves 2 px right, 1 px down
    pred = fl.farneback(a, b)
    inner = np.zeros(a.shape[:2], bool)
    inner[8:-8, 8:-8] = True
    truth = np.zeros_like(pred)
    truth[0], truth[1] = 2.0, 1.0
    assert fl.endpoint_error(pred, truth, inner) < 0.25 < fl.endpoint_error(np.zeros_like(pred), truth, inner)
    tracks = fl.lucas_kanade(a, b, np.array([[20.0, 20.0], [30.0, 24.0]], np.float32))
    assert np.allclose(tracks.end - tracks.start, [[2, 1], [2, 1]], atol=0.2)
    assert np.allclose(fl.track_errors(tracks, truth), 0, atol=0.2)


def test_warped_photo_pair_moves_each_pixel_where_its_true_flow_says() -> None:
    image = _texture(40, seed=3)
    a, b, flow, valid = fl.warp_pair(image, shift=(3.0, -2.0), angle=0.0, scale=1.0)
    assert np.allclose(flow[0], 3.0) and np.allclose(flow[1], -2.0)
    ys, xs = np.nonzero(valid)
    assert np.array_equal(b[ys - 2, xs + 3], a[ys, xs])


def test_flow_colours_code_direction_and_moved_pixels() -> None:
    right = np.zeros((2, 4, 4), np.float32)
    right[0] = 2.0
    rgb = fl.flow_to_rgb(right)
    assert tuple(rgb[0, 0]) == (255, 0, 0)  # rightwards is red at full length
    assert fl.moved(right, 1.5).all() and not fl.moved(right, 2.5).any()


# ------------------------------------------------------------------------------------------------ background


def test_running_average_finds_an_object_on_a_still_background_exactly() -> None:
    frames = np.full((10, 16, 16, 3), 100, np.uint8)
    frames[5:, 4:8, 6:10] = 220  # a bright square arrives at frame 5
    masks = bg.running_average(frames)
    truth = np.zeros(masks.shape, bool)
    truth[5:, 4:8, 6:10] = True
    assert np.array_equal(masks, truth)
    assert bg.clip_f1(masks, truth, warmup=0) == 1.0


def test_opencv_models_and_bad_inputs() -> None:
    clip = render_clip(bg.traffic_clip(1, "still", frames=40, side=32, actors=2))
    frames = fl.to_uint8(clip.frames.numpy())
    for method in bg.METHODS:
        masks = bg.subtract(frames, method)
        assert masks.shape == frames.shape[:3] and masks.dtype == bool
    with pytest.raises(ValueError, match="background must be one of"):
        bg.traffic_clip(0, "stormy")
    with pytest.raises(ValueError, match="method must be one of"):
        bg.subtract(frames, "median")


def test_swaying_background_flow_is_the_swing_between_frames() -> None:
    clip = render_clip(bg.traffic_clip(2, "swaying", frames=8, side=32, actors=0))
    from demos.scenes.clips import background_offset

    for t in range(7):
        (x0, y0), (x1, y1) = background_offset(clip.clip, t), background_offset(clip.clip, t + 1)
        assert torch.allclose(clip.flow[t, 0], torch.tensor(x1 - x0)) and torch.allclose(
            clip.flow[t, 1], torch.tensor(y1 - y0)
        )


# ------------------------------------------------------------------------------------------------ actions


@pytest.mark.parametrize(("a", "b"), [("left", "right"), ("up", "down"), ("grow", "shrink"), ("turn-cw", "turn-ccw")])
def test_each_action_is_another_played_backwards(a: str, b: str) -> None:
    """Same seed, no noise: clip ``a`` reversed in time is clip ``b`` (up to pixels exactly on a shape's edge)."""
    config = ActionConfig(noise=(0.0, 0.0))
    fa = render_clip(action_clip(a, random.Random(4), config)).frames
    fb = render_clip(action_clip(b, random.Random(4), config)).frames
    same = (fa.flip(0) - fb).abs().amax(1) < 1e-5  # (T, H, W)
    assert same.float().mean() > 0.995
    assert not torch.equal(fa, fb)


def test_action_data_is_balanced_and_deterministic() -> None:
    d1, d2 = make_actions(16, 3, with_flow=False), make_actions(16, 3, with_flow=False)
    assert np.array_equal(d1.clips, d2.clips) and np.array_equal(d1.labels, d2.labels)
    assert np.bincount(d1.labels, minlength=len(ACTIONS)).tolist() == [2] * len(ACTIONS)
    assert d1.clips.shape == (16, 8, 32, 32, 3) and d1.clips.dtype == np.uint8
    with pytest.raises(ValueError, match="is not one of"):
        action_clip("jump", random.Random(0))


@pytest.fixture(scope="module")
def tiny() -> ActionData:
    return make_actions(16, 11)


@pytest.mark.parametrize("name", MODELS)
def test_every_model_trains_on_a_tiny_config(name: str, tiny: ActionData) -> None:
    config = TrainConfig(model=name, train_clips=16, epochs=2, batch_size=8, width=4)
    result = train(config, tiny, torch.device("cpu"))
    assert len(result.losses) == 2 and all(np.isfinite(result.losses))
    probs = predict(result.model, tiny, torch.device("cpu"))
    assert probs.shape == (16, len(ACTIONS)) and np.allclose(probs.sum(1), 1, atol=1e-5)
    if name == "conv-gru":
        again = train(config, tiny, torch.device("cpu"))  # seeded: the same run twice
        assert result.losses == again.losses


def test_single_frame_model_ignores_frame_order_and_early_fusion_does_not() -> None:
    torch.manual_seed(0)
    clips, flows = torch.rand(2, 8, 3, 32, 32), torch.zeros(2, 7, 2, 32, 32)
    shuffled = clips[:, torch.randperm(8)]
    single, early = build("single-frame", 8, 8, 4).eval(), build("early-fusion", 8, 8, 4).eval()
    with torch.no_grad():
        assert torch.allclose(single(clips, flows), single(shuffled, flows), atol=1e-5)
        assert not torch.allclose(early(clips, flows), early(shuffled, flows), atol=1e-5)
    with pytest.raises(ValueError, match="optical flow"):
        build("two-stream", 8, 8, 4)(clips)


# ------------------------------------------------------------------------------------------------ trajectories


def test_dense_tracks_follow_a_constant_flow_exactly() -> None:
    flows = np.zeros((3, 2, 16, 16), np.float32)
    flows[:, 0], flows[:, 1] = 1.0, -0.5
    tracks = dense_tracks(flows, step=4)
    assert tracks.shape == (16, 4, 2)
    assert np.allclose(tracks[:, 3] - tracks[:, 0], [3.0, -1.5])
    assert len(moving_tracks(tracks)) == 16 and len(moving_tracks(tracks, threshold=2.0)) == 0


def test_flow_histogram_counts_each_step_in_its_quadrant_and_direction() -> None:
    # two tracks: left of centre moving right, right of centre moving down, 2 steps each
    tracks = np.array([[[0, 0], [1, 0], [2, 0]], [[10, 0], [10, 1], [10, 2]]], np.float32)
    hist = flow_histogram(tracks, local=True, halves=1).reshape(4, 8)
    expected = np.zeros((4, 8))
    expected[0, 0] = 0.5  # top-left quadrant, rightwards
    expected[1, 2] = 0.5  # top-right quadrant, downwards (y grows down)
    assert np.allclose(hist, expected)
    assert np.allclose(flow_histogram(tracks, local=False, halves=1), [0.5, 0, 0.5, 0, 0, 0, 0, 0])
    assert not flow_histogram(tracks[:0]).any()


def test_svm_as_arrays_decides_like_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.random((80, 6)), rng.integers(0, 3, 80)
    model = fit_svm(x, y, local=True)
    pipe = make_pipeline(StandardScaler(), LinearSVC(C=1.0, random_state=0, max_iter=20_000)).fit(x, y)
    assert np.allclose(model.decision(x), pipe.decision_function(x), atol=1e-6)
    assert np.array_equal(model.predict(x), pipe.predict(x))


# ------------------------------------------------------------------------------------------------ CLI, GPU path


def test_cli_refuses_bad_options_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    from demos.video.__main__ import main

    assert main(["train", "--models", "vgg"]) == 2
    assert "--models: vgg not among" in capsys.readouterr().err
    assert main(["eval", "--device", "tpu"]) == 2
    assert "device 'tpu'" in capsys.readouterr().err


def test_gpu_check_runs_on_the_cpu_with_tiny_sizes() -> None:
    from demos.video.gpu import gpu_check

    out = gpu_check(torch.device("cpu"), clips=8, epochs=1)
    assert set(MODELS) <= set(out)
    assert all(0 <= out[m]["shipped_accuracy"] <= 1 for m in MODELS)  # type: ignore[index]
