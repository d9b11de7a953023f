"""Moving scenes: short clips of the project's shapes that translate, spin, grow or shrink, appear and vanish over a
textured (optionally panning, optionally brightening) background, with the exact motion of every pixel.

A :class:`Clip` is a list of :class:`Actor` (a :class:`~demos.scenes.generate.SceneObject` as it is at frame 0
plus its :class:`Motion`) and a background. :func:`render_clip` paints it and returns, for every frame, which
actor each pixel shows (``owner``, -1 for background), and between consecutive frames the true forward flow:
the displacement in pixels that carries the surface point under each pixel centre at frame ``t`` to where it is
at frame ``t + 1``. Every actor moves by a similarity transform per frame (shift, rotation about its centre,
uniform scale), and the background by a shift, so the flow is exact, not estimated.

Coordinates are pixels with the origin at the image's top-left corner, x to the right, y down; pixel ``(i, j)``
has its centre at ``(j + 0.5, i + 0.5)``. A positive spin turns an actor clockwise on screen.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace

import torch

from demos.scenes.generate import COLOURS, SHAPES, SceneObject, shape_mask

BACKGROUND_KINDS: tuple[str, ...] = ("texture", "plain")
TEXTURE_WAVES = 6  # sinusoids summed into the background texture


@dataclass(frozen=True)
class Motion:
    """How an actor changes from one frame to the next (the same every frame)."""

    velocity: tuple[float, float] = (0.0, 0.0)  # pixels per frame, (x, y)
    spin: float = 0.0  # radians per frame about the actor's centre, positive = clockwise on screen
    growth: float = 1.0  # scale factor per frame (1.05 = 5% larger each frame)
    appear: int = 0  # first frame on which the actor is drawn
    vanish: int | None = None  # first frame on which it is no longer drawn (None: never vanishes)


@dataclass(frozen=True)
class Actor:
    obj: SceneObject  # shape, colour and size; its cx, cy and radius are those of frame 0 (fractions)
    motion: Motion = Motion()
    angle: float = 0.0  # orientation at frame 0, radians


@dataclass(frozen=True)
class Clip:
    actors: tuple[Actor, ...]  # later actors are drawn over earlier ones
    frames: int = 16
    image_size: int = 64
    background: str = "texture"  # one of BACKGROUND_KINDS
    pan: tuple[float, float] = (0.0, 0.0)  # background shift in pixels per frame (a panning camera)
    drift: float = 0.0  # background brightness change per frame (0.01: 1% brighter each frame)
    sway: tuple[float, float] = (0.0, 0.0)  # background swings back and forth by up to this many pixels (x, y)
    sway_period: float = 6.0  # frames per swing (leaves in the wind: each pixel shows a few looks in turn)
    tint: tuple[float, float, float] = (0.85, 0.85, 0.85)  # background base colour
    contrast: float = 0.25  # texture amplitude around the tint
    noise: float = 0.0  # std of Gaussian pixel noise, drawn afresh for every frame
    seed: int = 0  # seeds the texture and the noise

    def __post_init__(self) -> None:
        problems = []
        if self.frames < 2:
            problems.append(f"frames={self.frames}: a clip needs at least 2 frames")
        if self.image_size < 16:
            problems.append(f"image_size={self.image_size} is too small; use at least 16 pixels")
        if self.background not in BACKGROUND_KINDS:
            problems.append(f"background {self.background!r} is not one of {BACKGROUND_KINDS}")
        for k, actor in enumerate(self.actors):
            if actor.motion.growth <= 0:
                problems.append(f"actor {k}: growth must be positive, got {actor.motion.growth}")
        if problems:
            raise ValueError("; ".join(problems))


@dataclass(frozen=True)
class RenderedClip:
    frames: torch.Tensor  # (T, 3, H, W) float32 in [0, 1]
    flow: torch.Tensor  # (T-1, 2, H, W) float32: true forward flow (dx, dy) in pixels from frame t to t+1
    owner: torch.Tensor  # (T, H, W) int64: index of the actor each pixel shows, -1 for background
    valid: torch.Tensor  # (T-1, H, W) bool: the point under the pixel is still in view at frame t+1
    clip: Clip = field(compare=False)

    @property
    def foreground(self) -> torch.Tensor:
        """(T, H, W) bool: pixels that show an actor."""
        return self.owner >= 0


# ------------------------------------------------------------------------------------------------ geometry


def pose(actor: Actor, t: int, side: int) -> tuple[float, float, float, float]:
    """The actor's centre x, y (pixels), angle (radians) and scale (relative to frame 0) at frame ``t``."""
    m = actor.motion
    return (
        actor.obj.cx * side + m.velocity[0] * t,
        actor.obj.cy * side + m.velocity[1] * t,
        actor.angle + m.spin * t,
        m.growth**t,
    )


def local_coords(
    actor: Actor, t: int, side: int, xs: torch.Tensor, ys: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Image points (pixels, any shape) -> the actor's own frame: offsets from its centre, unrotated and unscaled,
    in pixels of frame 0. A surface point keeps its local coordinates as the actor moves."""
    cx, cy, angle, scale = pose(actor, t, side)
    dx, dy = xs - cx, ys - cy
    c, s = math.cos(angle), math.sin(angle)
    return (c * dx + s * dy) / scale, (-s * dx + c * dy) / scale


def actor_flow(actor: Actor, t: int, side: int, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
    """Where points on the actor at frame ``t`` go at frame ``t + 1``, minus where they are: ``(2, *xs.shape)``."""
    cx, cy, _, _ = pose(actor, t, side)
    nx, ny, _, _ = pose(actor, t + 1, side)
    g, w = actor.motion.growth, actor.motion.spin
    c, s = math.cos(w), math.sin(w)
    dx, dy = xs - cx, ys - cy
    # written as shift + (turned and scaled offset - offset), so pure translation is exact in floating point
    return torch.stack([(nx - cx) + (g * (c * dx - s * dy) - dx), (ny - cy) + (g * (s * dx + c * dy) - dy)])


def on_screen(actor: Actor, t: int) -> bool:
    m = actor.motion
    return t >= m.appear and (m.vanish is None or t < m.vanish)


def actor_mask(actor: Actor, t: int, side: int, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
    """Boolean mask of the actor at frame ``t`` (empty when it is not on screen)."""
    if not on_screen(actor, t):
        return torch.zeros(xs.shape, dtype=torch.bool)
    u, v = local_coords(actor, t, side, xs, ys)
    base = replace(actor.obj, cx=0.0, cy=0.0)
    return shape_mask(base, u / side, v / side)


def _waves(seed: int) -> list[tuple[float, float, float, float]]:
    """The texture's sinusoids: (frequency x, frequency y, phase, amplitude), in radians per pixel."""
    rng = random.Random(seed)
    out = []
    for _ in range(TEXTURE_WAVES):
        freq = rng.uniform(0.25, 0.9)
        direction = rng.uniform(0, math.pi)
        out.append((freq * math.cos(direction), freq * math.sin(direction), rng.uniform(0, 2 * math.pi), 1.0))
    return out


def background_offset(clip: Clip, t: int | float) -> tuple[float, float]:
    """How far the background texture has moved by frame ``t``: the pan plus the sway, pixels (x, y)."""
    swing = math.sin(2 * math.pi * t / clip.sway_period)
    return clip.pan[0] * t + clip.sway[0] * swing, clip.pan[1] * t + clip.sway[1] * swing


def background_frames(clip: Clip, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
    """The background of every frame at pixels ``xs``, ``ys`` (S, S): the texture shifted by
    :func:`background_offset` and brightened by ``drift * t`` at frame t. ``(T, 3, S, S)``."""
    steps = torch.arange(clip.frames, dtype=torch.float32).view(-1, 1, 1)  # (T, 1, 1)
    tint = torch.tensor(clip.tint).view(1, 3, 1, 1)
    if clip.background == "plain":
        shade = torch.ones(clip.frames, *xs.shape)  # (T, S, S)
    else:
        offsets = torch.tensor([background_offset(clip, t) for t in range(clip.frames)]).view(-1, 2, 1, 1)
        qx, qy = xs - offsets[:, 0], ys - offsets[:, 1]  # (T, S, S) texture coordinates
        total = torch.zeros_like(qx)
        waves = _waves(clip.seed)
        for fx, fy, phase, amp in waves:
            total += amp * torch.sin(fx * qx + fy * qy + phase)
        shade = 1 + clip.contrast * total / math.sqrt(len(waves) / 2)
    return tint * (shade * (1 + clip.drift * steps)).unsqueeze(1)  # (T, 3, S, S)


# ------------------------------------------------------------------------------------------------ rendering


def render_clip(clip: Clip) -> RenderedClip:
    """Paint every frame of ``clip`` and compute its true flow, ownership and validity (see the module doc)."""
    side, n = clip.image_size, clip.frames
    centres = torch.arange(side, dtype=torch.float32) + 0.5  # (S,) pixel centres
    ys, xs = torch.meshgrid(centres, centres, indexing="ij")  # (S, S) each
    frames = background_frames(clip, xs, ys)  # (T, 3, S, S)
    owner = torch.full((n, side, side), -1, dtype=torch.long)
    for t in range(n):
        for k, actor in enumerate(clip.actors):
            mask = actor_mask(actor, t, side, xs, ys)  # (S, S)
            if mask.any():
                colour = torch.tensor(COLOURS[actor.obj.colour]).view(3, 1)
                frames[t][:, mask] = colour
                owner[t][mask] = k
    if clip.noise > 0:
        g = torch.Generator().manual_seed(clip.seed)
        frames = frames + clip.noise * torch.randn(frames.shape, generator=g)
    flow = torch.empty(n - 1, 2, side, side)
    for t in range(n - 1):
        (x0, y0), (x1, y1) = background_offset(clip, t), background_offset(clip, t + 1)
        f = torch.empty(2, side, side)  # (2, S, S): the background moves with the camera (and sways)
        f[0], f[1] = x1 - x0, y1 - y0
        for k, actor in enumerate(clip.actors):
            here = owner[t] == k
            if here.any():
                f[:, here] = actor_flow(actor, t, side, xs[here], ys[here])
        flow[t] = f
    valid = _still_in_view(flow, owner)
    return RenderedClip(frames=frames.clamp(0, 1), flow=flow, owner=owner, valid=valid, clip=clip)


def _still_in_view(flow: torch.Tensor, owner: torch.Tensor) -> torch.Tensor:
    """(T-1, H, W) bool: a pixel's point lands inside the image at t+1 on a pixel that shows the same owner."""
    side = owner.shape[-1]
    centres = torch.arange(side, dtype=torch.float32) + 0.5
    ys, xs = torch.meshgrid(centres, centres, indexing="ij")
    tx, ty = xs + flow[:, 0], ys + flow[:, 1]  # (T-1, S, S) where each point goes
    inside = (tx >= 0) & (tx < side) & (ty >= 0) & (ty < side)
    col, row = tx.clamp(0, side - 1).long(), ty.clamp(0, side - 1).long()
    steps = torch.arange(flow.shape[0]).view(-1, 1, 1) + 1
    landed = owner[steps, row, col]  # (T-1, S, S) who is there at t+1
    return inside & (landed == owner[:-1])


# ------------------------------------------------------------------------------------------------ sampling


@dataclass(frozen=True)
class ClipConfig:
    frames: int = 16
    image_size: int = 64
    min_actors: int = 1
    max_actors: int = 3
    shapes: tuple[str, ...] = SHAPES
    speed: tuple[float, float] = (0.5, 2.0)  # pixels per frame
    spin: float = 0.08  # largest |spin|, radians per frame (0: no actor turns)
    growth: float = 0.03  # largest |growth - 1| per frame (0: no actor changes size)
    radius: tuple[float, float] = (0.08, 0.16)  # at the middle frame, fraction of the side
    come_and_go: bool = True  # some actors appear late or leave early
    backgrounds: tuple[str, ...] = ("texture",)
    pan: float = 0.0  # largest background shift per frame, pixels (0: a still camera)
    drift: float = 0.0  # background brightness change per frame (the same for every clip)
    noise: tuple[float, float] = (0.0, 0.02)

    def __post_init__(self) -> None:
        problems = []
        if self.frames < 2 or self.image_size < 16:
            problems.append(f"need frames >= 2 and image_size >= 16, got {self.frames}, {self.image_size}")
        if not 0 <= self.min_actors <= self.max_actors:
            problems.append(f"need 0 <= min_actors <= max_actors, got {self.min_actors}, {self.max_actors}")
        if not self.shapes or any(s not in SHAPES for s in self.shapes):
            problems.append(f"shapes must be a non-empty subset of {SHAPES}, got {self.shapes}")
        if any(b not in BACKGROUND_KINDS for b in self.backgrounds) or not self.backgrounds:
            problems.append(f"backgrounds must be a non-empty subset of {BACKGROUND_KINDS}, got {self.backgrounds}")
        if not 0 <= self.growth < 0.5 or self.spin < 0 or self.pan < 0:
            problems.append("growth must be in [0, 0.5); spin and pan must not be negative")
        if problems:
            raise ValueError("; ".join(problems))


def sample_actor(rng: random.Random, config: ClipConfig) -> Actor:
    """An actor whose centre at the middle frame lies inside the image, moving under ``config``."""
    side, mid = config.image_size, (config.frames - 1) / 2
    speed, heading = rng.uniform(*config.speed), rng.uniform(0, 2 * math.pi)
    velocity = (speed * math.cos(heading), speed * math.sin(heading))
    growth = 1 + rng.uniform(-config.growth, config.growth)
    radius_mid = rng.uniform(*config.radius)
    mx, my = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8)  # centre at the middle frame (fraction)
    appear, vanish = 0, None
    if config.come_and_go and rng.random() < 0.4:
        if rng.random() < 0.5:
            appear = rng.randint(1, config.frames // 2)
        else:
            vanish = rng.randint(config.frames // 2 + 1, config.frames - 1)
    obj = SceneObject(
        shape=rng.choice(config.shapes),
        colour=rng.choice(tuple(COLOURS)),
        size="large" if radius_mid > 0.12 else "small",
        cx=mx - velocity[0] * mid / side,
        cy=my - velocity[1] * mid / side,
        radius=radius_mid / growth**mid,
    )
    motion = Motion(
        velocity=velocity,
        spin=rng.uniform(-config.spin, config.spin),
        growth=growth,
        appear=appear,
        vanish=vanish,
    )
    return Actor(obj=obj, motion=motion, angle=rng.uniform(0, 2 * math.pi))


def sample_clip(rng: random.Random, config: ClipConfig = ClipConfig()) -> Clip:
    """A random clip under ``config`` (deterministic for the state of ``rng``)."""
    actors = tuple(sample_actor(rng, config) for _ in range(rng.randint(config.min_actors, config.max_actors)))
    heading = rng.uniform(0, 2 * math.pi)
    pan_speed = rng.uniform(0, config.pan)
    tint = tuple(rng.uniform(0.55, 0.85) for _ in range(3))
    return Clip(
        actors=actors,
        frames=config.frames,
        image_size=config.image_size,
        background=rng.choice(config.backgrounds),
        pan=(pan_speed * math.cos(heading), pan_speed * math.sin(heading)),
        drift=config.drift,
        tint=(tint[0], tint[1], tint[2]),
        noise=rng.uniform(*config.noise),
        seed=rng.randrange(2**31),
    )


def make_clips(n: int, seed: int, config: ClipConfig = ClipConfig()) -> list[RenderedClip]:
    """``n`` rendered clips; the same (n, seed, config) always gives the same pixels and flow."""
    rng = random.Random(seed)
    return [render_clip(sample_clip(rng, config)) for _ in range(n)]
