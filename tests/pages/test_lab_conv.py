"""Each convolution lab's panel in AppTest: its shipped result shows at once, and one interaction computes live on
the CPU. Panels are rendered in the lab frame directly (no database needed); one test opens a real card page
to check the panels appear where the cards are. Live trainings are shortened by patching the panels' settings
(AppTest runs the script in this process)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.pages.conftest import finish_runs, texts

SCRIPT = """
import sys
sys.path.insert(0, {root!r})
from demos.registry import by_name
from ui.labs.frame import render_panel
render_panel(by_name()[{name!r}], key="t", full=True)
"""


@pytest.fixture
def lab() -> Iterator:
    st.cache_data.clear()
    st.cache_resource.clear()

    def open_lab(name: str) -> AppTest:
        at = AppTest.from_string(SCRIPT.format(root=str(ROOT), name=name), default_timeout=120)
        at.run()
        assert not at.exception, at.exception
        return at

    yield open_lab
    st.cache_data.clear()
    st.cache_resource.clear()


def success(at: AppTest) -> str:
    return "\n".join(s.value for s in at.success)


def test_arithmetic_shows_the_window_and_measures_a_typed_stack(lab) -> None:
    at = lab("conv-arithmetic")
    body = texts(at)
    assert "Output size ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1 = ⌊(5 + 0 − 2 − 1)/1⌋ + 1 = **3**" in body
    assert "(torch's layer report)" in body  # a shipped claim statement
    at.slider(key="t-conv-arithmetic-w-s").set_value(2).run()
    assert "= **2**" in texts(at)
    at.button_group(key="t-conv-arithmetic-view").set_value("field").run()
    assert "gives **7** pixels and the gradient of one output unit with respect to the input reaches **7**" in texts(at)
    at.selectbox(key="t-conv-arithmetic-f-stack").set_value("custom").run()
    assert not at.exception
    assert "Formula: **13** pixels. Gradient of one output unit (all weights 1, computed on CPU)" in texts(at)


def test_three_ways_shows_the_race_and_races_a_cell_live(lab) -> None:
    at = lab("conv-im2col-fft")
    assert "One 3-channel 128 × 128 image" in texts(at)
    at.button(key="t-conv-im2col-fft-run").click().run()
    assert not at.exception
    assert "On CPU: im2col + matmul" in success(at)


def test_strassen_shows_counts_and_times_a_product_live(lab) -> None:
    at = lab("conv-strassen")
    assert "Strassen's 7 products per level" in texts(at)
    at.selectbox(key="t-conv-strassen-n").set_value(128)
    at.button(key="t-conv-strassen-run").click().run()
    assert not at.exception
    assert "On CPU, n = 128, leaf 64 (depth 1)" in success(at)
    assert "Strassen did 7 leaf products against 8" in success(at)


def test_blocks_recounts_at_another_width_and_trains_program5(lab, monkeypatch) -> None:
    import ui.labs.conv_blocks as blocks

    monkeypatch.setattr(blocks, "LIVE", {"train_images": 120, "test_images": 100, "epochs": 1})
    at = lab("conv-blocks")
    assert "C → C = 64 channels" in texts(at) and "Shipped result of `python -m demos.conv program5" in texts(at)
    at.selectbox(key="t-conv-blocks-b-c").set_value(16).run()
    assert not at.exception
    assert "C → C = 16 channels" in texts(at) and "Computed just now on CPU" in texts(at)
    at.button(key="t-conv-blocks-p-train").click().run()
    finish_runs(at)
    assert not at.exception
    assert "trained on 120 Fashion-MNIST images" in texts(at) and "on CPU." in texts(at)


def test_precision_trains_the_three_runs_live(lab, monkeypatch) -> None:
    import ui.labs.conv_precision as precision

    monkeypatch.setattr(precision, "LIVE_STEPS", 3)
    at = lab("conv-precision")
    assert "measured by casting powers of two" in texts(at)
    at.button(key="t-conv-precision-train").click().run()
    finish_runs(at)
    assert not at.exception
    assert "Trained just now" in texts(at) and "on CPU." in texts(at)
    assert "100% of the first layer's weight gradients are exactly 0" in texts(at)


def test_gpus_says_no_gpu_curve_exists_and_measures_a_size(lab) -> None:
    at = lab("conv-gpus")
    assert any("No GPU curve has been recorded yet" in i.value for i in at.info)
    at.select_slider(key="t-conv-gpus-size").set_value(64)
    at.button(key="t-conv-gpus-run").click().run()
    assert not at.exception
    assert "On CPU:" in success(at) and "GFLOP/s" in success(at)


def test_upsampling_trains_both_networks_again(lab, monkeypatch) -> None:
    import ui.labs.conv_upsampling as upsampling

    monkeypatch.setattr(upsampling, "LIVE_STEPS", 3)
    at = lab("conv-upsampling")
    assert "the transposed network's output carries" in texts(at)
    at.button(key="t-conv-upsampling-train").click().run()
    finish_runs(at)
    assert not at.exception
    assert "After 3 training steps" in texts(at) and "Trained just now" in texts(at)


def test_the_receptive_field_card_shows_its_lab_panels(app) -> None:
    at = app("pages/card.py", id="receptive-field")
    assert not at.exception
    body = texts(at)
    assert "Try it: Convolution arithmetic" in body and "Try it: Efficient convolution blocks" in body
    assert "100 Pixel order of magnitude receptive field" in body


def test_gpus_draws_a_gpu_curve_only_from_a_recorded_file(lab, monkeypatch, tmp_path) -> None:
    """With a GPU record present (test data here, written as gpu_check writes it) the chart gains its curves and
    the caption names the GPU; without one the panel says so (test above)."""
    import json
    import shutil

    import ui.labs.conv_common as common

    shutil.copy(common.RESULTS / "throughput.json", tmp_path / "throughput.json")
    points = [{"size": s, "ms": 1.0, "gflops": 1.0, "ms_with_copies": 2.0, "gflops_with_copies": 0.5} for s in (32, 64)]
    record = {
        "device": "Test GPU",
        "command": "python -m demos.gpu_check --only conv",
        "created": "2026-01-01T00:00:00Z",
        "throughput": {"matmul": points, "conv": points},
    }
    (tmp_path / "gpu_record.json").write_text(json.dumps(record))
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    at = lab("conv-gpus")
    assert not any("No GPU curve" in i.value for i in at.info)
    assert "GPU curve recorded by `python -m demos.gpu_check --only conv` on Test GPU, 2026-01-01." in texts(at)
    names = [t.get("name") for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]]
    assert names[1:] == ["GPU (Test GPU)", "GPU with copies to and from it"]
