"""The training labs' compute, on tiny configurations: the shared MLP core (data split, reproducible dropout and
DropConnect masks), gradient norms, batch norm's modes, regularisers, the bias-variance sweep, losses against
torch's own, metric learning against scikit-learn's nearest neighbours, and the GPU check on the CPU."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.common import generator
from demos.train.activations import DeepConfig, curves, gradient_norms
from demos.train.batchnorm import mode_effects, train_bn
from demos.train.biasvar import sweep
from demos.train.core import DropConnectLinear, MaskedDropout, MLPConfig, build_mlp, fit, mnist
from demos.train.embed import contrastive_loss, recall_at_1, train_embedding, triplet_loss
from demos.train.losses import confidence_sweep, logit_gradients, nll_vs_cross_entropy, softmax, temperature_table
from demos.train.regularise import METHODS, MinibatchDropConnect, noisy_labels, train_regularised

TINY = MLPConfig(depth=2, width=16)


@pytest.fixture(scope="module")
def small():  # type: ignore[no-untyped-def]
    return mnist(20, 10)


def test_the_split_is_fixed_balanced_and_disjoint(small) -> None:  # type: ignore[no-untyped-def]
    assert small.x_train.shape == (200, 784) and small.x_test.shape == (100, 784)
    assert torch.bincount(small.y_train).tolist() == [20] * 10 and torch.bincount(small.y_test).tolist() == [10] * 10
    assert float(small.x_train.min()) >= 0.0 and float(small.x_train.max()) <= 1.0
    train_rows = {r.tobytes() for r in small.x_train.numpy()}
    assert not any(r.tobytes() in train_rows for r in small.x_test.numpy())
    again = mnist(20, 10)
    assert torch.equal(again.x_train, small.x_train)
    with pytest.raises(ValueError, match="train_per_class must be between 1 and 400"):
        mnist(401)


def test_dropout_masks_come_from_the_runs_generator_and_keep_the_mean() -> None:
    drop = MaskedDropout(0.5)
    x = torch.ones(4000, 8)
    drop.generator = generator(1)
    a = drop(x)
    drop.generator = generator(1)
    assert torch.equal(a, drop(x))  # same generator seed, same mask
    assert set(a.unique().tolist()) == {0.0, 2.0} and abs(float(a.mean()) - 1.0) < 0.05
    drop.eval()
    assert torch.equal(drop(x), x)
    state = torch.random.get_rng_state()
    drop.train()
    drop(x)
    assert torch.equal(state, torch.random.get_rng_state())  # the global generator was not touched


def test_dropconnect_drops_weights_per_example_and_uses_the_weights_at_test_time() -> None:
    layer = DropConnectLinear(5, 3, 0.5)
    layer.generator = generator(0)
    x = torch.ones(2, 5)
    y = layer(x)
    manual = [torch.stack([layer.weight]).shape]  # the layer's weights are untouched by the masks
    assert manual == [(1, 3, 5)]
    assert not torch.allclose(y[0], y[1])  # two examples, two masks
    layer.eval()
    assert torch.allclose(layer(x), F.linear(x, layer.weight, layer.bias))
    wrapped = MinibatchDropConnect(torch.nn.Linear(5, 3), 0.5)
    wrapped.generator = generator(0)
    out = wrapped(x)
    assert torch.allclose(out[0], out[1])  # one mask for the whole minibatch


def test_fit_is_reproducible_and_stops_on_divergence(small) -> None:  # type: ignore[no-untyped-def]
    def run(lr: float):  # type: ignore[no-untyped-def]
        model = build_mlp(TINY, 0)
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        return fit(model, small, opt.step, zero_grad=opt.zero_grad, steps=12, batch_size=32, generator=generator(0))

    a, b = run(0.1), run(0.1)
    assert a.loss == b.loss and len(a.loss) == 12 and a.test_acc
    bad = run(1e6)
    assert bad.diverged and len(bad.loss) < 12 and not math.isfinite(bad.loss[-1])


def test_sigmoid_gradients_vanish_towards_the_input() -> None:
    sig = gradient_norms(DeepConfig(depth=12, act="sigmoid", init="xavier", batch=32), 0)
    relu = gradient_norms(DeepConfig(depth=12, act="relu", init="he", batch=32), 0)
    assert len(sig["norms"]) == 13 and len(sig["spreads"]) == 12  # type: ignore[arg-type]
    assert sig["norms"][0] < 1e-3 * sig["norms"][-2]  # type: ignore[index, operator]
    assert relu["norms"][0] > 1e3 * sig["norms"][0]  # type: ignore[index, operator]
    c = curves(np.array([0.0]))
    assert c["sigmoid"]["df"] == [0.25] and c["relu"]["df"] == [0.0] and c["tanh"]["df"] == [1.0]


def test_eval_mode_is_independent_of_the_batch_and_train_mode_is_not(small) -> None:  # type: ignore[no-untyped-def]
    run, model = train_bn(small, 0.3, True, 20, config=MLPConfig(depth=3, width=16, init="he"), eval_every=10)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    e = mode_effects(model, small, batch=8)
    assert e["eval_mode_shift"] == 0.0 and e["train_mode_shift"] > 0
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # running stats left alone
    assert run.curve.eval_steps == [10, 20]


def test_noisy_labels_change_the_asked_share_to_other_classes(small) -> None:  # type: ignore[no-untyped-def]
    noisy = noisy_labels(small, 0.3)
    changed = (noisy.y_train != small.y_train).float().mean()
    assert 0.2 < float(changed) < 0.4
    assert torch.equal(noisy.y_test, small.y_test)
    with pytest.raises(ValueError, match="label-noise fraction"):
        noisy_labels(small, 1.0)


def test_l1_leaves_more_weights_near_zero_than_no_penalty(small) -> None:  # type: ignore[no-untyped-def]
    cfg = MLPConfig(depth=2, width=32)
    none = train_regularised(small, METHODS["none"], 8, config=cfg)
    l1 = train_regularised(small, METHODS["l1"], 8, config=cfg, lr=0.05)
    assert l1.near_zero > none.near_zero
    assert sum(none.weight_hist["counts"]) <= 32 * 32 and len(none.weight_hist["edges"]) == 61
    assert 0 <= none.test_acc <= 1 and none.curve["train_acc"]


def test_bias_variance_split_adds_up_to_the_test_error() -> None:
    s = sweep(degrees=(0, 1, 3, 9), datasets=60, seed=2)
    split = np.array(s.bias2) + np.array(s.variance) + s.noise
    assert np.allclose(split, s.test_mse, rtol=0.15)
    assert s.train_mse == sorted(s.train_mse, reverse=True)
    assert s.bias2[0] > s.bias2[2] and s.variance[3] > s.variance[0]
    with pytest.raises(ValueError, match="more training points"):
        sweep(degrees=(0, 25))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-8, 8), min_size=3, max_size=8), st.data())
def test_logit_gradients_equal_autograd(z: list[float], data) -> None:  # type: ignore[no-untyped-def]
    target = data.draw(st.integers(0, len(z) - 1))
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    (g_ce,) = torch.autograd.grad(F.cross_entropy(t[None], torch.tensor([target])), t)
    onehot = F.one_hot(torch.tensor(target), len(z)).double()
    (g_mse,) = torch.autograd.grad(F.mse_loss(F.softmax(t, 0), onehot), t)
    ours = logit_gradients(np.array(z), target)
    np.testing.assert_allclose(ours["cross_entropy"], g_ce.numpy(), atol=1e-12)
    np.testing.assert_allclose(ours["mse"], g_mse.numpy(), atol=1e-12)


def test_confident_mistakes_silence_mse_but_not_cross_entropy() -> None:
    s = confidence_sweep(np.array([0.0, 10.0]))
    assert s["p_right"][1] < 1e-3
    assert s["cross_entropy"][1] > s["cross_entropy"][0]
    assert s["mse"][1] < 0.1 * s["mse"][0]


def test_nll_on_log_softmax_is_cross_entropy_and_temperature_behaves() -> None:
    r = nll_vs_cross_entropy(n=200)
    assert r["max_abs_diff_nll_ce"] < 1e-12 and r["max_abs_diff_by_hand"] < 1e-12
    t = temperature_table([3.0, 1.0, 0.0], [0.01, 1.0, 1e4])
    assert t["probs"][0][0] > 0.999 and abs(t["entropy"][2] - math.log(3)) < 1e-3
    assert np.allclose(softmax(np.array([1.0, 2.0]) + 1000), softmax(np.array([1.0, 2.0])))
    with pytest.raises(ValueError, match="temperature must be positive"):
        softmax(np.zeros(3), 0.0)


def test_metric_losses_match_their_definitions_and_torch() -> None:
    gen = generator(0)
    a, p, n = (torch.randn(16, 2, generator=gen, dtype=torch.float64) for _ in range(3))
    ours = triplet_loss(a, p, n, margin=0.7)
    theirs = F.triplet_margin_loss(a, p, n, margin=0.7, eps=0.0)
    assert float(ours) == pytest.approx(float(theirs), abs=1e-6)
    same = torch.tensor([1.0, 0.0])
    x, y = torch.tensor([[0.0, 0.0], [0.0, 0.0]]), torch.tensor([[3.0, 4.0], [0.3, 0.4]])
    # a matching pair 5 apart costs 25; a non-matching pair 0.5 apart costs (1 - 0.5)^2
    assert float(contrastive_loss(x, y, same, margin=1.0)) == pytest.approx((25 + 0.25) / 2)


def test_recall_at_1_agrees_with_scikit_learn_nearest_neighbours() -> None:
    from sklearn.neighbors import NearestNeighbors

    gen = generator(3)
    pts = torch.randn(120, 2, generator=gen)
    labels = torch.randint(0, 4, (120,), generator=gen)
    _, idx = NearestNeighbors(n_neighbors=2).fit(pts.numpy()).kneighbors(pts.numpy())
    oracle = float((labels.numpy()[idx[:, 1]] == labels.numpy()).mean())
    assert recall_at_1(pts, labels) == pytest.approx(oracle)


def test_an_embedding_learns_to_retrieve(small) -> None:  # type: ignore[no-untyped-def]
    run, _ = train_embedding(small, "triplet", 40, snapshot_every=20, batch_size=64)
    assert [s["step"] for s in run.snapshots] == [0, 20, 40]
    assert run.recall > run.snapshots[0]["recall"]  # type: ignore[operator]
    assert len(run.snapshots[-1]["points"]) == 100  # type: ignore[arg-type]


def test_gpu_check_runs_on_the_cpu() -> None:
    from demos.train.gpu import gpu_check

    out = gpu_check(torch.device("cpu"), steps=10, depth=8, train_per_class=20)
    assert out["sigmoid_first_over_last_hidden"] < 0.1  # type: ignore[operator]
    assert set(out["lr1_bn"]) == {"diverged", "test_acc"}  # type: ignore[arg-type]
    assert 0 <= out["triplet_recall_at_1"] <= 1 and 0 <= out["dropout_test_acc"] <= 1  # type: ignore[operator]
