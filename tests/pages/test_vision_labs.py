"""The vision lab panels in AppTest (segmentation, instances, superpixels, detector families, spatial transformer,
early layers): each draws its shipped result with its claims, and one interaction computes.

Each panel runs in its frame (claims, code) through a one-line script, so no database is needed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import streamlit as st
import torch
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import texts

TIMEOUT_S = 180  # a click may load torch and several models on a busy 2-core machine


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
    torch.set_num_threads(old)


def _lab_script(name: str) -> None:
    from demos.registry import by_name
    from ui.labs.frame import render_panel

    render_panel(by_name()[name], key="t", full=True)


def lab(name: str) -> AppTest:
    at = AppTest.from_function(_lab_script, args=(name,), default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception, at.exception
    body = texts(at)
    assert "What this lab shows, measured" in body
    assert ":red[:material/cancel:]" not in body  # every shipped claim holds
    assert "Measured by `python -m demos." in body
    assert any(e.label == "The code that ran" for e in at.expander), name
    return at


def specs(at: AppTest) -> list[str]:
    return [c.proto.spec for c in at.get("plotly_chart")]


def test_semantic_panel_pages_through_shipped_scenes_then_computes_a_new_one() -> None:
    at = lab("semantic-segmentation")
    first = specs(at)
    assert "held-out scene 1 (shipped)" in texts(at) and "Hypercolumns" in first[0]
    at.select_slider(key="t-semantic-segmentation-scene").set_value(2).run()
    assert not at.exception and "held-out scene 2 (shipped)" in texts(at) and specs(at)[0] != first[0]
    at.button(key="t-semantic-segmentation-new").click().run()
    assert not at.exception, at.exception
    assert "a new scene, computed on" in texts(at) and specs(at)[0] != first[0]


def test_instance_panel_computes_a_new_crowded_scene() -> None:
    at = lab("instance-segmentation")
    shipped = specs(at)[0]
    assert "shipped held-out scene" in texts(at)
    at.button(key="t-instance-segmentation-new").click().run()
    assert not at.exception, at.exception
    assert "computed on" in texts(at) and specs(at)[0] != shipped


def test_superpixel_panel_switches_method_then_computes_a_scene() -> None:
    at = lab("superpixels")
    slic = specs(at)[0]
    assert "a held-out scene (shipped)" in texts(at) and "boundary recall" in slic
    at.segmented_control(key="t-superpixels-method").set_value("felzenszwalb").run()
    assert not at.exception and specs(at)[0] != slic and "Felzenszwalb" in specs(at)[0]
    at.button(key="t-superpixels-new").click().run()
    assert not at.exception, at.exception
    assert "a new scene, computed" in texts(at)


def test_detector_panel_switches_family_then_runs_all_six_on_a_new_scene() -> None:
    at = lab("detector-families")
    fpn = specs(at)[0]
    assert "a held-out scene (shipped)" in texts(at)
    at.segmented_control(key="t-detector-families-method").set_value("windows").run()
    assert not at.exception and specs(at)[0] != fpn and "2389" in texts(at).replace(",", "")
    at.button(key="t-detector-families-new").click().run()
    assert not at.exception, at.exception
    assert "a new scene, computed on" in texts(at)


def test_spatial_transformer_panel_warps_other_digits() -> None:
    at = lab("spatial-transformer")
    shipped = specs(at)
    assert len(shipped) == 3 and "What the transformer hands the CNN" in shipped[0]
    at.button(key="t-spatial-transformer-new").click().run()
    assert not at.exception, at.exception
    assert "computed on" in texts(at) and specs(at)[2] != shipped[2] and specs(at)[0] == shipped[0]


def test_early_layers_panel_runs_the_three_layers_on_another_photo() -> None:
    at = lab("early-layers")
    shipped = specs(at)
    assert "photo (shipped)" in texts(at)
    other = next(p for p in ("astronaut", "coffee", "chelsea") if f"'{p}' photo (shipped)" not in texts(at))
    at.selectbox(key="t-early-layers-photo").set_value(other).run()
    assert not at.exception, at.exception
    assert f"'{other}' photo (computed on" in texts(at) and specs(at)[1] != shipped[1]


def test_every_vision_panel_draws_its_shipped_result_without_torch() -> None:
    """In a fresh process: all six panels render from their shipped JSON and torch is never imported."""
    import subprocess
    import sys
    import textwrap

    from tests.conftest import ROOT

    code = textwrap.dedent(
        """
        import sys
        from streamlit.testing.v1 import AppTest

        PANEL = (
            "import sys\\nsys.path.insert(0, ROOT)\\nfrom demos.registry import by_name\\n"
            "from ui.labs.frame import render_panel\\nrender_panel(by_name()[NAME], key='t', full=True)\\n"
        )
        names = ["semantic-segmentation", "instance-segmentation", "superpixels", "detector-families",
                 "spatial-transformer", "early-layers"]
        for n in names:
            at = AppTest.from_string(PANEL.replace("NAME", repr(n)), default_timeout=120)
            at.run()
            assert not at.exception, (n, at.exception)
            assert len(at.get("plotly_chart")) >= 1, n
        print("torch" in sys.modules)
        """
    ).replace("ROOT", repr(str(ROOT)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"
