"""The optical-flow lab's measurements and the panel's data: every method on clips and warped photos against the
true flow, and one clip's frames, flows, tracks and moved pixels as JSON a figure can step through."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

import numpy as np

from demos.scenes.clips import ClipConfig, RenderedClip, make_clips
from demos.video.flow import (
    PHOTOS,
    endpoint_error,
    f1,
    farneback,
    flow_to_rgb,
    highlight_moved,
    lucas_kanade,
    moved,
    photo,
    sift_matches,
    to_uint8,
    track_errors,
    warp_pair,
)
from demos.video.pictures import png_uri

PANNING = ClipConfig(pan=1.5)  # moving shapes over a panning textured background: every pixel moves
STILL = ClipConfig(pan=0.0)  # a still camera: only the shapes move
EVAL_SEED = 50_000  # clips for claims come from seeds far from the panel's
MOVED_AT = 0.5  # pixels: a pixel "moved" when its flow is longer than this


@dataclass(frozen=True)
class PairErrors:
    farneback: float  # mean endpoint error over valid pixels
    zero: float  # the same for a flow of zeros (nothing moves)
    farneback_shapes: float  # over the shapes' pixels only
    farneback_background: float  # over the background's pixels only
    lk: list[float]  # per tracked corner
    sift: list[float]  # per kept SIFT match
    moved_f1: float  # moved pixels from Farnebäck against the truly moved ones


def pair_errors(a: np.ndarray, b: np.ndarray, true: np.ndarray, valid: np.ndarray, owner: np.ndarray) -> PairErrors:
    """Every method between frames ``a`` and ``b`` (uint8 RGB) against the true flow ``(2, H, W)``."""
    pred = farneback(a, b)
    return PairErrors(
        farneback=endpoint_error(pred, true, valid),
        zero=endpoint_error(np.zeros_like(true), true, valid),
        farneback_shapes=endpoint_error(pred, true, valid & (owner >= 0)),
        farneback_background=endpoint_error(pred, true, valid & (owner < 0)),
        lk=track_errors(lucas_kanade(a, b), true, valid).tolist(),
        sift=track_errors(sift_matches(a, b), true, valid).tolist(),
        moved_f1=f1(moved(pred, MOVED_AT), moved(true, MOVED_AT)),
    )


def clip_pairs(clips: list[RenderedClip], step: int = 3) -> list[PairErrors]:
    out = []
    for rc in clips:
        frames, flow, valid, owner = to_uint8(rc.frames.numpy()), rc.flow.numpy(), rc.valid.numpy(), rc.owner.numpy()
        for t in range(0, rc.clip.frames - 1, step):
            out.append(pair_errors(frames[t], frames[t + 1], flow[t], valid[t], owner[t]))
    return out


def photo_pairs(side: int = 128) -> dict[str, PairErrors]:
    out = {}
    for name in PHOTOS:
        a, b, flow, valid = warp_pair(photo(name, side))
        everything_moves = np.zeros(valid.shape, np.int64)  # the whole photo is one moving "shape"
        out[name] = pair_errors(a, b, flow, valid, everything_moves)
    return out


def _mean(values: list[float]) -> float:
    kept = [v for v in values if v == v]  # NaN (an empty mask) left out
    return round(statistics.fmean(kept), 4) if kept else float("nan")


def summary(pairs: list[PairErrors]) -> dict[str, Any]:
    """Mean errors over frame pairs; median and 90th percentile over all tracked points."""
    lk = [e for p in pairs for e in p.lk]
    sift = [e for p in pairs for e in p.sift]
    return {
        "pairs": len(pairs),
        "epe_farneback": _mean([p.farneback for p in pairs]),
        "epe_zero_flow": _mean([p.zero for p in pairs]),
        "epe_farneback_shapes": _mean([p.farneback_shapes for p in pairs]),
        "epe_farneback_background": _mean([p.farneback_background for p in pairs]),
        "lk_points": len(lk),
        "lk_median_error": round(float(np.median(lk)), 4) if lk else None,
        "lk_p90_error": round(float(np.percentile(lk, 90)), 4) if lk else None,
        "sift_matches": len(sift),
        "sift_median_error": round(float(np.median(sift)), 4) if sift else None,
        "sift_p90_error": round(float(np.percentile(sift, 90)), 4) if sift else None,
        "moved_f1": _mean([p.moved_f1 for p in pairs]),
    }


def clip_summary(n: int, seed: int, config: ClipConfig) -> dict[str, Any]:
    return summary(clip_pairs(make_clips(n, seed, config)))


# ------------------------------------------------------------------------------------------------ panel data


def _points(tracks_start: np.ndarray, tracks_end: np.ndarray) -> dict[str, list[float]]:
    return {
        "x0": np.round(tracks_start[:, 0], 2).tolist(),
        "y0": np.round(tracks_start[:, 1], 2).tolist(),
        "x1": np.round(tracks_end[:, 0], 2).tolist(),
        "y1": np.round(tracks_end[:, 1], 2).tolist(),
    }


def pair_view(a: np.ndarray, b: np.ndarray, true: np.ndarray, valid: np.ndarray) -> dict[str, Any]:
    """One frame pair as pictures and numbers: the frame with moved pixels highlighted, Farnebäck's and the true
    flow colour-coded on one scale, LK tracks and SIFT matches, and their errors."""
    pred = farneback(a, b)
    top = max(float(np.sqrt((true**2).sum(0)).max()), 1.0)
    lk, sift = lucas_kanade(a, b), sift_matches(a, b)
    lk_err, sift_err = track_errors(lk, true, valid), track_errors(sift, true, valid)
    return {
        "frame": png_uri(a),
        "moved": png_uri(highlight_moved(a, moved(pred, MOVED_AT))),
        "farneback": png_uri(flow_to_rgb(pred, top)),
        "true": png_uri(flow_to_rgb(true, top)),
        "lk": _points(lk.start, lk.end),
        "sift": _points(sift.start, sift.end),
        "epe_farneback": round(endpoint_error(pred, true, valid), 3),
        "epe_zero": round(endpoint_error(np.zeros_like(true), true, valid), 3),
        "lk_median_error": round(float(np.median(lk_err)), 3) if len(lk_err) else None,
        "sift_median_error": round(float(np.median(sift_err)), 3) if len(sift_err) else None,
        "moved_f1": round(f1(moved(pred, MOVED_AT), moved(true, MOVED_AT)), 3),
        "max_flow": round(top, 2),
    }


def clip_view(seed: int, pan: float = 0.0, frames: int = 16, side: int = 64) -> dict[str, Any]:
    """Every consecutive frame pair of clip ``seed`` (64 x 64, 16 frames by default; a still camera unless
    ``pan``) as :func:`pair_view`s."""
    rc = make_clips(1, seed, ClipConfig(frames=frames, image_size=side, pan=pan))[0]
    images, flow, valid = to_uint8(rc.frames.numpy()), rc.flow.numpy(), rc.valid.numpy()
    steps = [pair_view(images[t], images[t + 1], flow[t], valid[t]) for t in range(frames - 1)]
    return {"source": "clip", "seed": seed, "pan": pan, "side": side, "steps": steps}


def photo_view(name: str, side: int = 128, steps: int = 6) -> dict[str, Any]:
    """A photo warped a little further at each step (shift, turn, zoom), every pair with its true flow."""
    base = photo(name, side)
    views = []
    for k in range(1, steps + 1):
        a, b, flow, valid = warp_pair(base, shift=(0.6 * k, 0.3 * k), angle=0.6 * k, scale=1 + 0.006 * k)
        views.append(pair_view(a, b, flow, valid))
    return {"source": "photo", "photo": name, "side": side, "steps": views}
