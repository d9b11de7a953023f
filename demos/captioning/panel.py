"""What the captioning panel and page draw, as plain JSON: a scene, the shipped model's caption of it, the attention
map of every word, and the caption checked against the scene.

The shipped scene (``results/panel_scene.json``, written by ``python -m demos.captioning scene --save``) lets
the card panel draw at once without importing torch; a new scene, a composed one or beam search runs
:func:`caption_scene` again.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import numpy as np
import torch

from demos.captioning.model import Captioner
from demos.captioning.report import MAX_OBJECTS, Report, composed_scene, explain, random_scene
from demos.scenes import Scene

__all__ = ["MAX_OBJECTS", "caption_scene", "png_uri", "report_json", "scene_from", "shipped_model"]
TRAINED_MAX = 4  # objects per training scene, if the checkpoint has no record saying otherwise


def shipped_model(device: torch.device) -> tuple[Captioner, int]:
    """The shipped captioner in eval mode on ``device``, and the most objects its training scenes held."""
    from demos.captioning.train import CHECKPOINT, load

    record = CHECKPOINT.with_suffix(".json")
    trained_max = TRAINED_MAX
    if record.exists():
        trained_max = int(json.loads(record.read_text())["config"]["max_objects"])
    return load(CHECKPOINT, device), trained_max


def scene_from(spec: dict[str, Any]) -> Scene:
    """``{"seed": s, "objects": n}`` -> a random scene drawn like the training scenes; ``{"objects": [rows],
    "background": b, "noise": x}`` -> a composed one (rows as ``demos.scenes.scene_from_spec`` takes them).
    Raises ValueError naming what is wrong."""
    if "seed" in spec:
        return random_scene(int(spec["seed"]), int(spec["objects"]))
    return composed_scene(list(spec["objects"]), background=str(spec["background"]), noise=float(spec["noise"]))


def png_uri(image: np.ndarray) -> str:
    """``(H, W, 3)`` uint8 -> PNG data URI."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def report_json(report: Report, spec: dict[str, Any], beam: int) -> dict[str, Any]:
    """A :class:`~demos.captioning.report.Report` as JSON: image (PNG data URI), words, attention (T, G, G) rounded
    to 4 digits, the shape words' looks, the scene's objects and whether the caption names them."""
    return {
        "scene": spec,
        "beam": beam,
        "image": png_uri(report.image),
        "size": int(report.image.shape[0]),
        "grid": int(report.attention.shape[1]) if report.attention.size else 8,
        "words": report.words,
        "attention": np.round(report.attention.astype(np.float64), 4).tolist(),  # (T, G, G)
        "log_prob": round(report.log_prob, 4),
        "looks": [
            {"word": look.word_index, "named": list(look.named), "cell": look.cell, "hit": look.hit_region}
            for look in report.looks
        ],
        "truth": [{"object": list(t.described), "box": list(t.box), "named": t.named} for t in report.truth],
        "extra": [list(d) for d in report.extra],
        "references": report.references,
        "relations": [[text, ok] for text, ok in report.relations],
        "grammatical": report.grammatical,
        "exact": report.exact,
        "notes": report.notes,
    }


@torch.no_grad()
def caption_scene(
    model: Captioner, spec: dict[str, Any], device: torch.device, beam: int = 1, trained_max: int = TRAINED_MAX
) -> dict[str, Any]:
    """Caption the scene of ``spec`` (see :func:`scene_from`) greedily (``beam`` 1) or by beam search, and explain
    it: every number the panel and page draw, as JSON."""
    if not 1 <= beam <= 16:
        raise ValueError(f"beam width must be between 1 and 16, got {beam}")
    return report_json(explain(model, scene_from(spec), device, beam=beam, trained_max=trained_max), spec, beam)
