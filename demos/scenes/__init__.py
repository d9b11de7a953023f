"""Procedural scenes of coloured shapes with exact boxes: the shared data of the NMS and captioning demos.

A :class:`Scene` is a background plus a list of :class:`SceneObject` (shape, colour, size word, centre, radius).
:func:`sample_scene` draws one from a seeded :class:`random.Random` under a :class:`SceneConfig`;
:func:`render` paints it as a ``(3, H, W)`` float tensor in [0, 1] and returns each object's visible
pixel box, so boxes are exact even where shapes overlap or touch the border.
"""

from demos.scenes.generate import (
    BACKGROUNDS,
    COLOURS,
    SHAPES,
    SIZES,
    Rendered,
    Scene,
    SceneConfig,
    SceneObject,
    make_dataset,
    render,
    sample_scene,
    scene_from_spec,
    shape_mask,
)

__all__ = [
    "BACKGROUNDS",
    "COLOURS",
    "SHAPES",
    "SIZES",
    "Rendered",
    "Scene",
    "SceneConfig",
    "SceneObject",
    "make_dataset",
    "render",
    "sample_scene",
    "scene_from_spec",
    "shape_mask",
]
