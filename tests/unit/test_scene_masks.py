"""Exact masks of rendered scenes: they agree pixel for pixel with what render() painted and boxed."""

from __future__ import annotations

import pytest
import torch

from demos.nms.detector import CROWDED
from demos.scenes import COLOURS, SHAPES, SceneConfig, make_dataset, render, scene_from_spec
from demos.scenes.masks import SEMANTIC_CLASSES, mask_boxes, masks_of, scene_masks


@pytest.mark.parametrize("config", [SceneConfig(image_size=48, max_objects=5), CROWDED], ids=["disjoint", "crowded"])
def test_instance_masks_give_renders_boxes_and_visible_counts(config: SceneConfig) -> None:
    for rendered in make_dataset(12, seed=5, config=config):
        m = masks_of(rendered)
        assert torch.equal(m.instances.sum((1, 2)), rendered.visible)
        assert torch.equal(mask_boxes(m.instances), rendered.boxes)
        assert torch.equal(m.labels, rendered.labels)
        assert int(m.instances.sum(0).max()) <= 1  # every pixel shows at most one object
        assert torch.equal(m.instances.any(0), m.owner >= 0)
        assert (m.instances <= m.shapes).all()  # visible pixels are part of the whole shape


def test_masks_are_the_painted_pixels_of_a_noise_free_scene() -> None:
    spec = [
        {"shape": "circle", "colour": "red", "size": "large", "cx": 0.35, "cy": 0.4},
        {"shape": "triangle", "colour": "blue", "size": "large", "cx": 0.55, "cy": 0.5},  # covers part of the circle
        {"shape": "diamond", "colour": "green", "size": "small", "cx": 0.8, "cy": 0.8},
    ]
    rendered = render(scene_from_spec(spec), image_size=64)
    m = masks_of(rendered)
    for k, obj in enumerate(spec):
        colour = torch.tensor(COLOURS[str(obj["colour"])]).view(3, 1, 1)
        painted = (rendered.image - colour).abs().amax(0) < 1e-6  # (S, S)
        assert torch.equal(painted, m.instances[k]), obj["shape"]
    assert m.instances[0].sum() < m.shapes[0].sum()  # the circle is partly hidden
    expected = torch.zeros(64, 64, dtype=torch.long)
    for k, obj in enumerate(spec):
        expected[m.instances[k]] = 1 + SHAPES.index(str(obj["shape"]))
    assert torch.equal(m.semantic, expected)
    assert SEMANTIC_CLASSES[int(m.semantic[32, 35])] == "triangle"


def test_two_touching_shapes_of_one_class_are_one_semantic_region_and_two_instances() -> None:
    from scipy import ndimage

    spec = [
        {"shape": "square", "colour": "red", "size": "large", "cx": 0.35, "cy": 0.5},
        {"shape": "square", "colour": "orange", "size": "large", "cx": 0.6, "cy": 0.5},
    ]
    m = scene_masks(scene_from_spec(spec), 64)
    _, count = ndimage.label((m.semantic == 1 + SHAPES.index("square")).numpy())
    assert count == 1  # semantically, one square-shaped region
    assert m.instances.shape[0] == 2 and all(int(m.instances[k].sum()) > 0 for k in range(2))


def test_mask_boxes_of_empty_and_single_pixel_masks() -> None:
    masks = torch.zeros(2, 5, 5, dtype=torch.bool)
    masks[1, 2, 3] = True
    assert mask_boxes(masks).tolist() == [[0, 0, 0, 0], [3, 2, 4, 3]]
    assert mask_boxes(torch.zeros(0, 5, 5, dtype=torch.bool)).shape == (0, 4)
    with pytest.raises(ValueError, match="positive"):
        scene_masks(scene_from_spec([]), 0)
