"""Early layers: the frequency and colour measures on hand-made filters, the three first layers, responses and
edge alignment on a photo with known edges."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from demos.filters.layers import (
    DigitsNet,
    DigitsTrainConfig,
    colour_part,
    colour_share,
    dct_basis,
    edge_alignment,
    first_layers,
    low_frequency_share,
    random_first,
    responses,
    train_digits,
)


def test_dct_basis_is_orthonormal() -> None:
    c = dct_basis(3)
    assert torch.allclose(c @ c.T, torch.eye(3, dtype=torch.float64), atol=1e-12)


def test_low_frequency_share_by_hand() -> None:
    flat = torch.ones(1, 3, 3, 3)  # a colour-blind blob: all its energy at DC
    checker = torch.tensor([[1.0, -1, 1], [-1, 1, -1], [1, -1, 1]]).expand(1, 3, 3, 3)  # highest frequency
    ramp = torch.tensor([[-1.0, 0, 1]]).expand(3, 3).expand(1, 3, 3, 3)  # a horizontal edge detector
    share = low_frequency_share(torch.cat([flat, checker, ramp]))
    assert share[0] == pytest.approx(1.0) and share[2] == pytest.approx(1.0)  # ramp = DCT (0, 1) exactly
    assert share[1] < 0.15


def test_colour_share_by_hand() -> None:
    grey = torch.randn(1, 1, 3, 3).expand(1, 3, 3, 3)  # the same on every channel
    red_minus_green = torch.stack([torch.ones(3, 3), -torch.ones(3, 3), torch.zeros(3, 3)])[None]
    share = colour_share(torch.cat([grey, red_minus_green]))
    assert share[0] == pytest.approx(0.0, abs=1e-12) and share[1] == pytest.approx(1.0)


def test_the_three_layers_and_what_sets_them_apart() -> None:
    layers = first_layers()
    assert {k: tuple(v.shape) for k, v in layers.items()} == {
        k: (32, 3, 3, 3) for k in ("imagenet", "digits", "random")
    }
    assert torch.equal(random_first(), random_first())  # seeded
    # grey digits give R, G and B identical gradients: the shipped layer's colour part is still its random start's
    start = random_first()
    assert torch.allclose(colour_part(layers["digits"]), colour_part(start), atol=1e-5)
    assert (layers["digits"] - start).abs().max() > 0.01  # while its grey part moved
    under_30 = {k: int((colour_share(v) < 0.3).sum()) for k, v in layers.items()}
    assert under_30["imagenet"] >= 12 and under_30["random"] == 0  # ImageNet has colour-blind filters; noise has not
    low = {k: float(low_frequency_share(v).mean()) for k, v in layers.items()}
    assert low["imagenet"] > low["random"]  # ImageNet's filters are smooth: edges and blobs, not noise


def test_responses_and_edge_alignment_on_a_photo_with_one_edge() -> None:
    image = np.zeros((32, 32, 3), dtype=np.float32)
    image[:, 16:] = 1.0  # a vertical step
    edge = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]).expand(1, 3, 3, 3).repeat(2, 1, 1, 1)
    x = torch.as_tensor(image).permute(2, 0, 1)[None]
    r = responses(edge, x)
    assert (
        r.shape == (2, 16, 16) and r[0, :, 8].abs().min() > 0 and r[0, :, :7].abs().max() == 0
    )  # only output column 8 sees input columns 15-17
    assert edge_alignment(edge, image) > 0.9
    g = torch.Generator().manual_seed(0)
    noise = torch.randn(32, 3, 3, 3, generator=g)
    assert edge_alignment(noise, image) < edge_alignment(edge, image)


def test_a_tiny_digits_training_runs_from_the_known_start() -> None:
    result = train_digits(DigitsTrainConfig(epochs=1, digits=256))
    assert torch.equal(result.initial_first, random_first())
    assert not torch.equal(result.model.first.weight.detach(), result.initial_first)
    assert isinstance(result.model, DigitsNet) and 0.0 <= result.accuracy <= 1.0 and len(result.losses) == 1
