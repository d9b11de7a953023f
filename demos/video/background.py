"""Background subtraction: OpenCV's MOG2 and KNN against a running-average baseline, scored by F1 of each frame's
foreground mask against the renderer's true mask, on a still background and on one that slowly brightens.

Frames are ``uint8 (T, H, W, 3)`` RGB; masks ``bool (T, H, W)``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import cv2
import numpy as np

from demos.scenes.clips import Actor, Clip, Motion, RenderedClip, render_clip
from demos.scenes.generate import COLOURS, SceneObject
from demos.video.flow import f1, to_uint8

METHODS: tuple[str, ...] = ("running-average", "mog2", "knn")
WARMUP = 20  # frames each model sees before it is scored (all of them start knowing nothing)


@dataclass(frozen=True)
class RunningAverage:
    alpha: float = 0.05  # how fast the background follows the frames (0: never, 1: it is the last frame)
    threshold: float = 30.0  # a pixel is foreground when some channel differs from the background by more


def running_average(frames: np.ndarray, params: RunningAverage = RunningAverage()) -> np.ndarray:
    """The textbook baseline: the background is an exponential moving average of the frames, updated only where
    the pixel looks like background; foreground is where a frame differs from it by more than the threshold."""
    if frames.ndim != 4 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8 (T, H, W, 3), got {frames.dtype} {frames.shape}")
    background = frames[0].astype(np.float32)
    masks = np.zeros(frames.shape[:3], bool)
    for t, frame in enumerate(frames.astype(np.float32)):
        fg = np.abs(frame - background).max(-1) > params.threshold  # (H, W)
        masks[t] = fg
        rate = np.where(fg, 0.0, params.alpha)[..., None]  # freeze the background under the foreground
        background += rate * (frame - background)
    return masks


def opencv_subtract(frames: np.ndarray, method: str, history: int = 500) -> np.ndarray:
    """OpenCV's Gaussian-mixture (``mog2``, Zivkovic 2004) or k-nearest-neighbour (``knn``) background model,
    shadows off, OpenCV's default history (500 frames: it learns at 1/500 per frame once warmed up) and
    thresholds; each frame's mask as the model saw it when that frame arrived."""
    model: cv2.BackgroundSubtractor
    if method == "mog2":
        model = cv2.createBackgroundSubtractorMOG2(history=history, detectShadows=False)
    elif method == "knn":
        model = cv2.createBackgroundSubtractorKNN(history=history, detectShadows=False)
    else:
        raise ValueError(f"method must be 'mog2' or 'knn', got {method!r}")
    bgr = frames[..., ::-1]
    return np.stack([model.apply(np.ascontiguousarray(f)) > 0 for f in bgr])


def subtract(frames: np.ndarray, method: str) -> np.ndarray:
    """Foreground masks ``bool (T, H, W)`` by one of :data:`METHODS`."""
    if method == "running-average":
        return running_average(frames)
    if method in ("mog2", "knn"):
        return opencv_subtract(frames, method)
    raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")


def clip_f1(pred: np.ndarray, truth: np.ndarray, warmup: int = WARMUP) -> float:
    """F1 over every pixel of every frame after ``warmup`` (one pooled count of TP, FP and FN)."""
    return f1(pred[warmup:], truth[warmup:])


# ------------------------------------------------------------------------------------------------ clips


BACKGROUNDS: tuple[str, ...] = ("still", "brightening", "swaying")


def traffic_clip(seed: int, background: str, frames: int = 120, side: int = 64, actors: int = 6) -> Clip:
    """Shapes crossing a still camera's view one after another, each on screen for part of the clip, over a
    textured background that is ``still``, ``brightening`` (0.4% of its value every frame, about 60% over 120
    frames: a cloud passing off the sun) or ``swaying`` (the texture swings 1.5 px back and forth every 6 frames,
    leaves in the wind: each pixel shows a few different looks in turn)."""
    if background not in BACKGROUNDS:
        raise ValueError(f"background must be one of {', '.join(BACKGROUNDS)}, got {background!r}")
    rng = random.Random(seed)
    cast = []
    for _ in range(actors):
        speed, heading = rng.uniform(0.6, 1.6), rng.uniform(0, 2 * math.pi)
        velocity = (speed * math.cos(heading), speed * math.sin(heading))
        appear = rng.randint(0, frames - 30)
        stay = rng.randint(25, 60)
        mid = appear + stay / 2
        mx, my = rng.uniform(0.25, 0.75) * side, rng.uniform(0.25, 0.75) * side
        obj = SceneObject(
            shape=rng.choice(("circle", "square", "triangle", "diamond")),
            colour=rng.choice(tuple(COLOURS)),
            size="small",
            cx=(mx - velocity[0] * mid) / side,
            cy=(my - velocity[1] * mid) / side,
            radius=rng.uniform(0.07, 0.12),
        )
        motion = Motion(velocity=velocity, spin=rng.uniform(-0.05, 0.05), appear=appear, vanish=appear + stay)
        cast.append(Actor(obj=obj, motion=motion, angle=rng.uniform(0, 6.3)))
    tint = tuple(rng.uniform(0.35, 0.55) for _ in range(3))
    return Clip(
        actors=tuple(cast),
        frames=frames,
        image_size=side,
        drift=0.004 if background == "brightening" else 0.0,
        sway=(1.5, 1.0) if background == "swaying" else (0.0, 0.0),
        tint=(tint[0], tint[1], tint[2]),
        contrast=0.2,
        noise=0.015,
        seed=rng.randrange(2**31),
    )


@dataclass(frozen=True)
class Scored:
    masks: dict[str, np.ndarray]  # method -> bool (T, H, W)
    f1: dict[str, float]  # method -> F1 after the warm-up
    truth: np.ndarray  # bool (T, H, W)
    frames: np.ndarray  # uint8 (T, H, W, 3)


def score_clip(rendered: RenderedClip) -> Scored:
    frames, truth = to_uint8(rendered.frames.numpy()), rendered.foreground.numpy()
    masks = {m: subtract(frames, m) for m in METHODS}
    return Scored(masks, {m: round(clip_f1(masks[m], truth), 4) for m in METHODS}, truth, frames)


def benchmark(n: int, seed: int, background: str) -> dict[str, float]:
    """Mean F1 per method over ``n`` traffic clips on one kind of background."""
    scores = [score_clip(render_clip(traffic_clip(seed + i, background))).f1 for i in range(n)]
    return {m: round(float(np.mean([s[m] for s in scores])), 4) for m in METHODS}


def panel_view(seed: int, background: str, every: int = 5) -> dict[str, object]:
    """One traffic clip for the panel: every ``every``-th frame with the true mask and each method's mask as PNG
    data URIs, and each method's F1 over the clip."""
    from demos.video.pictures import png_uri

    scored = score_clip(render_clip(traffic_clip(seed, background)))
    picked = list(range(WARMUP, len(scored.frames), every))

    def mask_png(mask: np.ndarray) -> str:
        return png_uri(np.where(mask, 255, 30).astype(np.uint8))

    steps = [
        {
            "t": t,
            "frame": png_uri(scored.frames[t]),
            "truth": mask_png(scored.truth[t]),
            **{m: mask_png(scored.masks[m][t]) for m in METHODS},
            "frame_f1": {m: round(f1(scored.masks[m][t], scored.truth[t]), 3) for m in METHODS},
        }
        for t in picked
    ]
    return {"seed": seed, "background": background, "f1": scored.f1, "frames": len(scored.frames), "steps": steps}
