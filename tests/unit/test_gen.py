"""The generative labs on tiny configurations: shapes, losses that fall, scikit-learn and torch.distributions as
oracles, and interpolation paths that start and end on the chosen digits."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA as SkPCA  # imported before the BLAS limit below, so that it applies
from threadpoolctl import threadpool_limits
from torch.distributions import Normal, kl_divergence

from demos.common import generator
from demos.gen import autoencoders as ae
from demos.gen import classifier as clf
from demos.gen import dcgan, gan2d, interpolate
from demos.gen.data import mnist_split

CPU = torch.device("cpu")


@pytest.fixture(autouse=True)
def _one_blas_thread() -> Iterator[None]:
    """numpy's BLAS on one thread for each test, as torch is (tests/conftest.py): on the busy 2-core machine two
    threads made scikit-learn's PCA of 300 digits take 13 s instead of 0.2 s."""
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def small() -> tuple[torch.Tensor, torch.Tensor]:
    """300 training digits (flat) and their labels."""
    train, _ = mnist_split()
    return train.flat[:300], train.y[:300]


def test_split_is_fixed_disjoint_and_scaled() -> None:
    train, test = mnist_split()
    assert (len(train), len(test)) == (4000, 1000)
    assert train.x.shape == (4000, 1, 28, 28) and float(train.x.min()) >= 0 and float(train.x.max()) <= 1
    assert set(test.y.tolist()) == set(range(10))
    assert not set(map(bytes, (train.x[:50] * 255).byte().numpy())) & set(map(bytes, (test.x * 255).byte().numpy()))


# ------------------------------------------------------------------------------------------------ PCA and autoencoders


def test_pca_matches_scikit_learn(small: tuple[torch.Tensor, torch.Tensor]) -> None:
    x = small[0]
    ours = ae.PCA.fit(x, 8)
    sk = SkPCA(8, svd_solver="full").fit(x.double().numpy())
    theirs = sk.inverse_transform(sk.transform(x.double().numpy()))
    assert np.allclose(ours.reconstruct(x, 8).numpy(), theirs, atol=1e-4)
    assert np.allclose(ours.variances.numpy(), sk.explained_variance_, rtol=1e-4)


def test_vae_kl_term_is_the_closed_form_kl_to_the_prior() -> None:
    model = ae.AutoEncoder("vae", 3, hidden=16)
    x = torch.rand(5, 784)
    _, _, kl = ae.losses(model, x, None)
    mu, logvar = model.encode(x)
    assert logvar is not None
    oracle = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(1).mean()
    assert kl.item() == pytest.approx(oracle.item(), rel=1e-5)


@pytest.mark.parametrize("kind", ae.KINDS)
def test_autoencoders_shapes_and_a_falling_loss(kind: ae.Kind, small: tuple[torch.Tensor, torch.Tensor]) -> None:
    config = ae.AEConfig(kind=kind, latent=2, epochs=4, batch=50, lr=0.01 if kind == "linear" else 3e-3)
    run = ae.train_autoencoder(small[0], config, CPU)
    assert run.history[-1]["loss"] < run.history[0]["loss"]
    assert ae.codes(run.model, small[0][:7]).shape == (7, 2)
    out = run.model.reconstruct(small[0][:7])
    assert out.shape == (7, 784)
    if kind != "linear":
        assert float(out.min()) >= 0 and float(out.max()) <= 1
    if kind == "vae":
        assert all(h["kl"] > 0 for h in run.history)


def test_linear_autoencoder_never_beats_pca_on_its_training_data(small: tuple[torch.Tensor, torch.Tensor]) -> None:
    x = small[0]
    run = ae.train_autoencoder(x, ae.AEConfig(kind="linear", latent=4, epochs=8, batch=50, lr=0.01), CPU)
    assert ae.reconstruction_error(run.model, x) >= ae.mse(ae.PCA.fit(x, 4).reconstruct(x, 4), x) - 1e-7


# ------------------------------------------------------------------------------------------------ interpolation


def test_latent_paths_start_and_end_on_the_reconstructions(small: tuple[torch.Tensor, torch.Tensor]) -> None:
    model = ae.AutoEncoder("vae", 2, hidden=16).eval()
    a, b = small[0][0], small[0][1]
    path = interpolate.latent_path(model, a, b, 5)
    assert path.shape == (5, 784)
    with torch.no_grad():
        assert torch.allclose(path[0], model.reconstruct(a[None])[0].clamp(0, 1), atol=1e-6)
        assert torch.allclose(path[-1], model.reconstruct(b[None])[0].clamp(0, 1), atol=1e-6)
    pixel = interpolate.pixel_path(a, b, 3)
    assert torch.allclose(pixel[1], (a + b) / 2)
    with pytest.raises(ValueError, match="at least 2 steps"):
        interpolate.line(torch.zeros(2), torch.ones(2), 1)


def test_random_pairs_differ_in_digit() -> None:
    labels = torch.tensor([0, 0, 1, 2])
    pairs = interpolate.random_pairs(labels, 20, 0)
    assert len(pairs) == 20 and all(labels[i] != labels[j] for i, j in pairs)
    assert pairs == interpolate.random_pairs(labels, 20, 0)


def test_shipped_paths_start_and_end_on_the_chosen_digits() -> None:
    """The shipped 8-D autoencoder and VAE: for every pair of digits the panel offers, both ends of the path are
    recognised as the digits picked."""
    from demos.gen.panels import autoencoders, classifier, examples

    _, test = mnist_split()
    models, judge = autoencoders(CPU), classifier(CPU)
    pick = examples(judge, models)
    assert [int(test.y[i]) for i in pick] == list(range(10))
    for kind in ("mlp-8", "vae-8"):
        for a, b in ((0, 9), (9, 0), (2, 3), (4, 7), (5, 6), (8, 1)):
            path = interpolate.latent_path(models[kind], test.x[pick[a]], test.x[pick[b]], 5)
            score = interpolate.score_path(judge, path)
            assert (score.label[0], score.label[-1]) == (a, b), (kind, a, b)


# ------------------------------------------------------------------------------------------------ classifier


def test_classifier_tiny_training_learns(small: tuple[torch.Tensor, torch.Tensor]) -> None:
    from demos.gen.data import Split

    split = Split(small[0].view(-1, 1, 28, 28), small[1])
    run = clf.train_classifier(split, clf.ClassifierConfig(epochs=3, batch=32, lr=3e-3), CPU)
    assert run.losses[-1] < run.losses[0]
    probs = clf.probabilities(run.model, split.x[:9])
    assert probs.shape == (9, 10) and torch.allclose(probs.sum(1), torch.ones(9), atol=1e-5)


# ------------------------------------------------------------------------------------------------ 2-D GAN


def test_mixture_centres_and_coverage() -> None:
    ring, grid = gan2d.centres("ring"), gan2d.centres("grid")
    assert ring.shape == (8, 2) and torch.allclose(ring.norm(dim=1), torch.full((8,), 2.0))
    assert grid.shape == (9, 2)
    exact = gan2d.coverage(ring.repeat(10, 1), "ring")
    assert (exact.covered, exact.on_mode) == (8, 1.0)
    one = gan2d.coverage(ring[:1].repeat(50, 1), "ring")
    assert one.covered == 1 and one.per_mode[0] == 1.0
    far = gan2d.coverage(torch.zeros(20, 2), "ring")
    assert (far.covered, far.on_mode) == (0, 0.0)
    samples = gan2d.sample_target("grid", 2000, generator(0))
    assert gan2d.coverage(samples, "grid").covered == 9
    with pytest.raises(ValueError, match="target must be one of"):
        gan2d.centres("spiral")  # type: ignore[arg-type]


def test_gan2d_tiny_run_keeps_snapshots_and_the_discriminator_learns() -> None:
    config = gan2d.GAN2DConfig(target="ring", steps=40, batch=64, snapshot_every=20)
    run = gan2d.train_gan2d(config, CPU, frame_points=50)
    assert [s.step for s in run.snapshots] == [0, 20, 40]
    assert len(run.snapshots[-1].points) == 50 and len(run.snapshots[-1].verdict) == 30
    assert run.snapshots[-1].d_loss < 2 * np.log(2)  # below a discriminator that guesses
    assert gan2d.generate(run.generator, 7, 0).shape == (7, 2)


# ------------------------------------------------------------------------------------------------ DCGAN


def test_dcgan_shapes_pyramid_and_the_discriminator_loss_falls(small: tuple[torch.Tensor, torch.Tensor]) -> None:
    config = dcgan.DCGANConfig(steps=40, batch=16, g_width=8, d_width=4, lr=1e-3)
    run = dcgan.train_dcgan(small[0].view(-1, 1, 28, 28), config, CPU, log_every=10)
    assert [s for s, _, _ in run.losses] == [10, 20, 30, 40]
    assert run.losses[-1][1] < run.losses[0][1]  # the discriminator's loss falls as it learns to tell them apart
    x = dcgan.sample(run.generator, 3, 0)
    assert x.shape == (3, 1, 28, 28) and float(x.min()) >= 0 and float(x.max()) <= 1
    coarse = dcgan.pyramid_level(x, 7)
    assert coarse.shape == x.shape and torch.allclose(coarse[:, :, :4, :4].mean(), x[:, :, :4, :4].mean())
    assert torch.equal(dcgan.pyramid_level(x, 28), x)
    with pytest.raises(ValueError, match="must divide 28"):
        dcgan.pyramid_level(x, 5)
    line = dcgan.interpolate(run.generator, 1, 2, 4)
    assert torch.allclose(line[0], dcgan.sample(run.generator, 1, 1)[0], atol=1e-6)
    assert len(dcgan.grid_image(x, 2)) == 56


def test_quality_of_real_digits_by_the_shipped_classifier() -> None:
    from demos.gen.panels import classifier

    _, test = mnist_split()
    q = dcgan.quality(classifier(CPU), test.x[:500])
    assert q.classes_covered == 10 and q.mean_confidence > 0.9 and q.class_entropy_bits > 3.2
    assert sum(q.class_shares) == pytest.approx(1.0, abs=1e-3)


def test_gpu_check_runs_on_the_cpu_with_tiny_sizes() -> None:
    from demos.gen.gpu import gpu_check

    out = gpu_check(CPU, steps=2)
    assert {"vae_one_epoch_1000_digits_s", "gan2d_20_steps_s", "dcgan_2_steps_s"} <= set(out)
    assert out["vae8_test_error_device"] == out["vae8_test_error_cpu"] < 0.03
    assert out["dcgan_mean_confidence_device"] == out["dcgan_mean_confidence_cpu"] > 0.7
