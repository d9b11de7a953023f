"""Spatial transformer: the warp maths (identity, composition, rotation and scale read back), a fresh transformer
is the identity, the shipped models on held-out warped digits, and a tiny training run."""

from __future__ import annotations

import math

import pytest
import torch

from demos.common import generator
from demos.stn.model import Net, WarpConfig, compose, rotation_of, scale_of, theta_of, to_canvas, warp, warp_params
from demos.stn.train import TrainConfig, accuracy, held_out, load, split, train


@pytest.fixture(scope="module")
def digits() -> torch.Tensor:
    return split()[1].images[:64]  # (64, 1, 40, 40) upright held-out digits


def test_canvas_centres_the_digit() -> None:
    x = to_canvas(torch.full((2, 28, 28), 255, dtype=torch.uint8))
    assert x.shape == (2, 1, 40, 40) and x[0, 0, 6:34, 6:34].eq(1).all() and x[0, 0, :6].eq(0).all()


def test_identity_theta_changes_nothing(digits: torch.Tensor) -> None:
    eye = theta_of(torch.zeros(len(digits)), torch.ones(len(digits)), torch.zeros(len(digits), 2))
    assert torch.allclose(warp(digits, eye), digits, atol=1e-5)


def test_rotation_and_scale_are_read_back_from_theta() -> None:
    angle, scale, shift = warp_params(200, WarpConfig(), generator(3))
    theta = theta_of(angle, scale, shift)
    assert torch.allclose(rotation_of(theta), angle, atol=1e-5)
    assert torch.allclose(scale_of(theta), scale, atol=1e-5)
    assert angle.abs().max() <= math.radians(60) and ((scale >= 0.9) & (scale <= 1.4)).all()


def test_compose_equals_two_warps_in_a_row(digits: torch.Tensor) -> None:
    g = generator(5)
    n = len(digits)
    small = WarpConfig(max_degrees=20, scale=(0.95, 1.05), max_shift=0.05)
    outer, inner = theta_of(*warp_params(n, small, g)), theta_of(*warp_params(n, small, g))
    once, twice = warp(digits, compose(outer, inner)), warp(warp(digits, outer), inner)
    assert (once - twice).abs().mean() < 0.02  # two bilinear resamplings blur a little more than one


def test_a_fresh_transformer_starts_as_the_identity(digits: torch.Tensor) -> None:
    net = Net(stn=True).eval()
    assert torch.allclose(net.unwarped(digits), digits, atol=1e-5)
    assert torch.equal(Net(stn=False).unwarped(digits), digits)


def test_shipped_transformer_beats_the_plain_cnn_on_warped_digits() -> None:
    data = held_out()
    x, y = data.images[:400], data.labels[:400]
    cnn, stn = accuracy(load("cnn"), x, y), accuracy(load("stn"), x, y)
    assert stn > cnn and stn > 0.85
    upright = split()[1]
    assert accuracy(load("stn"), upright.images[:400], upright.labels[:400]) > 0.85


def test_a_tiny_training_lowers_the_loss_and_repeats_exactly() -> None:
    tr, _ = split()
    small = type(tr)(tr.images[:128], tr.labels[:128])
    config = TrainConfig(epochs=3, batch_size=32)
    a, b = train("stn", config, data=small), train("stn", config, data=small)
    assert a.losses[-1] < a.losses[0] and a.losses == b.losses
    with pytest.raises(ValueError, match="unknown model"):
        train("mlp", config, data=small)
