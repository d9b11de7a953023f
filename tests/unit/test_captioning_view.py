"""The captioning lab's figures and tables (from caption JSON, no torch), the scene specs, and the CLI's checks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from ui.captioning_view import (
    HIT,
    MISS,
    attention_figure,
    by_objects_figure,
    first_shape_word,
    small_multiples,
    truth_rows,
    word_shapes,
    word_title,
)


def caption_data() -> dict[str, Any]:
    """A 3-word caption of a scene with one object; the shape word looks at cell 9 (pixels 8..16 x 8..16)."""
    attention = np.full((3, 8, 8), 1 / 64)
    attention[2] = 0.0
    attention[2, 1, 1] = 1.0
    return {
        "size": 64,
        "grid": 8,
        "image": "data:image/png;base64,",
        "words": ["a", "red", "circle"],
        "attention": attention.tolist(),
        "looks": [{"word": 2, "named": ["small", "red", "circle"], "cell": 9, "hit": True}],
        "truth": [{"object": ["small", "red", "circle"], "box": [10.0, 9.0, 20.0, 19.0], "named": True}],
        "extra": [["large", "blue", "square"]],
        "log_prob": -1.0,
    }


def test_a_shape_words_overlays_are_its_peak_cell_and_the_named_objects_box() -> None:
    data = caption_data()
    peak, box = word_shapes(data, 2)
    assert (peak["x0"], peak["y0"], peak["x1"], peak["y1"]) == (8.0, 8.0, 16.0, 16.0)
    assert (box["x0"], box["y0"], box["x1"], box["y1"]) == (10.0, 9.0, 20.0, 19.0) and box["line"]["color"] == HIT
    assert len(word_shapes(data, 0)) == 1  # "a" names nothing: only its peak
    data["looks"][0]["hit"] = False
    assert word_shapes(data, 2)[1]["line"]["color"] == MISS
    assert word_title(data, 2) == "3. <b>circle</b>: the peak is not on the small red circle ✗"
    data["looks"][0]["named"] = ["large", "red", "circle"]
    assert (
        word_title(data, 2).endswith("there is no large red circle in the scene ✗") and len(word_shapes(data, 2)) == 1
    )
    assert word_title(data, 0) == "1. <b>a</b> of 3 words"


def test_the_attention_figure_switches_words_in_the_browser() -> None:
    data = caption_data()
    assert first_shape_word(data) == 2
    fig = attention_figure(data, 2)
    slider = fig.layout.sliders[0]
    assert [s.label for s in slider.steps] == ["1. a", "2. red", "3. circle"] and slider.active == 2
    for t, step in enumerate(slider.steps):
        restyle, relayout, traces = step.args
        assert list(traces) == [1]  # the heat-map trace; the image stays
        assert restyle["z"] == [data["attention"][t]]
        assert relayout["shapes"] == word_shapes(data, t) and relayout["meta"] == {"word": t}
    assert fig.layout.meta == {"word": 2} and np.allclose(np.asarray(fig.data[1].z), data["attention"][2])


def test_tables_and_small_multiples() -> None:
    data = caption_data()
    assert truth_rows(data) == [
        {"object in the scene": "small red circle", "named in the caption": "✓"},
        {"object in the scene": "— (not in the scene)", "named in the caption": "large blue square"},
    ]
    fig = small_multiples(data, columns=2)
    assert len(fig.data) == 2 * 3  # an image and a heat-map per word
    assert [a.text for a in fig.layout.annotations] == ["1. a", "2. red", "3. circle ✓"]


def test_the_failure_chart_shades_the_counts_beyond_training() -> None:
    row = {"exact_objects": 0.5, "object_recall": 0.9, "attention_localization": 0.8, "bleu4": 0.9}
    table = {str(n): {**row, "in_training": n <= 4} for n in range(1, 7)}
    fig = by_objects_figure(table)
    assert [list(t.x) for t in fig.data] == [[1, 2, 3, 4, 5, 6]] * 4
    assert fig.layout.shapes[0].x0 == 4.5 and fig.layout.shapes[0].x1 == 6.5


def test_the_shipped_panel_scene_draws_without_torch() -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import json, sys\nfrom ui.captioning_view import attention_figure, first_shape_word\n"
        "data = json.load(open('demos/captioning/results/panel_scene.json'))\n"
        "fig = attention_figure(data, first_shape_word(data))\n"
        "print(len(fig.layout.sliders[0].steps) == len(data['words']), 'torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "False"]


def test_scene_specs_random_and_composed() -> None:
    from demos.captioning.panel import MAX_OBJECTS, scene_from
    from ui.labs.captioning import MAX_OBJECTS as PANEL_MAX

    assert PANEL_MAX == MAX_OBJECTS
    assert len(scene_from({"seed": 3, "objects": 5}).objects) == 5
    row = {"shape": "circle", "colour": "red", "size": "small", "cx": 0.3, "cy": 0.3}
    assert scene_from({"objects": [row], "background": "plain", "noise": 0.0}).objects[0].shape == "circle"
    with pytest.raises(ValueError, match="shape 'blob'"):
        scene_from({"objects": [{**row, "shape": "blob"}], "background": "plain", "noise": 0.0})
    with pytest.raises(ValueError, match="objects must be between 1 and 6"):
        scene_from({"seed": 1, "objects": 9})


def test_the_cli_reports_bad_values_and_never_trains_into_the_shipped_checkpoint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from demos.captioning.__main__ import SHIPPED, TRAIN_OUT, main, parser, train_config

    assert TRAIN_OUT.resolve() != SHIPPED.resolve()
    for argv, message in (
        (["train", "--steps", "0"], "--steps must be between 1 and 100000, got 0"),
        (["train", "--recipe", "bigger"], "--recipe must be one of shipped, show-attend-tell"),
        (["train", "--out", "model.bin"], "--out must name a .pt file"),
        (["metrics", "--beam", "0"], "--beam must be between 1 and 16, got 0"),
        (["eval", "--device", "gpu"], "device 'gpu' is not one of auto, cpu, cuda"),
        (["scene", "--objects", "9"], "--objects must be between 1 and 6, got 9"),
        (["train", "--seed", "-1"], "--seed must be a non-negative integer"),
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, argv
    config = train_config(parser().parse_args(["train", "--recipe", "show-attend-tell", "--steps", "1200"]))
    assert config.steps == 1200 and config.model.feedback == "context" and config.model.init_from_image
    flags = ["train", "--init", "zeros", "--attend", "after-word", "--feedback", "where", "--attention-entropy", "0.03"]
    assert train_config(parser().parse_args(flags)) == train_config(parser().parse_args(["train"]))
