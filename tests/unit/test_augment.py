"""Augmentations against torchvision and exact cases, the small-data task, the CLI and the GPU path on the CPU."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch
import torchvision.transforms.v2.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.augment import ops
from demos.augment.task import LABELS_PER_CLASS, SETTINGS, RunConfig, augmenter, labelled, train_run
from demos.common import generator
from demos.scenes import SHAPES
from tests.unit.torch_threads import one_torch_thread  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tiny models: one thread is far faster here


@settings(max_examples=25, deadline=None)
@given(
    b=st.integers(1, 3),
    h=st.integers(2, 9),
    w=st.integers(2, 9),
    factors=st.tuples(st.floats(0.5, 1.5), st.floats(0.5, 1.5), st.floats(0.5, 1.5)),
    seed=st.integers(0, 10_000),
)
def test_colour_adjustments_match_torchvision(b: int, h: int, w: int, factors: tuple, seed: int) -> None:
    x = torch.rand(b, 3, h, w, generator=torch.Generator().manual_seed(seed))
    br, co, sa = factors
    ours = ops.adjust(x, torch.full((b,), br), torch.full((b,), co), torch.full((b,), sa))
    theirs = TF.adjust_saturation(TF.adjust_contrast(TF.adjust_brightness(x, br), co), sa)
    assert torch.allclose(ours, theirs, atol=1e-5)


def test_pca_colour_moves_pixels_along_the_principal_components() -> None:
    g = torch.Generator().manual_seed(0)
    images = torch.rand(6, 3, 8, 8, generator=g) * 0.5 + 0.25
    values, vectors = ops.rgb_pca(images)
    pixels = images.permute(0, 2, 3, 1).reshape(-1, 3).double().numpy()
    want = np.sort(np.linalg.eigvalsh(np.cov(pixels.T)))[::-1]
    assert np.allclose(values.numpy(), want, atol=1e-6)
    assert torch.allclose(vectors.T @ vectors, torch.eye(3), atol=1e-5)
    out = ops.pca_colour(images, generator(1), values, vectors)
    shift = (out - images)[:, :, 0, 0]  # (B, 3): the same shift for every pixel of an image
    assert torch.allclose(out - images, shift.view(6, 3, 1, 1).expand_as(out), atol=1e-6)
    coeffs = shift @ vectors  # components along each eigenvector = alpha_i * lambda_i
    assert coeffs.abs().max() > 0
    assert torch.equal(ops.pca_colour(images, generator(1), torch.zeros(3), vectors), images)


def test_geometric_warps_are_exact_where_they_should_be() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.rand(2, 3, 10, 10, generator=g)
    zeros = torch.zeros(2)
    identity = ops.affine(x, zeros, torch.ones(2), torch.zeros(2, 2), zeros.bool())
    assert torch.allclose(identity, x, atol=1e-5)
    quarter = ops.affine(x, torch.full((2,), math.pi / 2), torch.ones(2), torch.zeros(2, 2), zeros.bool())
    assert torch.allclose(quarter, torch.rot90(x, k=-1, dims=(2, 3)), atol=1e-5)  # clockwise on screen
    mirrored = ops.affine(x, zeros, torch.ones(2), torch.zeros(2, 2), torch.ones(2).bool())
    assert torch.allclose(mirrored, x.flip(-1), atol=1e-5)
    moved = ops.affine(x, zeros, torch.ones(2), torch.tensor([[0.2, 0.0], [0.2, 0.0]]), zeros.bool())
    assert torch.allclose(moved[..., 2:], x[..., :-2], atol=1e-5)  # 2 px to the right
    flips = ops.random_flip(x, generator(3))
    for i in range(2):
        assert torch.equal(flips[i], x[i]) or torch.equal(flips[i], x[i].flip(-1))


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_every_setting_keeps_shape_range_and_input(setting: str) -> None:
    train = labelled(0, per_class=2)
    before = train.images.clone()
    out = augmenter(setting, train)(train.images, generator(0))
    assert out.shape == train.images.shape and out.min() >= 0 and out.max() <= 1
    assert torch.equal(train.images, before)  # inputs are never changed
    assert torch.equal(out, before) == (setting == "none")
    with pytest.raises(ValueError, match="is not one of"):
        augmenter("mixup", train)


def test_labelled_sets_are_balanced_and_differ_by_seed() -> None:
    a, b = labelled(0), labelled(1)
    assert torch.bincount(a.labels, minlength=len(SHAPES)).tolist() == [LABELS_PER_CLASS] * len(SHAPES)
    assert not torch.equal(a.images, b.images)
    assert torch.equal(labelled(0).images, a.images)


def test_small_cnn_trains_on_a_tiny_config_reproducibly() -> None:
    config = replace(RunConfig("all", seed=2), steps=12)
    model, losses, _ = train_run(config, torch.device("cpu"))
    _, losses2, _ = train_run(config, torch.device("cpu"))
    assert losses == losses2 and len(losses) == 2
    with torch.no_grad():
        assert model(torch.rand(3, 3, 32, 32)).shape == (3, len(SHAPES))


def test_cli_refuses_bad_settings(capsys: pytest.CaptureFixture[str]) -> None:
    from demos.augment.__main__ import main

    assert main(["train", "--settings", "mixup"]) == 2
    assert "--settings: mixup not among" in capsys.readouterr().err


def test_gpu_check_runs_on_the_cpu_with_tiny_sizes() -> None:
    from demos.augment.gpu import gpu_check

    out = gpu_check(torch.device("cpu"), steps=3, test_scenes=16)
    assert set(out["augment_ms_per_batch_of_40"]) == set(SETTINGS)  # type: ignore[arg-type]
    assert 0 <= out["shipped_none_seed0_accuracy"] <= 1  # type: ignore[operator]
