"""The shared scene generator: determinism, exact boxes, config checks."""

from __future__ import annotations

import random

import pytest
import torch

from demos.scenes import COLOURS, SHAPES, SceneConfig, make_dataset, render, sample_scene, scene_from_spec


def test_same_seed_same_pixels_and_boxes() -> None:
    a, b = make_dataset(5, seed=3), make_dataset(5, seed=3)
    for ra, rb in zip(a, b, strict=True):
        assert torch.equal(ra.image, rb.image)
        assert torch.equal(ra.boxes, rb.boxes)
    assert not torch.equal(make_dataset(1, seed=4)[0].image, a[0].image)


def test_boxes_are_tight_around_each_objects_pixels() -> None:
    scene = scene_from_spec([{"shape": "square", "colour": "red", "size": "large", "cx": 0.5, "cy": 0.5}])
    out = render(scene, image_size=64)
    x1, y1, x2, y2 = out.boxes[0].long().tolist()
    red = torch.tensor(COLOURS["red"]).view(3, 1, 1)
    is_red = (out.image - red).abs().amax(0) < 1e-6  # noise is 0 in this scene
    rows, cols = torch.nonzero(is_red, as_tuple=True)
    assert (x1, y1, x2, y2) == (cols.min().item(), rows.min().item(), cols.max().item() + 1, rows.max().item() + 1)
    assert out.visible[0] == is_red.sum()
    assert out.labels.tolist() == [SHAPES.index("square")]


def test_a_later_object_hides_part_of_an_earlier_one() -> None:
    spec = [
        {"shape": "square", "colour": "blue", "size": "large", "cx": 0.5, "cy": 0.5},
        {"shape": "circle", "colour": "red", "size": "large", "cx": 0.6, "cy": 0.5},
    ]
    both, alone = render(scene_from_spec(spec)), render(scene_from_spec(spec[:1]))
    assert 0 < both.visible[0] < alone.visible[0]
    assert both.boxes[0, 0] == alone.boxes[0, 0]  # the blue square's left edge is still its own


def test_disjoint_config_never_overlaps_and_respects_counts() -> None:
    config = SceneConfig(image_size=48, min_objects=2, max_objects=4)
    rng = random.Random(0)
    for _ in range(30):
        scene = sample_scene(rng, config)
        assert 2 <= len(scene.objects) <= 4
        out = render(scene, config.image_size)
        assert (out.visible > 0).all()
        inter_x = torch.minimum(out.boxes[:, None, 2], out.boxes[None, :, 2]) - torch.maximum(
            out.boxes[:, None, 0], out.boxes[None, :, 0]
        )
        inter_y = torch.minimum(out.boxes[:, None, 3], out.boxes[None, :, 3]) - torch.maximum(
            out.boxes[:, None, 1], out.boxes[None, :, 1]
        )
        overlap = (inter_x > 0) & (inter_y > 0)
        assert not overlap.fill_diagonal_(False).any()


def test_crowded_config_keeps_every_object_visible() -> None:
    config = SceneConfig(image_size=96, min_objects=6, max_objects=10, max_overlap=0.3)
    for rendered in make_dataset(20, seed=1, config=config):
        assert (rendered.visible > 20).all()
        assert rendered.image.shape == (3, 96, 96)
        assert rendered.image.min() >= 0.0 and rendered.image.max() <= 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"image_size": 8}, "image_size"),
        ({"min_objects": 3, "max_objects": 2}, "min_objects"),
        ({"shapes": ("hexagon",)}, "shapes"),
        ({"max_overlap": 1.5}, "max_overlap"),
    ],
)
def test_bad_config_names_the_field(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SceneConfig(**kwargs)  # type: ignore[arg-type]


def test_bad_spec_names_the_object_and_field() -> None:
    with pytest.raises(ValueError, match="object 2: colour 'pink'"):
        scene_from_spec([{"shape": "circle", "colour": "red"}, {"shape": "circle", "colour": "pink"}])
    with pytest.raises(ValueError, match="centre"):
        scene_from_spec([{"shape": "circle", "colour": "red", "cx": 1.4}])
