"""The convolution labs' other parts, on tiny settings: blocks counted from modules, receptive fields and causal
stacks, precision (formats, int8 against torch's quantiser, float16 storage, the underflow in training),
checkerboard energy, Program #5, the race and throughput bookkeeping, the GPU path on the CPU, the CLI and the
shipped records the panels read."""

from __future__ import annotations

import json
import warnings

import pytest
import torch
from torch import nn

from demos.conv import receptive_field
from tests.conftest import ROOT

CPU = torch.device("cpu")


# ------------------------------------------------------------------------------------------------ blocks


def test_macs_are_counted_by_hooks_as_output_values_times_window() -> None:
    from demos.conv.blocks import count_macs

    model = nn.Sequential(
        nn.Conv2d(4, 8, 3, padding=1), nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.Flatten(), nn.Linear(8 * 36, 5)
    )
    x = torch.zeros(2, 4, 6, 6)
    want = 2 * 8 * 36 * 4 * 9 + 2 * 8 * 36 * 1 * 9 + 2 * 5 * 8 * 36
    assert count_macs(model, x) == want


def test_block_pairs_keep_the_field_and_cut_weights_as_the_notes_say() -> None:
    from demos.conv.blocks import PAIRS, compare

    got = {p.id: compare(p, 8, 12, CPU, repeat=1) for p in PAIRS}
    c2 = 8 * 8
    assert got["7x7-vs-3x3x3"]["big"]["parameters"] == 49 * c2
    assert got["7x7-vs-3x3x3"]["small"]["parameters"] == 27 * c2
    assert got["7x7-vs-1x7-7x1"]["small"]["parameters"] == 14 * c2
    for pair in got.values():
        assert pair["big"]["field"] == pair["small"]["field"], pair["id"]
        assert pair["parameter_ratio"] < 1 and pair["mac_ratio"] < 1
    with pytest.raises(ValueError, match="multiple of 4"):
        compare(PAIRS[0], 6, 12, CPU)


# ------------------------------------------------------------------------------------------------ fields


def test_causal_stack_never_reads_the_future_and_a_centred_one_does() -> None:
    from demos.conv.receptive import causal_jacobian

    causal = causal_jacobian(2, [1, 2, 4], 20, causal=True)
    centred = causal_jacobian(2, [1, 2, 4], 20, causal=False)
    assert torch.all(torch.triu(causal, 1) == 0)
    field = receptive_field([{"kernel": 2, "dilation": d} for d in (1, 2, 4)])
    assert torch.all(causal[15, 15 - field + 1 : 16] > 0) and torch.all(causal[15, : 15 - field + 1] == 0)
    assert torch.any(torch.triu(centred, 1) > 0)


def test_layer_table_reports_program5_shapes_and_parameters() -> None:
    from demos.conv.program5 import make_cnn
    from demos.conv.receptive import layer_table

    model = make_cnn("3x3")
    rows = layer_table(model, (1, 28, 28))
    assert [r["output_shape"] for r in rows if r["type"] == "MaxPool2d"] == [[16, 14, 14], [32, 7, 7]]
    assert next(r for r in rows if r["type"] == "Flatten")["output_shape"] == [1568]
    assert sum(r["parameters"] for r in rows) == sum(p.numel() for p in model.parameters())


# ------------------------------------------------------------------------------------------------ precision


def test_formats_measured_by_casting_agree_with_finfo() -> None:
    from demos.conv.precision import formats

    f = formats()
    for name, dtype in (("float32", torch.float32), ("float16", torch.float16), ("bfloat16", torch.bfloat16)):
        info = torch.finfo(dtype)
        assert f[name]["max"] == info.max and f[name]["eps"] == info.eps and f[name]["min_normal"] == info.tiny
        assert f[name]["min_positive"] == info.smallest_normal * 2.0 ** -(
            info.bits - {"float32": 9, "float16": 6, "bfloat16": 9}[name]
        )
    assert f["float16"]["overflow"] == 65536 and f["float16"]["min_positive"] == 2.0**-24


def test_int8_quantisation_rounds_as_torch_quantize_per_tensor_does() -> None:
    from demos.conv.precision import int8_matmul, quantize_int8

    x = torch.randn(64, 33, generator=torch.Generator().manual_seed(0))
    q, scale = quantize_int8(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's quantised tensors are deprecated, still fine as an oracle
        want = torch.quantize_per_tensor(x, scale, 0, torch.qint8).int_repr()
    assert torch.equal(q, want) and q.abs().max() == 127
    a, b = torch.randn(40, 50, dtype=torch.float64), torch.randn(50, 30, dtype=torch.float64)
    err = (int8_matmul(a, b) - a @ b).norm() / (a @ b).norm()
    assert 1e-4 < err < 0.05


def test_float16_storage_rounds_values_and_gradients() -> None:
    from demos.conv.precision import StoreAs

    x = torch.tensor([1.0 + 2.0**-12, 1e-9, 70000.0], requires_grad=True)
    y = StoreAs(torch.float16)(x)
    assert y.tolist() == [1.0, 0.0, float("inf")]
    (y * torch.tensor([1e-9, 1.0, 0.0])).sum().backward()
    assert x.grad is not None and x.grad.tolist() == [0.0, 1.0, 0.0]  # 1e-9 flushes to zero on the way back


def test_float16_without_loss_scaling_loses_the_first_layers_gradients() -> None:
    from demos.conv.precision import TrainConfig, train_run

    gen = torch.Generator().manual_seed(0)
    data = (torch.rand(512, 784, generator=gen), torch.randint(0, 10, (512,), generator=gen))
    config = TrainConfig(steps=4, images=512, batch_size=64)
    plain = train_run("float16", config, CPU, data)
    scaled = train_run("float16-scaled", config, CPU, data)
    full = train_run("float32", config, CPU, data)
    assert plain["emulated"] and plain["first_layer_zero_grad_share"] == [1.0] * 4
    assert plain["first_layer_moved"] == 0.0
    assert scaled["first_layer_moved"] > 0 and max(scaled["first_layer_zero_grad_share"]) < 0.5
    assert full["first_layer_moved"] > 0


# ------------------------------------------------------------------------------------------------ upsampling


def test_checkerboard_energy_of_pure_patterns() -> None:
    from demos.conv.upsampling import checkerboard_energy

    i, j = torch.meshgrid(torch.arange(32), torch.arange(32), indexing="ij")
    board = ((i + j) % 2).float()
    assert checkerboard_energy(board, border=0) == pytest.approx(1.0)
    assert checkerboard_energy((i % 2).float(), border=0) == pytest.approx(1.0)  # stripes of period 2
    assert checkerboard_energy(torch.ones(32, 32), border=0) == 0.0
    ramp = (i + j).float()
    assert checkerboard_energy(ramp, border=0) < 0.02
    with pytest.raises(ValueError, match="even sides"):
        checkerboard_energy(torch.ones(9, 10), border=0)


def test_flat_input_shows_the_transposed_checkerboard_at_initialisation() -> None:
    from demos.common import seeded
    from demos.conv.upsampling import checkerboard_energy, flat_response, make_upsampler

    with seeded(0):
        transposed, resize = make_upsampler("transposed"), make_upsampler("resize-conv")
    assert sum(p.numel() for p in transposed.parameters()) == sum(p.numel() for p in resize.parameters())
    assert checkerboard_energy(flat_response(transposed)) > 0.05
    assert checkerboard_energy(flat_response(resize)) < 1e-9


# ------------------------------------------------------------------------------------------------ Program #5


def test_program5_trains_both_networks_on_the_same_data() -> None:
    from demos.conv.program5 import Config, train_one

    gen = torch.Generator().manual_seed(0)
    y = torch.randint(0, 10, (200,), generator=gen)
    x = torch.rand(200, 1, 28, 28, generator=gen) * 0.1 + y.view(-1, 1, 1, 1) / 10  # brightness says the class
    config = Config(train_images=100, test_images=100, epochs=2, batch_size=50, lr=1e-2)
    data = (x[:100], y[:100], x[100:], y[100:])
    small = train_one("1x7-7x1", data, config, CPU)
    big = train_one("3x3", data, config, CPU)
    assert small["parameters"] < big["parameters"]
    for run in (small, big):
        assert 0 <= run["test_accuracy"] <= 1 and len(run["epoch_losses"]) == 2
        assert run["epoch_losses"][1] < run["epoch_losses"][0]
    with pytest.raises(ValueError, match="epochs"):
        Config(epochs=0).check()


# ------------------------------------------------------------------------------------------------ bookkeeping


def test_crossover_is_the_smallest_kernel_from_which_the_fft_keeps_winning() -> None:
    from demos.conv.race import crossovers
    from demos.conv.throughput import pays_off

    cells = [
        {"image": 64, "kernel": k, "fft_ms": f, "im2col_ms": i}
        for k, f, i in ((3, 5.0, 1.0), (7, 2.0, 3.0), (11, 4.0, 3.0), (15, 2.0, 6.0), (31, 2.0, None))
    ]
    assert crossovers(cells) == {"64": 15}  # 7 won once, but 11 lost again; 31 had no im2col
    assert crossovers([{**c, "fft_ms": 9.0} for c in cells]) == {"64": None}
    cpu = [{"size": s, "ms": m} for s, m in ((32, 0.01), (64, 0.1), (128, 1.0))]
    gpu = [{"size": s, "ms": m} for s, m in ((32, 0.05), (64, 0.05), (128, 0.06))]
    assert pays_off(cpu, gpu) == 64


def test_gpu_check_runs_its_whole_path_on_the_cpu_at_tiny_sizes() -> None:
    from demos.conv.gpu import gpu_check
    from demos.conv.records import GPU_RECORD

    existed = GPU_RECORD.exists()
    out = gpu_check(CPU)
    assert out["ops"]["im2col_error"] < 1e-4 and out["ops"]["fft_error"] < 1e-4
    assert out["strassen"]["strassen"]["error"] < 1e-4
    assert set(out["float16_training"]) == {"float32", "float16", "float16-scaled"}
    assert out["float16_training"]["float16"]["emulated"] is True
    assert out["throughput"]["matmul"][0]["gflops"] > 0
    assert "recorded" not in out and GPU_RECORD.exists() == existed  # only a CUDA run writes the GPU record


def test_cli_rejects_bad_options_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    from demos.conv.__main__ import main

    assert main(["strassen", "--device", "tpu"]) == 2
    assert "error: device 'tpu' is not one of auto, cpu, cuda" in capsys.readouterr().err
    assert main(["program5", "--seed", "-1"]) == 2
    assert "--seed must be a non-negative integer" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # argparse's own refusal, before anything runs
        main(["race", "--threads", "many"])


# ------------------------------------------------------------------------------------------------ shipped records


def _record(name: str) -> dict:
    return json.loads((ROOT / "demos" / "conv" / "results" / f"{name}.json").read_text())


def test_shipped_records_say_how_and_where_they_were_made() -> None:
    for name in ("arithmetic", "race", "strassen", "blocks", "program5", "precision", "throughput", "upsampling"):
        record = _record(name)
        assert record["command"].startswith(f"python -m demos.conv {name}"), name
        assert record["hardware"]["device"] and record["created"], name


def test_shipped_records_agree_with_the_code_that_reads_them() -> None:
    from demos.conv.race import crossovers
    from demos.conv.records import STACKS

    race = _record("race")
    assert race["crossover"] == crossovers(race["cells"])
    arithmetic = _record("arithmetic")
    for key, (_, named) in STACKS.items():
        layers = [layer for _, layer in named]
        depths = arithmetic["stacks"][key]["depths"]
        assert [d["formula"] for d in depths] == [receptive_field(layers[: i + 1]) for i in range(len(layers))]
        assert all(d["extent"] == d["formula"] for d in depths)
    program5 = _record("program5")
    assert set(program5["runs"]) == {"3x3", "1x7-7x1"}
    assert program5["runs"]["1x7-7x1"]["parameters"] < program5["runs"]["3x3"]["parameters"]
