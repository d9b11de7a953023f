"""Bayesian CNN lab: the Bayesian layers, the uncertainty scores (scipy as the entropy oracle), calibration
(scikit-learn's reliability bins as the oracle), AUROC and ROC (scikit-learn as the oracle), private sampling,
and drawing preprocessing."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import entropy as scipy_entropy
from sklearn.calibration import calibration_curve
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve as sklearn_roc_curve

from demos.bayesian.data import preprocess_drawing, rotate
from demos.bayesian.layers import BayesConv2d, BayesLinear, gaussian_kl, softplus_inverse
from demos.bayesian.models import MAX_SAMPLES, NetConfig, build, dropout, sample_probs
from demos.bayesian.uncertainty import (
    auroc,
    expected_calibration_error,
    expected_entropy,
    mutual_information,
    predictive_entropy,
    reliability,
    roc_curve,
)
from demos.common import generator, seeded

SMALL = NetConfig(channels=(4, 8), hidden=16, dropout=0.25, ensemble_size=3)


def _at_prior(layer: BayesLinear | BayesConv2d) -> None:
    with torch.no_grad():
        for name in ("weight", "bias"):
            getattr(layer, f"{name}_mu").zero_()
            getattr(layer, f"{name}_rho").fill_(softplus_inverse(layer.prior_sigma))


@pytest.mark.parametrize("layer", [BayesLinear(6, 3, 0.1, 1e-3), BayesConv2d(2, 3, 3, 0.1, 1e-3)])
def test_kl_is_zero_at_the_prior_and_positive_elsewhere(layer: BayesLinear | BayesConv2d) -> None:
    assert layer.kl().item() > 0  # as initialised: random means, tiny sigmas
    _at_prior(layer)
    assert layer.kl().item() == pytest.approx(0.0, abs=1e-4)
    with torch.no_grad():
        layer.weight_mu[0].fill_(0.05)  # move only the means
    assert layer.kl().item() > 1e-3
    _at_prior(layer)
    with torch.no_grad():
        layer.bias_rho.fill_(softplus_inverse(0.2))  # move only the spread, wider than the prior
    assert layer.kl().item() > 1e-3


def test_gaussian_kl_matches_the_textbook_formula() -> None:
    mu, sigma, p = torch.tensor([0.3, -1.0]), torch.tensor([0.5, 2.0]), 1.5
    expected = sum(
        math.log(p / s) + (s**2 + m**2) / (2 * p**2) - 0.5 for m, s in zip([0.3, -1.0], [0.5, 2.0], strict=True)
    )
    assert gaussian_kl(mu, sigma, p).item() == pytest.approx(expected, rel=1e-6)
    assert softplus_inverse(0.1) == pytest.approx(math.log(math.expm1(0.1)))
    assert F.softplus(torch.tensor(softplus_inverse(0.37))).item() == pytest.approx(0.37, rel=1e-5)


def test_each_sample_gets_its_own_weight_draw_in_one_batched_forward() -> None:
    with seeded(0):
        conv = BayesConv2d(2, 3, 3, prior_sigma=0.1, init_sigma=0.5)
        lin = BayesLinear(5, 2, 0.1, 0.5)
    x = torch.randn(1, 4, 2, 8, 8, generator=generator(0)).expand(5, 4, 2, 8, 8)  # one batch in every sample slot
    y = conv(x, generator(1))  # (5, 4, 3, 6, 6)
    assert y.shape == (5, 4, 3, 6, 6)
    assert not torch.allclose(y[0], y[1])  # different kernels per sample
    w, b = conv.sample(1, generator(2))  # one sample equals a plain conv with that draw
    single = conv(x[:1], generator(2))[0]
    assert torch.allclose(single, F.conv2d(x[0], w[0], b[0]), atol=1e-5)
    w, b = lin.sample(3, generator(3))
    out = lin(torch.ones(3, 4, 5), generator(3))  # (3, 4, 2)
    assert torch.allclose(out[2], torch.ones(4, 5) @ w[2].T + b[2], atol=1e-5)


def test_own_dropout_draws_the_masks_f_dropout_draws_from_the_same_state() -> None:
    """So models trained with the global generator (the shipped ones) give the same numbers with a private one."""
    h = torch.rand(64, 32, generator=generator(5))
    torch.manual_seed(11)
    expected = F.dropout(h, 0.25, training=True)
    torch.manual_seed(11)
    g = torch.Generator()
    g.set_state(torch.get_rng_state())
    assert torch.equal(dropout(h, 0.25, True, g), expected)
    assert torch.equal(dropout(h, 0.25, False, g), h) and torch.equal(dropout(h, 0.0, True, g), h)


@pytest.mark.parametrize("kind", ["mc_dropout", "bbb"])
def test_a_seeded_prediction_is_private(kind: str) -> None:
    """The same seed gives the same passes whatever torch's global generator does meanwhile, and never moves it."""
    with seeded(0):
        model = build(kind, SMALL)
    x = torch.rand(3, 1, 28, 28, generator=generator(1))
    alone = sample_probs(model, x, 16, generator=generator(42))
    stop = threading.Event()

    def other_session() -> None:
        while not stop.is_set():
            with seeded(7):
                torch.rand(100)
            stop.wait(0.001)

    noisy = threading.Thread(target=other_session)
    noisy.start()
    try:
        beside = [sample_probs(model, x, 16, generator=generator(42)) for _ in range(5)]
    finally:
        stop.set()
        noisy.join()
    assert all(torch.equal(alone, b) for b in beside)
    torch.manual_seed(3)
    before = torch.get_rng_state()
    sample_probs(model, x, 16, generator=generator(42))
    assert torch.equal(torch.get_rng_state(), before)
    assert not torch.equal(alone, sample_probs(model, x, 16, generator=generator(43)))


@pytest.mark.parametrize("kind", ["baseline", "mc_dropout", "bbb", "ensemble"])
def test_sample_spread_is_zero_only_for_the_deterministic_baseline(kind: str) -> None:
    torch.manual_seed(0)
    net = NetConfig(channels=(4, 8), hidden=16, dropout=0.25, ensemble_size=3, init_sigma=0.05)
    model = build(kind, net)
    probs = sample_probs(model, torch.rand(6, 1, 28, 28), n_samples=8)  # (S, 6, 10)
    assert torch.allclose(probs.sum(-1), torch.ones(probs.shape[:2]), atol=1e-5)
    spread = probs.std(0, unbiased=False).max().item() if probs.shape[0] > 1 else 0.0
    if kind == "baseline":
        assert probs.shape[0] == 1 and spread == 0.0
        assert mutual_information(probs).abs().max().item() == 0.0
        assert torch.equal(
            sample_probs(model, torch.ones(2, 1, 28, 28), 8), sample_probs(model, torch.ones(2, 1, 28, 28), 8)
        )
    else:
        assert probs.shape[0] == (3 if kind == "ensemble" else 8)
        assert spread > 1e-4
        assert mutual_information(probs).min().item() > 0


def test_sample_probs_rejects_bad_input() -> None:
    model = build("baseline", SMALL)
    with pytest.raises(ValueError, match=r"\(B, 1, 28, 28\)"):
        sample_probs(model, torch.rand(2, 28, 28), 4)
    with pytest.raises(ValueError, match="n_samples"):
        sample_probs(model, torch.rand(2, 1, 28, 28), 0)
    with pytest.raises(ValueError, match=f"between 1 and {MAX_SAMPLES}"):
        sample_probs(model, torch.rand(2, 1, 28, 28), 100_000)  # would need tens of GB of activations


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 5), st.integers(2, 10), st.floats(0.1, 8.0), st.integers(0, 10_000))
def test_entropy_scores_match_scipy_and_obey_their_bounds(
    s: int, b: int, c: int, temperature: float, seed: int
) -> None:
    g = torch.Generator().manual_seed(seed)
    probs = torch.softmax(torch.randn(s, b, c, generator=g, dtype=torch.float64) * temperature, -1)  # (S, B, C)
    h, mi, ee = predictive_entropy(probs), mutual_information(probs), expected_entropy(probs)
    p = probs.numpy()
    h_ref = scipy_entropy(p.mean(0), axis=-1)  # (B,) entropy of the averaged prediction
    ee_ref = scipy_entropy(p, axis=-1).mean(0)  # (B,) mean entropy of the passes
    assert np.allclose(h.numpy(), h_ref, atol=1e-9) and np.allclose(ee.numpy(), ee_ref, atol=1e-9)
    assert np.all(h_ref - ee_ref >= -1e-9)  # entropy is concave: disagreement can only add uncertainty
    assert np.allclose(mi.numpy(), h_ref - ee_ref, atol=1e-9)  # so MI is H - E[H], clamping changes nothing
    assert (h <= math.log(c) + 1e-9).all()


def test_entropy_extremes() -> None:
    one_hot = torch.eye(4)[None]  # (1, 4, 4): certain
    assert predictive_entropy(one_hot).abs().max().item() < 1e-6
    uniform = torch.full((3, 1, 4), 0.25)
    assert predictive_entropy(uniform).item() == pytest.approx(math.log(4))
    assert mutual_information(uniform).item() == pytest.approx(0.0, abs=1e-6)  # unsure, but all agree: aleatoric
    disagree = torch.eye(4)[:, None, :]  # (4, 1, 4): each pass certain of a different class
    assert mutual_information(disagree).item() == pytest.approx(math.log(4), abs=1e-5)  # all epistemic
    assert expected_entropy(disagree).item() == pytest.approx(0.0, abs=1e-5)


def test_ece_on_a_hand_made_example() -> None:
    # 4 predictions at confidence 0.85 (3 right: accuracy 0.75) and 2 at 0.65 (both right: accuracy 1.0)
    p = torch.tensor([[0.85, 0.15]] * 4 + [[0.65, 0.35]] * 2)
    labels = torch.tensor([0, 0, 0, 1, 0, 0])
    # ECE = 4/6 * |0.75 - 0.85| + 2/6 * |1.0 - 0.65| = 0.0667 + 0.1167
    assert expected_calibration_error(p, labels, n_bins=10) == pytest.approx(4 / 6 * 0.10 + 2 / 6 * 0.35)
    rel = reliability(p, labels, n_bins=10)
    assert rel.count[8] == 4 and rel.count[6] == 2 and sum(rel.count) == 6  # 0.85 falls in (0.8, 0.9]
    assert rel.accuracy[8] == pytest.approx(0.75) and rel.confidence[6] == pytest.approx(0.65)
    assert rel.accuracy[0] is None
    perfect = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    assert expected_calibration_error(perfect, torch.tensor([0, 1])) == 0.0


def _oracle_ece(conf: np.ndarray, correct: np.ndarray, n_bins: int) -> float:
    """ECE from scikit-learn's reliability bins (uniform bins, (lo, hi], as calibration_curve cuts them)."""
    acc, mean_conf = calibration_curve(correct, conf, n_bins=n_bins, strategy="uniform", pos_label=1)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], conf), minlength=n_bins)
    counts = counts[counts > 0]  # calibration_curve drops empty bins
    return float(np.sum(counts / len(conf) * np.abs(acc - mean_conf)))


@settings(max_examples=40, deadline=None)
@given(st.integers(10, 300), st.integers(2, 10), st.integers(1, 20), st.floats(0.2, 6.0), st.integers(0, 10_000))
def test_ece_matches_scikit_learns_reliability_bins(n: int, c: int, n_bins: int, temperature: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    probs = torch.softmax(torch.from_numpy(rng.normal(size=(n, c)) * temperature), -1)  # (N, C) float64
    labels = torch.from_numpy(rng.integers(0, c, n))
    conf, pred = probs.max(-1)
    correct = (pred == labels).numpy().astype(int)
    ours = reliability(probs, labels, n_bins)
    assert ours.ece == pytest.approx(_oracle_ece(conf.numpy(), correct, n_bins), abs=1e-9)
    assert sum(ours.count) == n


def test_auroc_on_a_hand_made_case() -> None:
    in_s = [0.1, 0.4, 0.35, 0.8]
    out_s = [0.9, 0.4, 0.7]
    # pairs (out > in): 0.9 beats all 4; 0.4 beats 0.1, 0.35 and ties 0.4 (half); 0.7 beats 0.1, 0.4, 0.35
    assert auroc(in_s, out_s) == pytest.approx((4 + 2.5 + 3) / 12)
    assert auroc([0, 1], [2, 3]) == 1.0 and auroc([2, 3], [0, 1]) == 0.0 and auroc([1, 1], [1, 1]) == 0.5
    with pytest.raises(ValueError, match="both sets"):
        auroc([], [1.0])


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 80), st.integers(1, 80), st.integers(2, 40), st.integers(0, 10_000))
def test_auroc_and_roc_curve_match_scikit_learn(n_in: int, n_out: int, levels: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, levels, n_in).astype(float)  # few levels: many ties
    b = (rng.integers(0, levels, n_out) + rng.integers(0, 3)).astype(float)
    y, scores = np.r_[np.zeros(n_in), np.ones(n_out)], np.r_[a, b]
    assert auroc(a, b) == pytest.approx(roc_auc_score(y, scores), abs=1e-12)
    fpr, tpr = roc_curve(a, b)
    ref_fpr, ref_tpr, _ = sklearn_roc_curve(y, scores, drop_intermediate=False)
    assert np.allclose(fpr, ref_fpr) and np.allclose(tpr, ref_tpr)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auroc_is_the_area_under_our_roc_curve(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 8, 50).astype(float), rng.integers(2, 10, 40).astype(float)  # with ties
    fpr, tpr = roc_curve(a, b)
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)
    area = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))  # trapezoids count ties as half
    assert auroc(a, b) == pytest.approx(area)
    brute = np.mean([(y > x) + 0.5 * (y == x) for x in a for y in b])
    assert auroc(a, b) == pytest.approx(brute)


def _stroke_canvas(top: int, left: int, h: int, w: int, size: int = 280) -> np.ndarray:
    img = np.zeros((size, size, 4), dtype=np.uint8)
    img[..., 3] = 255  # opaque black background
    img[top : top + h, left : left + w, :3] = 255
    return img


def test_a_drawing_is_cropped_scaled_to_20_px_and_centred_by_mass() -> None:
    x = preprocess_drawing(_stroke_canvas(top=20, left=150, h=120, w=40))  # a tall bar, off-centre
    assert x is not None and x.shape == (1, 28, 28)
    ink = x[0] > 0.05
    rows, cols = torch.nonzero(ink, as_tuple=True)
    assert rows.max() - rows.min() + 1 == 20  # longer side scaled to 20 px
    assert 6 <= cols.max() - cols.min() + 1 <= 8  # aspect ratio kept: 40/120 * 20 = 6.7
    ys, xs = torch.arange(28.0), torch.arange(28.0)
    mass = x[0].sum()
    cy, cx = (x[0].sum(1) * ys).sum() / mass, (x[0].sum(0) * xs).sum() / mass
    assert abs(cy - 13.5) <= 0.5 and abs(cx - 13.5) <= 0.5
    assert x.min() >= 0.0 and x.max() <= 1.0


def test_a_transparent_drawing_and_an_empty_canvas() -> None:
    img = np.zeros((200, 200, 4), dtype=np.uint8)
    assert preprocess_drawing(img) is None
    img[50:60, 20:180] = 255  # white, opaque stroke on a transparent canvas
    x = preprocess_drawing(img)
    assert x is not None
    cols = torch.nonzero(x[0] > 0.05, as_tuple=True)[1]
    assert cols.max() - cols.min() + 1 == 20
    with pytest.raises(ValueError, match="RGBA"):
        preprocess_drawing(np.zeros((5, 5, 3)))


def test_rotate_by_90_degrees_moves_a_pixel_to_the_rotated_place() -> None:
    img = torch.zeros(1, 1, 28, 28)
    img[0, 0, 4, 14] = 1.0  # above the centre
    assert torch.allclose(rotate(img, 0.0), img, atol=1e-6)
    out = rotate(img, 90.0)[0, 0]
    r, c = divmod(int(out.argmax()), 28)
    assert (r, c) in {(13, 4), (14, 4)}  # counter-clockwise: top goes to the left
    assert torch.allclose(rotate(rotate(img, 90.0), -90.0), img, atol=0.05)
