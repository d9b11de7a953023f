"""Program #3 of the notes: actions that only motion tells apart. One shape moves left, right, up or down, grows,
shrinks, or turns clockwise or anticlockwise over a still textured background.

Any single frame is the same picture for every class (the shape's place, size and angle at the middle frame are
drawn from the same ranges whatever the class), and every class is another class played backwards (left and
right, up and down, grow and shrink, the two turns). So a model that looks at one frame is at chance, and one
that looks at all frames but ignores their order can at best tell the pairs apart: 50%.

Clips are ``uint8 (N, T, H, W, 3)``; :func:`to_tensor` gives the models' ``float (N, T, 3, H, W)``. Flows are
Farnebäck's between consecutive frames, ``float32 (N, T-1, 2, H, W)``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from demos.scenes.clips import Actor, Clip, Motion, render_clip
from demos.scenes.generate import COLOURS, SceneObject
from demos.video.flow import farneback, to_uint8

if TYPE_CHECKING:
    import torch

ACTIONS: tuple[str, ...] = ("left", "right", "up", "down", "grow", "shrink", "turn-cw", "turn-ccw")
SHAPES: tuple[str, ...] = ("square", "triangle", "diamond")  # a turning circle would look still


@dataclass(frozen=True)
class ActionConfig:
    frames: int = 8  # frames per clip
    side: int = 32  # pixels
    speed: tuple[float, float] = (1.0, 1.6)  # pixels per frame for left/right/up/down
    growth: tuple[float, float] = (1.06, 1.10)  # scale per frame for grow (its inverse for shrink)
    spin: tuple[float, float] = (0.10, 0.18)  # radians per frame for the turns
    radius: tuple[float, float] = (0.16, 0.24)  # at the middle frame, fraction of the side
    noise: tuple[float, float] = (0.0, 0.03)


@dataclass(frozen=True)
class ActionData:
    clips: np.ndarray  # uint8 (N, T, H, W, 3)
    labels: np.ndarray  # int64 (N,) index into ACTIONS
    flows: np.ndarray  # float32 (N, T-1, 2, H, W) Farnebäck flow between consecutive frames


def action_clip(action: str, rng: random.Random, config: ActionConfig = ActionConfig()) -> Clip:
    """One clip of ``action``: the shape's pose at the middle frame is drawn the same way for every action."""
    if action not in ACTIONS:
        raise ValueError(f"action {action!r} is not one of {', '.join(ACTIONS)}")
    side, mid = config.side, (config.frames - 1) / 2
    mx, my = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)
    radius_mid = rng.uniform(*config.radius)
    speed, growth, spin = rng.uniform(*config.speed), rng.uniform(*config.growth), rng.uniform(*config.spin)
    velocity = {"left": (-speed, 0.0), "right": (speed, 0.0), "up": (0.0, -speed), "down": (0.0, speed)}.get(
        action, (0.0, 0.0)
    )
    g = {"grow": growth, "shrink": 1 / growth}.get(action, 1.0)
    w = {"turn-cw": spin, "turn-ccw": -spin}.get(action, 0.0)
    angle_mid = rng.uniform(0, 2 * math.pi)
    obj = SceneObject(
        shape=rng.choice(SHAPES),
        colour=rng.choice(tuple(COLOURS)),
        size="large",
        cx=mx - velocity[0] * mid / side,
        cy=my - velocity[1] * mid / side,
        radius=radius_mid / g**mid,
    )
    tint = tuple(rng.uniform(0.55, 0.85) for _ in range(3))
    return Clip(
        actors=(Actor(obj=obj, motion=Motion(velocity=velocity, spin=w, growth=g), angle=angle_mid - w * mid),),
        frames=config.frames,
        image_size=side,
        tint=(tint[0], tint[1], tint[2]),
        contrast=0.2,
        noise=rng.uniform(*config.noise),
        seed=rng.randrange(2**31),
    )


def clip_flows(clip: np.ndarray) -> np.ndarray:
    """Farnebäck flow between consecutive frames of one ``uint8 (T, H, W, 3)`` clip: ``(T-1, 2, H, W)``."""
    return np.stack([farneback(clip[t], clip[t + 1]) for t in range(len(clip) - 1)])


def make_actions(n: int, seed: int, config: ActionConfig = ActionConfig(), with_flow: bool = True) -> ActionData:
    """``n`` clips, classes balanced (``n`` a multiple of 8 gives exactly equal counts) in seeded order."""
    rng = random.Random(seed)
    labels = np.array([i % len(ACTIONS) for i in range(n)], np.int64)
    rng.shuffle(labels)  # type: ignore[arg-type]
    clips = np.stack([to_uint8(render_clip(action_clip(ACTIONS[y], rng, config)).frames.numpy()) for y in labels])
    if with_flow:
        flows = np.stack([clip_flows(c) for c in clips])
    else:
        flows = np.zeros((n, config.frames - 1, 2, config.side, config.side), np.float32)
    return ActionData(clips=clips, labels=labels, flows=flows.astype(np.float32))


def to_tensor(clips: np.ndarray) -> torch.Tensor:
    """``uint8 (N, T, H, W, 3)`` -> ``float32 (N, T, 3, H, W)`` in [0, 1]."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(clips)).permute(0, 1, 4, 2, 3).float() / 255
