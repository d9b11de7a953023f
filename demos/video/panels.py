"""What the video panels draw, as plain JSON: written once by ``python -m demos.video panels --save`` so a card
opens without torch, and computed again for "another clip"."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from demos.video.pictures import png_uri

PANELS: tuple[str, ...] = ("flow", "background", "actions", "trajectories")
SHIPPED_SEED = 7
MAX_TRACKS = 120  # tracks drawn per clip (one SVG path each)


def build_panel(name: str, device: Any, seed: int = SHIPPED_SEED) -> dict[str, Any]:
    if name == "flow":
        from demos.video.flow_lab import clip_view, photo_view

        return {"clip": clip_view(seed), "photo": photo_view("chelsea", side=96, steps=4)}
    if name == "background":
        from demos.video.background import BACKGROUNDS, panel_view

        return {"seed": seed, "views": {b: panel_view(seed, b) for b in BACKGROUNDS}}
    if name == "actions":
        return {"seed": seed, "clips": action_examples(seed, device)}
    if name == "trajectories":
        return {"seed": seed, "clips": trajectory_examples(seed)}
    raise ValueError(f"panel {name!r} is not one of {', '.join(PANELS)}")


def _strip(images: np.ndarray) -> list[str]:
    return [png_uri(np.ascontiguousarray(im)) for im in images]


def action_examples(seed: int, device: Any, per_class: int = 1) -> list[dict[str, Any]]:
    """One clip per action: its frames, the colour-coded flow stack the temporal stream sees, and every shipped
    model's probabilities for it."""
    from demos.video.actions import ACTIONS, make_actions
    from demos.video.flow import flow_to_rgb

    data = make_actions(len(ACTIONS) * per_class, 10_000 + seed)
    probs = model_probabilities(data, device)
    out = []
    for i in np.argsort(data.labels, kind="stable"):
        top = max(float(np.sqrt((data.flows[i] ** 2).sum(1)).max()), 1.0)
        out.append(
            {
                "action": ACTIONS[int(data.labels[i])],
                "frames": _strip(data.clips[i]),
                "flows": _strip(np.stack([flow_to_rgb(f, top) for f in data.flows[i]])),
                "probabilities": {m: np.round(p[i], 3).tolist() for m, p in probs.items()},
            }
        )
    return out


def model_probabilities(data: Any, device: Any) -> dict[str, np.ndarray]:
    """Every shipped action model's and the flow-histogram SVM's class probabilities (SVM: softmax of its
    scores, for display) for the clips of ``data``."""
    from demos.video.models import MODELS
    from demos.video.train import load, predict
    from demos.video.trajectories import descriptors, load_svm

    out = {}
    for name in MODELS:
        model, _ = load(name, device)
        out[name] = predict(model, data, device)
    svms, _ = load_svm()
    scores = svms["local"].decision(descriptors(data.flows, local=True))
    e = np.exp(scores - scores.max(1, keepdims=True))
    out["hof-svm"] = e / e.sum(1, keepdims=True)
    return out


def trajectory_examples(seed: int) -> list[dict[str, Any]]:
    """One clip per action: its middle frame, the moving dense tracks, the local flow histogram and the SVM's
    scores."""
    from demos.video.actions import ACTIONS, make_actions
    from demos.video.trajectories import dense_tracks, flow_histogram, load_svm, moving_tracks

    data = make_actions(len(ACTIONS), 20_000 + seed)
    svms, _ = load_svm()
    rng = random.Random(seed)
    out = []
    for i in np.argsort(data.labels, kind="stable"):
        tracks = moving_tracks(dense_tracks(data.flows[i]))
        hist = flow_histogram(tracks, local=True)
        shown = tracks if len(tracks) <= MAX_TRACKS else tracks[sorted(rng.sample(range(len(tracks)), MAX_TRACKS))]
        scores = svms["local"].decision(hist[None])[0]
        out.append(
            {
                "action": ACTIONS[int(data.labels[i])],
                "frame": png_uri(data.clips[i][len(data.clips[i]) // 2]),
                "first": png_uri(data.clips[i][0]),
                "tracks": np.round(shown, 2).tolist(),
                "moving_tracks": len(tracks),
                "histogram": np.round(hist, 4).tolist(),
                "prediction": ACTIONS[int(scores.argmax())],
                "side": int(data.clips.shape[2]),
            }
        )
    return out
