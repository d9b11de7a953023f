"""One image, fully explained: its caption, the attention map of every word, and the caption checked against
the scene it came from. This is what the demo page shows; it holds no Streamlit code."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass

import numpy as np
import torch

from demos.captioning.captions import CaptionError, Described, captions, describe, mentioned, parse, relation_holds
from demos.captioning.data import scene_config
from demos.captioning.metrics import WordLook, attention_looks, object_score
from demos.captioning.model import Captioner, beam_search, greedy
from demos.scenes import Scene, render, sample_scene, scene_from_spec

MAX_OBJECTS = 6  # the most objects a page scene may hold


@dataclass(frozen=True)
class TruthRow:
    described: Described  # (size, colour, shape) of a scene object
    box: tuple[float, float, float, float]  # its visible pixels (x1, y1, x2, y2)
    named: bool  # the caption names an object of this description (each naming counts once)


@dataclass(frozen=True)
class Report:
    image: np.ndarray  # (H, W, 3) uint8, for display
    words: list[str]  # the generated caption
    attention: np.ndarray  # (len(words), G, G) float32, each map sums to 1
    log_prob: float  # of the caption under the model
    references: list[str]  # every true phrasing of the scene
    truth: list[TruthRow]  # the scene's objects, left to right
    extra: list[Described]  # objects the caption names that the scene does not hold
    looks: list[WordLook]  # shape words: where their attention peaked and whether that is on the object
    grammatical: bool  # the caption follows the caption grammar
    relations: list[tuple[str, bool]]  # each relation the caption states, and whether it is true of the scene
    exact: bool  # the caption names exactly the scene's objects
    notes: list[str]  # why this scene is harder than training (more objects, overlaps), if it is


def overlapping_pairs(scene: Scene) -> list[tuple[int, int]]:
    """Pairs of objects (1-based, as a page numbers them) whose outer squares touch: training never had any."""
    out = []
    for i, a in enumerate(scene.objects):
        for j in range(i + 1, len(scene.objects)):
            b = scene.objects[j]
            if abs(a.cx - b.cx) < a.radius + b.radius and abs(a.cy - b.cy) < a.radius + b.radius:
                out.append((i + 1, j + 1))
    return out


def random_scene(seed: int, objects: int) -> Scene:
    """A scene with exactly ``objects`` objects if they fit (drawn like the training scenes), from ``seed``."""
    if not 1 <= objects <= MAX_OBJECTS:
        raise ValueError(f"objects must be between 1 and {MAX_OBJECTS}, got {objects}")
    return sample_scene(random.Random(seed), scene_config(objects, objects))


def composed_scene(specs: list[dict[str, object]], background: str = "plain", noise: float = 0.02) -> Scene:
    """A scene from the page's object rows (see ``scene_from_spec``); raises ``ValueError`` naming a bad row."""
    if not 1 <= len(specs) <= MAX_OBJECTS:
        raise ValueError(f"a scene needs 1 to {MAX_OBJECTS} objects, got {len(specs)}")
    if not 0.0 <= noise <= 0.2:
        raise ValueError(f"noise must be between 0 and 0.2, got {noise}")
    return scene_from_spec(specs, background=background, noise=noise)


@torch.no_grad()
def explain(model: Captioner, scene: Scene, device: torch.device, beam: int = 1, trained_max: int = 4) -> Report:
    """Caption ``scene`` (greedy if ``beam`` is 1, else beam search of that width) and check it against the
    scene: which objects it names, where each shape word looked, whether its relations are true."""
    rendered = render(scene, model.config.image_size)
    image = rendered.image.to(device)
    out = greedy(model, image[None])[0] if beam <= 1 else beam_search(model, image, width=beam)
    grid = math.isqrt(out.alphas.shape[1])
    attention = out.alphas.numpy().reshape(len(out.words), grid, grid)
    named = Counter(mentioned(out.words))
    truth = []
    for k in sorted(range(len(scene.objects)), key=lambda i: (scene.objects[i].cx, scene.objects[i].cy)):
        d = describe(scene.objects[k])
        found = named[d] > 0
        if found:
            named[d] -= 1
        x1, y1, x2, y2 = rendered.boxes[k].tolist()
        truth.append(TruthRow(d, (x1, y1, x2, y2), found))
    try:
        parsed = parse(out.words)
        grammatical = True
        relations = [
            (f"{' '.join(a)} {name} {' '.join(b)}", relation_holds(scene, a, name, b))
            for a, name, b in parsed.relations
        ]
    except CaptionError:
        grammatical, relations = False, []
    notes = []
    if len(scene.objects) > trained_max:
        notes.append(f"{len(scene.objects)} objects: training scenes held at most {trained_max}.")
    for i, j in overlapping_pairs(scene):
        notes.append(f"Objects {i} and {j} touch or overlap: training scenes never did.")
    return Report(
        image=(rendered.image.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8),
        words=out.words,
        attention=attention,
        log_prob=out.log_prob,
        references=[" ".join(c) for c in captions(scene)],
        truth=truth,
        extra=[d for d, n in named.items() for _ in range(n)],
        looks=attention_looks(out.words, out.alphas, rendered),
        grammatical=grammatical,
        relations=relations,
        exact=object_score(out.words, rendered).exact,
        notes=notes,
    )
