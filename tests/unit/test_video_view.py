"""The video labs' figures: pictures in image coordinates, overlays as SVG paths, a slider that swaps them."""

from __future__ import annotations

from ui.video_view import Overlay, Step, overlay_shapes, picture_grid, polylines, segments


def test_segments_and_polylines_break_between_pieces() -> None:
    assert segments([0, 5], [1, 6], [2, 7], [3, 8]) == ([0, 2, None, 5, 7, None], [1, 3, None, 6, 8, None])
    assert polylines([[(0, 0), (1, 1), (2, 1)], [(5, 5)]]) == ([0, 1, 2, None, 5, None], [0, 1, 1, None, 5, None])


def test_overlay_becomes_one_line_path_and_one_marker_path_on_its_panel() -> None:
    xs, ys = segments([1.0], [2.0], [3.0], [4.0])
    lines, dots = overlay_shapes(Overlay(2, xs, ys, "tracks", "#123456", 1.5, markers=True))
    assert lines["path"] == "M1.00,2.00L3.00,4.00" and lines["xref"] == "x3" and lines["yref"] == "y3"
    assert dots["path"] == "M0.55,1.55H1.45V2.45H0.55Z" and dots["fillcolor"] == "#123456"
    assert len(overlay_shapes(Overlay(0, xs, ys, "no markers"))) == 1


def test_slider_steps_swap_every_picture_overlay_and_title() -> None:
    steps = [
        Step(
            str(k),
            [f"data:image/png;base64,{k}{i}" for i in range(3)],
            f"step {k}",
            [Overlay(1, [k, k + 1], [0, 1], "o")],
        )
        for k in range(4)
    ]
    fig = picture_grid(steps, ["a", "b", "c"], 32, columns=3, active=2)
    assert fig.layout.title.text == "step 2"
    assert [im.source for im in fig.layout.images] == steps[2].images
    slider = fig.layout.sliders[0]
    assert slider.active == 2 and len(slider.steps) == 4
    args = slider.steps[3].args[0]
    assert [im["source"] for im in args["images"]] == steps[3].images
    assert args["shapes"][0]["path"] == "M3.00,0.00L4.00,1.00" and args["title.text"] == "step 3"
    one = picture_grid(steps[:1], ["a", "b", "c"], 32, columns=3)
    assert not one.layout.sliders and len(one.layout.images) == 3


def test_bar_figure_names_highlighted_and_other_bars_and_keeps_the_label_order() -> None:
    from ui.video_view import bar_figure

    fig = bar_figure(
        ["a", "b", "c"], [0.1, 0.2, 0.3], "t", "x", highlight=[False, True, False], names=("mine", "others")
    )
    bars = {t.name: list(t.y) for t in fig.data if t.type == "bar"}
    assert bars == {"mine": ["b"], "others": ["a", "c"]}
    assert list(fig.layout.yaxis.categoryarray) == ["a", "b", "c"]


def test_picture_grid_makes_room_for_a_title_of_several_lines() -> None:
    from ui.video_view import Step, picture_grid

    one = picture_grid([Step(label="", images=["data:,"], title="one line")], ["p"], 8, columns=1)
    three = picture_grid([Step(label="", images=["data:,"], title="a<br>b<br>c")], ["p"], 8, columns=1)
    assert three.layout.margin.t - one.layout.margin.t >= 2 * 16
    assert three.layout.height - one.layout.height == three.layout.margin.t - one.layout.margin.t


def test_direction_key_colours_match_the_flow_pictures_hue() -> None:
    from ui.video_view import direction_key

    trace = direction_key().data[0]
    assert list(trace.text[:8]) == ["→", "↘", "↓", "↙", "←", "↖", "↑", "↗"]
    assert trace.marker.color[0] == "rgb(255,0,0)" and trace.marker.color[4] == "rgb(0,255,255)"


def test_direction_key_agrees_with_flow_to_rgb() -> None:
    import math
    import re

    import numpy as np

    from demos.video.flow import flow_to_rgb
    from ui.video_view import direction_key

    angles = [2 * math.pi * i / 8 for i in range(8)]
    flow = np.array([[[math.cos(a) for a in angles]], [[math.sin(a) for a in angles]]], np.float32)  # (2, 1, 8)
    drawn = flow_to_rgb(flow, 1.0)[0]  # (8, 3)
    key = [tuple(int(v) for v in re.findall(r"\d+", c)) for c in direction_key().data[0].marker.color]
    assert np.abs(drawn.astype(int) - np.array(key[:8])).max() <= 8
