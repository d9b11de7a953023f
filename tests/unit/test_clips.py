"""Moving scenes: the true flow carries every pixel onto its next position exactly; masks, determinism, checks."""

from __future__ import annotations

import math
import random

import pytest
import torch

from demos.scenes import COLOURS, SceneObject
from demos.scenes.clips import (
    Actor,
    Clip,
    ClipConfig,
    Motion,
    actor_mask,
    local_coords,
    make_clips,
    render_clip,
    sample_clip,
)

SIDE = 48


def _grid(side: int) -> tuple[torch.Tensor, torch.Tensor]:
    centres = torch.arange(side, dtype=torch.float32) + 0.5
    ys, xs = torch.meshgrid(centres, centres, indexing="ij")
    return xs, ys


@pytest.mark.parametrize("pan", [(0.0, 0.0), (1.0, -2.0), (-3.0, 1.0)])
def test_integer_motion_moves_every_pixel_onto_its_next_position_exactly(pan: tuple[float, float]) -> None:
    """With whole-pixel motion and no noise, frame t+1 sampled at p + flow(p) is frame t at p, for every pixel
    whose point stays in view -- actors and the panning textured background alike."""
    clip = Clip(
        actors=(
            Actor(SceneObject("square", "red", "large", 0.3, 0.4, 0.15), Motion(velocity=(2.0, 1.0))),
            Actor(SceneObject("triangle", "blue", "small", 0.7, 0.6, 0.1), Motion(velocity=(-1.0, 0.0))),
        ),
        frames=6,
        image_size=SIDE,
        pan=pan,
    )
    out = render_clip(clip)
    rows, cols = torch.meshgrid(torch.arange(SIDE), torch.arange(SIDE), indexing="ij")
    checked = 0
    for t in range(clip.frames - 1):
        step = out.flow[t].round().long()  # (2, S, S)
        assert torch.equal(step.float(), out.flow[t])  # whole pixels
        ok = out.valid[t]
        tx, ty = (cols + step[0])[ok], (rows + step[1])[ok]
        assert torch.equal(out.frames[t][:, ok], out.frames[t + 1][:, ty, tx])
        assert torch.equal(out.owner[t][ok], out.owner[t + 1][ty, tx])
        checked += int(ok.sum())
    assert checked > 0.8 * (clip.frames - 1) * SIDE * SIDE


def test_spinning_growing_actor_keeps_each_surface_point_under_its_flow() -> None:
    """For rotation and scale the flow is not whole pixels: each point's coordinates in the actor's own frame are
    the same at p (frame t) and at p + flow (frame t+1), and that point is inside the shape at t+1."""
    actor = Actor(
        SceneObject("triangle", "green", "large", 0.45, 0.5, 0.18),
        Motion(velocity=(0.7, -0.4), spin=0.15, growth=1.06),
        angle=0.3,
    )
    clip = Clip(actors=(actor,), frames=5, image_size=SIDE, background="plain")
    out = render_clip(clip)
    xs, ys = _grid(SIDE)
    for t in range(clip.frames - 1):
        here = out.owner[t] == 0
        px, py = xs[here], ys[here]
        qx, qy = px + out.flow[t, 0][here], py + out.flow[t, 1][here]
        u0, v0 = local_coords(actor, t, SIDE, px, py)
        u1, v1 = local_coords(actor, t + 1, SIDE, qx, qy)
        assert torch.allclose(u0, u1, atol=1e-4) and torch.allclose(v0, v1, atol=1e-4)
        assert bool(actor_mask(actor, t + 1, SIDE, qx, qy).all())
        # the flow is the rotation and scale about the moving centre: the centre pixel's flow is the velocity
        mean = out.flow[t][:, here].mean(1)
        assert mean.norm() > 0


def test_owner_and_foreground_are_the_pixels_painted_in_each_colour() -> None:
    clip = Clip(
        actors=(Actor(SceneObject("circle", "yellow", "large", 0.5, 0.5, 0.2), Motion(velocity=(1.5, 0.5))),),
        frames=4,
        image_size=SIDE,
        background="plain",
        tint=(0.2, 0.2, 0.2),
    )
    out = render_clip(clip)
    yellow = torch.tensor(COLOURS["yellow"]).view(1, 3, 1, 1)
    painted = (out.frames - yellow).abs().amax(1) < 1e-6  # (T, S, S)
    assert torch.equal(painted, out.foreground)
    # a circle of radius 0.2 * 48 px covers about pi r^2 pixels
    assert abs(int(out.foreground[0].sum()) - math.pi * (0.2 * SIDE) ** 2) < 0.05 * math.pi * (0.2 * SIDE) ** 2


def test_actors_appear_and_vanish_on_their_frames_and_their_points_are_not_valid_after() -> None:
    actor = Actor(SceneObject("square", "red", "large", 0.5, 0.5, 0.15), Motion(appear=2, vanish=4))
    out = render_clip(Clip(actors=(actor,), frames=6, image_size=SIDE))
    assert [bool(out.foreground[t].any()) for t in range(6)] == [False, False, True, True, False, False]
    assert not out.valid[3][out.owner[3] == 0].any()  # gone at frame 4
    assert out.valid[2][out.owner[2] == 0].all()  # still there at frame 3


def test_same_seed_same_clip_and_sampled_actors_stay_in_view_at_the_middle_frame() -> None:
    config = ClipConfig(frames=6, image_size=32)
    a, b = make_clips(3, seed=5, config=config), make_clips(3, seed=5, config=config)
    for x, y in zip(a, b, strict=True):
        assert torch.equal(x.frames, y.frames) and torch.equal(x.flow, y.flow)
    assert not torch.equal(make_clips(1, seed=6, config=config)[0].frames, a[0].frames)
    clip = sample_clip(random.Random(1), ClipConfig(come_and_go=False, min_actors=3, max_actors=3))
    out = render_clip(clip)
    mid = (clip.frames - 1) // 2
    assert {int(k) for k in out.owner[mid].unique()} >= {0} and out.foreground[mid].any()


def test_bad_clips_and_configs_are_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="at least 2 frames"):
        Clip(actors=(), frames=1)
    with pytest.raises(ValueError, match="background 'stripes'"):
        Clip(actors=(), background="stripes")
    with pytest.raises(ValueError, match="growth must be positive"):
        Clip(actors=(Actor(SceneObject("square", "red", "large", 0.5, 0.5, 0.1), Motion(growth=0.0)),))
    with pytest.raises(ValueError, match="min_actors"):
        ClipConfig(min_actors=3, max_actors=1)
