"""Transfer lab: frozen parts stay frozen, the checksum guards the weights, splits and caches behave, seeded runs
are private, the CLI speaks clearly, and the GPU path runs on the CPU."""

from __future__ import annotations

import gzip
import json
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from demos.common import read_idx, seeded
from demos.transfer.__main__ import main, options_after_command
from demos.transfer.cache import FeatureStore
from demos.transfer.data import (
    Augment,
    DatasetUnavailable,
    Split,
    apply_augment,
    available,
    draw_params,
    labelled_indices,
    load_split,
    read_splits,
    save_splits,
    view_params,
)
from demos.transfer.gpu import gpu_check
from demos.transfer.models import LAST_BLOCK_START, TransferNet, build_model
from demos.transfer.project import pca_2d
from demos.transfer.train import RunConfig, auto_epochs, build_seeded, run
from demos.transfer.weights import WEIGHTS_ENV, WeightsError, mobilenet_v2, verified_weights_path, weights_path

CPU = torch.device("cpu")


def tiny_split(per_class: int = 4, test_per_class: int = 2, seed: int = 0) -> Split:
    """Random 28x28 'images' whose class is a bright square at a class-specific place: learnable, tiny."""
    g = torch.Generator().manual_seed(seed)

    def make(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        labels = torch.arange(10).repeat_interleave(n)
        images = (torch.rand(len(labels), 28, 28, generator=g) * 60).to(torch.uint8)
        for i, c in enumerate(labels.tolist()):
            r, col = divmod(c, 5)
            images[i, 4 + 12 * r : 12 + 12 * r, 1 + 5 * col : 5 + 5 * col] = 255
        return images, labels

    pool_x, pool_y = make(per_class)
    test_x, test_y = make(test_per_class)
    return Split("mnist", pool_x, pool_y, test_x, test_y, tuple("0123456789"))


def tiny_config(strategy: str, **kwargs: object) -> RunConfig:
    settings: dict[str, object] = {"labels_per_class": 2, "epochs": 2, "image_size": 32, "batch_size": 8, **kwargs}
    return RunConfig(strategy=strategy, **settings)  # type: ignore[arg-type]


def tiny_run(strategy: str, **kwargs: object) -> tuple[torch.nn.Module, object]:
    config = tiny_config(strategy, **kwargs)
    initial, _ = build_seeded(strategy, 10, config.seed, CPU)  # the same seeded draw run() makes
    result = run(config, CPU, store=FeatureStore(None), split=tiny_split())
    return initial, result


def test_frozen_backbone_keeps_its_weights_and_only_the_head_learns() -> None:
    initial, result = tiny_run("frozen", lr=0.05)
    model = result.model
    assert isinstance(model, TransferNet) and isinstance(initial, TransferNet)
    assert len(model.trunk) == 0
    assert all(not p.requires_grad for p in model.stem.parameters())
    for before, after in zip(initial.stem.state_dict().values(), model.stem.state_dict().values(), strict=True):
        assert torch.equal(before, after)  # weights and BatchNorm running statistics alike
    assert not torch.equal(initial.head.weight, model.head.weight)
    assert result.trainable_params == 1280 * 10 + 10


def test_last_block_trains_only_the_last_modules() -> None:
    initial, result = tiny_run("last-block", lr=0.05)
    model = result.model
    assert isinstance(model, TransferNet) and isinstance(initial, TransferNet)
    assert len(model.stem) == LAST_BLOCK_START
    assert all(not p.requires_grad for p in model.stem.parameters())
    assert all(torch.equal(a, b) for a, b in zip(initial.stem.parameters(), model.stem.parameters(), strict=True))
    changed = [not torch.equal(a, b) for a, b in zip(initial.trunk.parameters(), model.trunk.parameters(), strict=True)]
    assert any(changed)
    # BatchNorm keeps ImageNet's statistics while fine-tuning.
    bn_before = [m.running_mean for m in initial.trunk.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    bn_after = [m.running_mean for m in model.trunk.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert all(torch.equal(a, b) for a, b in zip(bn_before, bn_after, strict=True))


def test_pretrained_stem_is_imagenet_and_scratch_is_not() -> None:
    reference = mobilenet_v2(pretrained=True)
    frozen = build_model("frozen")
    scratch = build_model("scratch")
    w = reference.features[0][0].weight
    assert isinstance(frozen, TransferNet) and isinstance(scratch, TransferNet)
    assert torch.equal(frozen.stem[0][0].weight, w)
    assert not torch.equal(scratch.trunk[0][0].weight, w)
    assert all(p.requires_grad for p in scratch.parameters())


def test_checksum_rejects_an_altered_file(tmp_path: Path) -> None:
    real = weights_path()
    assert verified_weights_path(real) == real
    altered = tmp_path / "mobilenet_v2-b0353104.pth"
    data = bytearray(real.read_bytes()[:4096])
    data[100] ^= 0xFF
    altered.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="sha256"):
        verified_weights_path(altered)


def test_weights_env_var_is_checked_before_loading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = tmp_path / "wrong.pth"
    torch.save({"not": torch.zeros(1)}, wrong)
    monkeypatch.setenv(WEIGHTS_ENV, str(wrong))
    assert weights_path() == wrong
    with pytest.raises(WeightsError, match="altered or a different file"):
        mobilenet_v2(pretrained=True)
    monkeypatch.setenv(WEIGHTS_ENV, str(tmp_path / "missing.pth"))
    with pytest.raises(WeightsError, match="is not a file"):
        weights_path()


def test_labelled_indices_are_balanced_seeded_and_nested() -> None:
    labels = torch.arange(10).repeat(40)  # (400,) 40 per class
    five = labelled_indices(labels, 5, seed=3)
    ten = labelled_indices(labels, 10, seed=3)
    assert torch.bincount(labels[ten], minlength=10).tolist() == [10] * 10
    assert set(five.tolist()) <= set(ten.tolist())
    assert torch.equal(ten, labelled_indices(labels, 10, seed=3))
    assert not torch.equal(ten, labelled_indices(labels, 10, seed=4))
    assert torch.equal(labelled_indices(labels, None, seed=0), torch.arange(400))
    with pytest.raises(ValueError, match="between 1 and 40"):
        labelled_indices(labels, 41, seed=0)


def test_identity_augmentation_changes_nothing_and_flip_mirrors() -> None:
    x = torch.rand(2, 1, 28, 28)
    identity = torch.tensor([[1.0, 0.0, 0.0, 1.0, 1.0, 1.0]] * 2)
    assert torch.allclose(apply_augment(x, identity), x, atol=1e-5)
    flip = identity.clone()
    flip[:, 3] = -1
    assert torch.allclose(apply_augment(x, flip), x.flip(-1), atol=1e-5)


def test_digits_are_never_flipped_and_views_are_repeatable() -> None:
    g = torch.Generator().manual_seed(0)
    assert torch.all(draw_params(500, Augment(flip=False), g)[:, 3] == 1)
    assert torch.any(draw_params(500, Augment(flip=True), g)[:, 3] == -1)
    idx = torch.tensor([3, 7, 11])
    assert torch.equal(view_params(idx, 2, Augment()), view_params(idx, 2, Augment()))
    assert not torch.equal(view_params(idx, 1, Augment()), view_params(idx, 2, Augment()))


def test_pca_of_points_on_a_line() -> None:
    t = torch.linspace(-1, 1, 50).unsqueeze(1)  # (50, 1)
    x = t @ torch.tensor([[3.0, -4.0, 0.0]]) + 7  # (50, 3) on a line
    coords, share = pca_2d(x)
    assert coords.shape == (50, 2)
    assert torch.allclose(coords[:, 1], torch.zeros(50), atol=1e-5)
    assert share[0].item() == pytest.approx(1.0)
    assert torch.allclose(coords[:, 0].abs(), (5 * t.squeeze(1)).abs(), atol=1e-4)
    assert torch.equal(pca_2d(x)[0], coords)


def test_feature_store_computes_only_missing_rows(tmp_path: Path) -> None:
    calls: list[list[int]] = []

    def compute(idx: torch.Tensor) -> torch.Tensor:
        calls.append(idx.tolist())
        return idx.float().unsqueeze(1) * 10  # (M, 1)

    store = FeatureStore(tmp_path)
    assert store.get("k", 6, torch.tensor([4, 1]), compute).flatten().tolist() == [40.0, 10.0]
    assert store.get("k", 6, torch.tensor([1, 2, 4]), compute).flatten().tolist() == [10.0, 20.0, 40.0]
    assert calls == [[1, 4], [2]]
    again = FeatureStore(tmp_path)  # a new process reads the file
    assert again.get("k", 6, torch.tensor([2, 4]), compute).flatten().tolist() == [20.0, 40.0]
    assert calls == [[1, 4], [2]] and again.computed == 0


def test_feature_store_under_concurrent_sessions_computes_each_row_once(tmp_path: Path) -> None:
    """Two sessions asking for the same rows at once: the second waits, then reads; no temporary file is left."""
    calls: list[list[int]] = []
    started = threading.Event()

    def compute(idx: torch.Tensor) -> torch.Tensor:
        calls.append(idx.tolist())
        started.set()
        threading.Event().wait(0.2)  # a slow extraction, so the other thread arrives meanwhile
        return idx.float().unsqueeze(1)  # (M, 1)

    store = FeatureStore(tmp_path)
    got: list[torch.Tensor] = []
    threads = [threading.Thread(target=lambda: got.append(store.get("k", 8, torch.arange(5), compute))) for _ in "ab"]
    threads[0].start()
    started.wait(5)
    threads[1].start()
    for t in threads:
        t.join(10)
    assert calls == [[0, 1, 2, 3, 4]] and store.computed == 5
    assert len(got) == 2 and all(torch.equal(g.flatten(), torch.arange(5.0)) for g in got)
    assert [p.name for p in tmp_path.iterdir()] == ["k.pt"]


def test_a_second_frozen_run_reads_its_features_from_the_cache() -> None:
    store, split = FeatureStore(None), tiny_split()
    first = run(tiny_config("frozen"), CPU, store=store, split=split)
    assert first.features_computed == 20 + 20  # 2 labelled images per class, 20 test images
    again = run(tiny_config("frozen", seed=1), CPU, store=store, split=split)
    assert again.features_computed <= 20 and store.computed == first.features_computed + again.features_computed
    assert run(tiny_config("frozen"), CPU, store=store, split=split).features_computed == 0


def test_a_seeded_run_is_private_and_leaves_the_global_generator_alone() -> None:
    """The tiny CNN draws dropout masks while training: from its own generator, whatever others draw."""
    split = tiny_split()
    config = tiny_config("tiny-cnn", epochs=3)
    alone = run(config, CPU, store=FeatureStore(None), split=split)
    torch.manual_seed(1234)
    before = torch.get_rng_state()
    stop = threading.Event()

    def other_session() -> None:
        while not stop.is_set():
            with seeded(7):  # another session building its model: it re-seeds torch's global generator
                torch.rand(100)
            stop.wait(0.002)

    noisy = threading.Thread(target=other_session)
    noisy.start()
    try:
        beside = run(config, CPU, store=FeatureStore(None), split=split)
    finally:
        stop.set()
        noisy.join()
    assert torch.equal(alone.predictions, beside.predictions)
    assert all(torch.equal(alone.head[k], beside.head[k]) for k in alone.head)
    torch.manual_seed(1234)
    run(config, CPU, store=FeatureStore(None), split=split)
    assert torch.equal(torch.get_rng_state(), before)  # run() neither read nor moved the global stream


def test_read_idx_round_trip_and_bad_header(tmp_path: Path) -> None:
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    header = bytes([0, 0, 8, 3]) + b"".join(d.to_bytes(4, "big") for d in arr.shape)
    path = tmp_path / "x-idx3-ubyte.gz"
    with gzip.open(path, "wb") as f:
        f.write(header + arr.tobytes())
    assert np.array_equal(read_idx(path), arr)
    bad = tmp_path / "bad.gz"
    with gzip.open(bad, "wb") as f:
        f.write(b"\x00\x00\x0d\x01" + (4).to_bytes(4, "big") + b"abcd")
    with pytest.raises(ValueError, match="not an unsigned-byte idx"):
        read_idx(bad)


def test_missing_fashion_is_reported_with_the_install_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path))
    monkeypatch.delenv("TRANSFER_SPLITS_NPZ", raising=False)
    assert not available("fashion")
    with pytest.raises(DatasetUnavailable, match="apt-get install dataset-fashion-mnist"):
        load_split("fashion")


def test_cli_rejects_bad_labels_and_missing_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", "--labels-per-class", "0"])
    assert exc.value.code == 2
    assert "1..400" in capsys.readouterr().err
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path))
    monkeypatch.setenv("TRANSFER_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["run", "--dataset", "fashion", "--json"]) == 2
    assert "apt-get install dataset-fashion-mnist" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--device", "tpu"], "device 'tpu' is not one of auto, cpu, cuda"),
        (["run", "--threads", "-4"], "--threads must be between 0"),
        (["eval", "--seed", "-1"], "--seed must be a non-negative integer"),
        (["--threads", "999", "sweep"], "--threads must be between 0"),
        (["run", "--epochs", "0"], "--epochs must be between 1 and 500"),
        (["run", "--image-size", "100000"], "--image-size must be between 32 and 224"),
        (["run", "--test-limit", "-1"], "--test-limit must be between 10 and 1000"),
        (["sweep", "--seeds", "-3"], "--seeds must be between 0"),
        (["merge", "/no/such/sweep.json"], "does not exist"),
    ],
)
def test_cli_bad_values_get_one_message_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_cli_options_may_come_before_the_command_as_in_the_recorded_sweeps() -> None:
    assert options_after_command(["--threads", "1", "sweep", "--seeds", "0"]) == [
        "sweep",
        "--threads",
        "1",
        "--seeds",
        "0",
    ]
    assert options_after_command(["--device", "cpu", "--threads", "2", "run"]) == [
        "run",
        "--device",
        "cpu",
        "--threads",
        "2",
    ]
    assert options_after_command(["run", "--threads", "1"]) == ["run", "--threads", "1"]


def test_gpu_check_runs_on_the_cpu_with_tiny_sizes() -> None:
    out = gpu_check(CPU, image_size=32, n_images=16, steps=2)
    assert out["frozen_stem_unchanged"] is True
    assert float(out["feature_rel_err_vs_cpu"]) < 1e-5  # type: ignore[arg-type]
    first, last = out["finetune_loss_first_last"]  # type: ignore[misc]
    assert last < first  # two steps fitting one fixed batch lower its loss


def test_splits_npz_round_trip(tmp_path: Path) -> None:
    split = tiny_split()
    save_splits(tmp_path / "s.npz", [split])
    back = read_splits(tmp_path / "s.npz", "mnist")
    assert torch.equal(back.pool_images, split.pool_images) and torch.equal(back.test_labels, split.test_labels)
    with pytest.raises(DatasetUnavailable, match="no fashion split"):
        read_splits(tmp_path / "s.npz", "fashion")


def test_auto_epochs_and_config_validation() -> None:
    assert auto_epochs(10, 32) == 60  # one step per epoch: capped
    assert auto_epochs(100, 32) == 38  # 4 steps per epoch -> about 150 steps
    assert auto_epochs(4000, 32) == 3
    with pytest.raises(ValueError, match=r"strategy .nope..*labels_per_class must be"):
        RunConfig(strategy="nope", labels_per_class=0)


def test_run_summary_is_json_with_the_cli_fields() -> None:
    _, result = tiny_run("tiny-cnn")
    summary = result.summary()  # type: ignore[attr-defined]
    out = json.loads(json.dumps(summary))
    assert 0.0 <= out["accuracy"] <= 1.0 and out["device"] == "cpu" and out["seconds"] > 0
    assert out["n_train"] == 20 and out["n_test"] == 20 and len(out["curve"]) == 2
