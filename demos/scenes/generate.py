"""Scene sampling and rendering (pure torch, deterministic for a given seed)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import torch

# Shape names are the words captions use; each has a mask function below.
SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "diamond")
# Saturated colours that stay distinct from every background below.
COLOURS: dict[str, tuple[float, float, float]] = {
    "red": (0.86, 0.15, 0.15),
    "green": (0.13, 0.63, 0.25),
    "blue": (0.16, 0.32, 0.85),
    "yellow": (0.95, 0.80, 0.10),
    "purple": (0.55, 0.22, 0.70),
    "orange": (0.96, 0.50, 0.08),
}
# Size word -> radius range as a fraction of the image side (half the object's width).
SIZES: dict[str, tuple[float, float]] = {"small": (0.07, 0.10), "large": (0.14, 0.19)}
BACKGROUNDS: tuple[str, ...] = ("plain", "gradient", "stripes")


@dataclass(frozen=True)
class SceneObject:
    shape: str  # one of SHAPES
    colour: str  # one of COLOURS
    size: str  # one of SIZES
    cx: float  # centre, as a fraction of the image width (0 = left edge)
    cy: float  # centre, as a fraction of the image height (0 = top edge)
    radius: float  # half-width as a fraction of the image side


@dataclass(frozen=True)
class Scene:
    objects: tuple[SceneObject, ...]
    background: str = "plain"  # one of BACKGROUNDS
    tint: tuple[float, float, float] = (0.93, 0.93, 0.93)  # background base colour, light
    noise: float = 0.02  # std of Gaussian pixel noise
    seed: int = 0  # seeds the noise, so a scene always renders to the same pixels


@dataclass(frozen=True)
class SceneConfig:
    image_size: int = 64  # side of the square image in pixels
    min_objects: int = 1
    max_objects: int = 4
    shapes: tuple[str, ...] = SHAPES
    colours: tuple[str, ...] = tuple(COLOURS)
    sizes: tuple[str, ...] = tuple(SIZES)
    backgrounds: tuple[str, ...] = BACKGROUNDS
    max_overlap: float = 0.0  # largest IoU allowed between two objects' outer squares (0 = disjoint)
    noise: tuple[float, float] = (0.0, 0.04)  # range of the pixel-noise std
    margin: float = 0.02  # keep centres this far (fraction) plus the radius inside the image

    def __post_init__(self) -> None:
        problems = []
        if self.image_size < 16:
            problems.append(f"image_size={self.image_size} is too small; use at least 16 pixels")
        if not 0 <= self.min_objects <= self.max_objects:
            problems.append(f"need 0 <= min_objects <= max_objects, got {self.min_objects}, {self.max_objects}")
        for name, chosen, known in (
            ("shapes", self.shapes, SHAPES),
            ("colours", self.colours, tuple(COLOURS)),
            ("sizes", self.sizes, tuple(SIZES)),
            ("backgrounds", self.backgrounds, BACKGROUNDS),
        ):
            unknown = [c for c in chosen if c not in known]
            if not chosen or unknown:
                problems.append(f"{name} must be a non-empty subset of {known}, got {chosen}")
        if not 0.0 <= self.max_overlap <= 1.0:
            problems.append(f"max_overlap must be in [0, 1], got {self.max_overlap}")
        if problems:
            raise ValueError("; ".join(problems))


@dataclass(frozen=True)
class Rendered:
    image: torch.Tensor  # (3, H, W) float32 in [0, 1]
    boxes: torch.Tensor  # (K, 4) float32 (x1, y1, x2, y2) in pixels: each object's visible pixels
    labels: torch.Tensor  # (K,) int64 index into SHAPES
    visible: torch.Tensor  # (K,) int64 visible pixel count (0 = fully hidden by later objects)
    scene: Scene = field(compare=False)


def _square_overlap(a: SceneObject, b: SceneObject) -> tuple[float, float]:
    """(IoU, intersection over the smaller square) of the two objects' outer squares."""
    ax1, ay1, ax2, ay2 = a.cx - a.radius, a.cy - a.radius, a.cx + a.radius, a.cy + a.radius
    bx1, by1, bx2, by2 = b.cx - b.radius, b.cy - b.radius, b.cx + b.radius, b.cy + b.radius
    iw, ih = max(0.0, min(ax2, bx2) - max(ax1, bx1)), max(0.0, min(ay2, by2) - max(ay1, by1))
    inter = iw * ih
    area_a, area_b = (ax2 - ax1) * (ay2 - ay1), (bx2 - bx1) * (by2 - by1)
    return inter / (area_a + area_b - inter), inter / min(area_a, area_b)


def _touches(a: SceneObject, b: SceneObject) -> bool:
    return abs(a.cx - b.cx) < a.radius + b.radius and abs(a.cy - b.cy) < a.radius + b.radius


def sample_scene(rng: random.Random, config: SceneConfig = SceneConfig(), tries: int = 200) -> Scene:
    """A random scene under ``config``. Objects that cannot be placed within the overlap limit are dropped,
    so a crowded config may give fewer than ``max_objects`` objects (never fewer than one if min >= 1)."""
    wanted = rng.randint(config.min_objects, config.max_objects)
    objects: list[SceneObject] = []
    for _ in range(wanted):
        for _ in range(tries):
            size = rng.choice(config.sizes)
            lo, hi = SIZES[size]
            radius = rng.uniform(lo, hi)
            edge = radius + config.margin
            candidate = SceneObject(
                shape=rng.choice(config.shapes),
                colour=rng.choice(config.colours),
                size=size,
                cx=rng.uniform(edge, 1 - edge),
                cy=rng.uniform(edge, 1 - edge),
                radius=radius,
            )
            if config.max_overlap == 0.0:
                ok = not any(_touches(candidate, o) for o in objects)
            else:
                # IoU within the limit, and no object mostly covering another (a small one could vanish).
                overlaps = [_square_overlap(candidate, o) for o in objects]
                ok = all(iou <= config.max_overlap and cover <= 0.5 for iou, cover in overlaps)
            if ok:
                objects.append(candidate)
                break
    tint = tuple(rng.uniform(0.80, 0.98) for _ in range(3))
    return Scene(
        objects=tuple(objects),
        background=rng.choice(config.backgrounds),
        tint=(tint[0], tint[1], tint[2]),
        noise=rng.uniform(*config.noise),
        seed=rng.randrange(2**31),
    )


def scene_from_spec(objects: list[dict[str, object]], background: str = "plain", noise: float = 0.0) -> Scene:
    """A scene from plain dicts (``shape``, ``colour``, ``size``, ``cx``, ``cy``; optional ``radius``), as a
    page builds them. Raises ``ValueError`` naming the first bad field and the values allowed."""
    built = []
    for i, spec in enumerate(objects):
        shape, colour, size = spec.get("shape"), spec.get("colour"), spec.get("size", "large")
        if shape not in SHAPES:
            raise ValueError(f"object {i + 1}: shape {shape!r} is not one of {SHAPES}")
        if colour not in COLOURS:
            raise ValueError(f"object {i + 1}: colour {colour!r} is not one of {tuple(COLOURS)}")
        if size not in SIZES:
            raise ValueError(f"object {i + 1}: size {size!r} is not one of {tuple(SIZES)}")
        cx, cy = float(spec.get("cx", 0.5)), float(spec.get("cy", 0.5))  # type: ignore[arg-type]
        if not (0.0 <= cx <= 1.0 and 0.0 <= cy <= 1.0):
            raise ValueError(f"object {i + 1}: centre ({cx}, {cy}) must lie inside the image, in [0, 1]")
        radius = float(spec.get("radius", sum(SIZES[size]) / 2))  # type: ignore[arg-type]
        built.append(SceneObject(shape, colour, size, cx, cy, radius))
    if background not in BACKGROUNDS:
        raise ValueError(f"background {background!r} is not one of {BACKGROUNDS}")
    return Scene(objects=tuple(built), background=background, noise=noise)


def _mask(obj: SceneObject, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
    """Boolean (H, W) mask of ``obj``; xs, ys are (H, W) pixel-centre coordinates as fractions."""
    dx, dy, r = xs - obj.cx, ys - obj.cy, obj.radius
    if obj.shape == "circle":
        return dx * dx + dy * dy <= r * r
    if obj.shape == "square":
        side = r * math.sqrt(math.pi) / 2  # same area as the circle, so shape is not told apart by size
        return (dx.abs() <= side) & (dy.abs() <= side)
    if obj.shape == "triangle":  # apex up, base at the bottom
        t = (dy + r) / (2 * r)  # 0 at the apex row, 1 at the base
        return (t >= 0) & (t <= 1) & (dx.abs() <= t * r * 1.1)
    if obj.shape == "diamond":
        return dx.abs() + dy.abs() <= r * 1.2
    raise ValueError(f"unknown shape {obj.shape!r}; known shapes: {SHAPES}")


def shape_mask(obj: SceneObject, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
    """Boolean mask of ``obj`` at points ``xs``, ``ys`` (any equal shapes, coordinates as fractions of the image
    side). The renderer's own mask, for modules that place shapes themselves (moving clips, say)."""
    return _mask(obj, xs, ys)


def _background(scene: Scene, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
    tint = torch.tensor(scene.tint).view(3, 1, 1)  # (3, 1, 1)
    if scene.background == "gradient":
        shade = 0.85 + 0.15 * (xs + ys) / 2  # (H, W)
        return tint * shade
    if scene.background == "stripes":
        shade = 1.0 - 0.06 * ((ys * 12).floor() % 2)  # (H, W)
        return tint * shade
    return tint.expand(3, *xs.shape).clone()


def render(scene: Scene, image_size: int = 64) -> Rendered:
    """Paint ``scene`` at ``image_size`` pixels; later objects are drawn over earlier ones."""
    side = image_size
    coords = (torch.arange(side, dtype=torch.float32) + 0.5) / side  # (S,) pixel centres
    ys, xs = torch.meshgrid(coords, coords, indexing="ij")  # (S, S) each
    image = _background(scene, xs, ys)  # (3, S, S)
    owner = torch.full((side, side), -1, dtype=torch.long)  # which object each pixel shows
    for k, obj in enumerate(scene.objects):
        mask = _mask(obj, xs, ys)  # (S, S)
        colour = torch.tensor(COLOURS[obj.colour]).view(3, 1, 1)
        image = torch.where(mask, colour, image)
        owner[mask] = k
    if scene.noise > 0:
        g = torch.Generator().manual_seed(scene.seed)
        image = image + scene.noise * torch.randn(image.shape, generator=g)
    boxes = torch.zeros(len(scene.objects), 4)
    visible = torch.zeros(len(scene.objects), dtype=torch.long)
    for k in range(len(scene.objects)):
        rows, cols = torch.nonzero(owner == k, as_tuple=True)
        visible[k] = rows.numel()
        if rows.numel():
            boxes[k] = torch.stack([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1]).float()
    labels = torch.tensor([SHAPES.index(o.shape) for o in scene.objects], dtype=torch.long)
    return Rendered(image=image.clamp(0, 1), boxes=boxes, labels=labels, visible=visible, scene=scene)


def make_dataset(n: int, seed: int, config: SceneConfig = SceneConfig()) -> list[Rendered]:
    """``n`` rendered scenes; the same (n, seed, config) always gives the same pixels and boxes."""
    rng = random.Random(seed)
    return [render(sample_scene(rng, config), config.image_size) for _ in range(n)]
