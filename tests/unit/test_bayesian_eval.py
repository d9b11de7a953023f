"""Bayesian CNN lab: a reduced end-to-end run (tiny training, evaluation, checkpoint round trip), the claims'
verdicts, the shipped panel record against a live run, the CLI's messages and the GPU path on the CPU."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from demos.bayesian import checkpoints
from demos.bayesian.__main__ import PANEL_JSON, main
from demos.bayesian.claims import outcomes
from demos.bayesian.data import Split, load_mnist, noise_set, split_mnist
from demos.bayesian.evaluate import EvalConfig, evaluate_all
from demos.bayesian.explore import angle_report
from demos.bayesian.gpu import gpu_check
from demos.bayesian.models import NetConfig, sample_probs
from demos.bayesian.train import TrainConfig, train_model
from demos.claims import shipped
from demos.common import generator

NET = NetConfig(channels=(4, 8), hidden=32, dropout=0.1, init_sigma=0.01, ensemble_size=2)


@pytest.fixture(scope="module")
def mnist() -> tuple[Split, Split]:
    splits = load_mnist()
    return Split(splits.train.x[:1200], splits.train.y[:1200]), Split(splits.test.x[:200], splits.test.y[:200])


@pytest.fixture(scope="module")
def trained(mnist: tuple[Split, Split]) -> dict:
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
    a = sample_probs(loaded["bbb"], x, 4, generator=generator(0))
    assert torch.allclose(a, sample_probs(models["bbb"], x, 4, generator=generator(0)))
    with pytest.raises(FileNotFoundError, match=r"python -m demos\.bayesian train"):
        checkpoints.load(torch.device("cpu"), tmp_path / "empty")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "--device", "tpu"], "device 'tpu' is not one of auto, cpu, cuda"),
        (["eval", "--threads", "-4"], "--threads must be between 0"),
        (["panel", "--seed", "-1"], "--seed must be a non-negative integer"),
        (["panel", "--samples", "100000"], "--samples must be between 1 and 1000"),
        (["panel", "--index", "5000"], "--index must be between 0 and 999"),
        (["train", "--dropout", "1.5"], "--dropout must be strictly between 0 and 1"),
        (["train", "--epochs", "0"], "--epochs must be between 1 and 200"),
    ],
)
def test_cli_bad_values_get_one_message_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


# ------------------------------------------------------------------------------------------------ claims


@pytest.fixture(scope="module")
def record() -> dict[str, Any]:
    found = shipped("bayesian")
    assert found is not None, "demos/bayesian/results/claims.json: python -m demos.bayesian eval --full --save"
    return found


def _evaluation(record: dict[str, Any]) -> dict[str, Any]:
    """An evaluation as claims.evaluation() returns it, rebuilt from the shipped record's tables."""
    m = {c["id"]: c["measured"] for c in record["claims"]}
    acc, cal, mi, ent = (
        m["accuracy"],
        m["calibration-under-shift"],
        m["mutual-information-no-better"],
        m["predictive-entropy-better"],
    )
    noise, rot, cost = m["noise-doubt-is-shared"], m["rotation-raises-disagreement"], m["uncertainty-costs"]
    models: dict[str, Any] = {}
    for kind in acc["accuracy"]:
        models[kind] = {
            "accuracy": acc["accuracy"][kind],
            "nll": acc["nll"][kind],
            "ece": cal["clean_ece"][kind],
            "reliability": cal["reliability"][kind],
            "ood_auroc": mi["auroc_by_set"][kind],
            "ood_auroc_entropy": ent["auroc_by_set"][kind],
            "roc": mi["roc"][kind],
            "ood_mean": {
                "noise": {
                    "entropy": noise["noise_mean_entropy"],
                    "mutual_information": noise["noise_mean_mutual_information"],
                }
            },
            "rotation": rot["sweep"][kind],
            "ms_per_prediction": cost["ms_per_prediction"][kind],
            "parameters": cost["parameters"][kind],
            "shift": {
                "ece": cal["rotated_ece"][kind],
                "accuracy": cal["rotated_accuracy"][kind],
                "confidence": cal["rotated_confidence"][kind],
                "reliability": cal["rotated_reliability"][kind],
            },
        }
    protocol = {
        "n_test": acc["test_digits"],
        "n_ood": mi["images_per_set"],
        "n_shift": cal["rotated_digits"],
        "samples": acc["passes"],
        "n_sweep": rot["digits_per_angle"],
    }
    return {"protocol": protocol, "sets": mi["sets"], "skipped": mi["skipped_sets"], "models": models}


def test_the_claims_verdicts_follow_the_numbers(record: dict[str, Any]) -> None:
    ev = _evaluation(record)
    verdicts = outcomes(ev)
    assert all(o.holds for o in verdicts.values())
    assert {k: dict(o.measured) for k, o in verdicts.items()} == {c["id"]: c["measured"] for c in record["claims"]}
    worse = copy.deepcopy(ev)  # one sampling model's mutual information beats the plain CNN on every set
    worse["models"]["ensemble"]["ood_auroc"] = dict.fromkeys(ev["sets"], 0.999)
    assert not outcomes(worse)["mutual-information-no-better"].holds
    worse = copy.deepcopy(ev)  # the plain CNN stops being overconfident on turned digits
    worse["models"]["baseline"]["shift"]["ece"] = 0.0
    assert not outcomes(worse)["calibration-under-shift"].holds
    worse = copy.deepcopy(ev)
    worse["models"]["bbb"]["parameters"] += 1
    assert not outcomes(worse)["uncertainty-costs"].holds
    worse = copy.deepcopy(ev)  # 30 batched dropout passes as cheap as one plain pass
    worse["models"]["mc_dropout"]["ms_per_prediction"] = ev["models"]["baseline"]["ms_per_prediction"]
    assert not outcomes(worse)["uncertainty-costs"].holds


def test_the_shipped_panel_digit_is_what_a_live_run_computes(mnist: tuple[Split, Split]) -> None:
    """Seeded, one image at a time: the record the panel shows without torch equals a live run at those angles."""
    data = json.loads(PANEL_JSON.read_text())
    device = torch.device("cpu")
    models = checkpoints.load(device)
    image = mnist[1].x[data["index"]]  # the fixed split's test digits come first: the fixture keeps 200 of them
    for shipped_answer in (data["sweep"][3], data["sweep"][6]):  # 45 and 90 degrees
        live = angle_report(models, image, shipped_answer["degrees"], data["samples"], device, data["seed"])
        assert live["models"] == shipped_answer["models"] and live["image"] == shipped_answer["image"]


def test_gpu_check_runs_on_the_cpu_with_tiny_sizes() -> None:
    out = gpu_check(torch.device("cpu"), samples=4, n_train=64, n_test=32, epochs=1)
    assert {"baseline", "mc_dropout", "bbb"} <= set(out)
    mi = {k: out[k]["mean_mutual_information"] for k in ("baseline", "mc_dropout", "bbb")}  # type: ignore[index]
    assert mi["baseline"] == 0 and mi["mc_dropout"] > 0 and mi["bbb"] > 0
