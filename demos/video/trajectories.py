"""Dense trajectories and flow histograms, the classical action pipeline: points on a dense grid are followed
through the clip by the optical flow, each track's steps are counted in orientation bins (a histogram of flow,
HOF) per region of the moving thing's own frame, and a linear SVM (scikit-learn) classifies the clip.

Flows are ``float32 (T-1, 2, H, W)`` (dx, dy); tracks ``float32 (N, T, 2)`` (x, y) in the clips' pixel
coordinates (pixel centres at +0.5).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

BINS = 8  # orientation bins of a flow histogram (45 degrees each)
MOVING = 0.3  # pixels per step: a track that moves less than this on average is background and dropped
SVM_FILE = Path(__file__).resolve().parent / "checkpoints" / "hof_svm.json"


def sample(flow: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Bilinear sample of one flow ``(2, H, W)`` at points ``(N, 2)`` (x, y): ``(N, 2)``."""
    h, w = flow.shape[1:]
    x = np.clip(points[:, 0] - 0.5, 0, w - 1)
    y = np.clip(points[:, 1] - 0.5, 0, h - 1)
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    fx, fy = (x - x0)[:, None], (y - y0)[:, None]
    f = flow.transpose(1, 2, 0)  # (H, W, 2)
    top = f[y0, x0] * (1 - fx) + f[y0, x1] * fx
    bottom = f[y1, x0] * (1 - fx) + f[y1, x1] * fx
    return (top * (1 - fy) + bottom * fy).astype(np.float32)


def dense_tracks(flows: np.ndarray, step: int = 2) -> np.ndarray:
    """Follow a grid of points (every ``step`` pixels) through every flow: ``(N, T, 2)`` for T = flows + 1."""
    if flows.ndim != 4 or flows.shape[1] != 2:
        raise ValueError(f"flows must be (T-1, 2, H, W), got {flows.shape}")
    h, w = flows.shape[2:]
    ys, xs = np.mgrid[step / 2 : h : step, step / 2 : w : step]
    points = np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float32)  # (N, 2)
    tracks = [points]
    for flow in flows:
        points = points + sample(flow, points)
        tracks.append(points)
    return np.stack(tracks, 1)


def moving_tracks(tracks: np.ndarray, threshold: float = MOVING) -> np.ndarray:
    """The tracks whose mean step is longer than ``threshold`` pixels (the static background is left out)."""
    steps = np.linalg.norm(np.diff(tracks, axis=1), axis=2)  # (N, T-1)
    return tracks[steps.mean(1) > threshold]


def flow_histogram(tracks: np.ndarray, local: bool = True, halves: int = 2) -> np.ndarray:
    """The clip's descriptor: every step of every moving track counted in one of :data:`BINS` orientation bins,
    weighted by its length, per quadrant around the moving tracks' centre (``local``: the thing's own frame, so
    that growing, turning and sliding differ) or for the whole frame, and per part of the clip (``halves``).
    L1-normalised; ``(4 * halves * BINS,)`` when local else ``(halves * BINS,)``. All zeros when nothing moves."""
    quadrants = 4 if local else 1
    out = np.zeros((quadrants, halves, BINS), np.float32)
    if len(tracks):
        steps = np.diff(tracks, axis=1)  # (N, T-1, 2)
        length = np.linalg.norm(steps, axis=2)
        angle = np.arctan2(steps[..., 1], steps[..., 0]) % (2 * np.pi)
        bins = np.minimum((angle / (2 * np.pi) * BINS).astype(int), BINS - 1)  # (N, T-1)
        part = np.minimum(np.arange(steps.shape[1]) * halves // steps.shape[1], halves - 1)  # (T-1,)
        part = np.broadcast_to(part, bins.shape)
        if local:
            start = tracks[:, 0]
            centre = start.mean(0)
            quad = (start[:, 0] > centre[0]).astype(int) + 2 * (start[:, 1] > centre[1]).astype(int)  # (N,)
            quad = np.broadcast_to(quad[:, None], bins.shape)
        else:
            quad = np.zeros(bins.shape, int)
        np.add.at(out, (quad.ravel(), part.ravel(), bins.ravel()), length.ravel())
    total = out.sum()
    return (out / total if total > 0 else out).ravel()


def clip_descriptor(flows: np.ndarray, local: bool = True) -> np.ndarray:
    return flow_histogram(moving_tracks(dense_tracks(flows)), local=local)


def descriptors(flows: np.ndarray, local: bool = True) -> np.ndarray:
    """One descriptor per clip of ``flows (N, T-1, 2, H, W)``: ``(N, D)``."""
    return np.stack([clip_descriptor(f, local) for f in flows])


# ------------------------------------------------------------------------------------------------ the SVM


@dataclass(frozen=True)
class LinearModel:
    """A fitted standardiser + linear SVM as plain arrays (stored as JSON, no pickle)."""

    mean: np.ndarray  # (D,)
    scale: np.ndarray  # (D,)
    coef: np.ndarray  # (C, D)
    intercept: np.ndarray  # (C,)
    local: bool  # descriptors in the moving thing's own frame (True) or for the whole frame

    def decision(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.coef.T + self.intercept  # (N, C)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.decision(x).argmax(1)


def fit_svm(x: np.ndarray, y: np.ndarray, local: bool, c: float = 1.0, seed: int = 0) -> LinearModel:
    """scikit-learn's StandardScaler + LinearSVC (one-vs-rest, squared hinge), returned as arrays."""
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    scaler = StandardScaler().fit(x)
    svm = LinearSVC(C=c, random_state=seed, max_iter=20_000).fit(scaler.transform(x), y)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    return LinearModel(scaler.mean_, scale, svm.coef_, svm.intercept_, local)


def save_svm(models: dict[str, LinearModel], meta: dict[str, Any], path: Path = SVM_FILE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        name: {
            "mean": m.mean.tolist(),
            "scale": m.scale.tolist(),
            "coef": m.coef.tolist(),
            "intercept": m.intercept.tolist(),
            "local": m.local,
        }
        for name, m in models.items()
    }
    path.write_text(json.dumps({"models": payload, **meta}, indent=1) + "\n")


def load_svm(path: Path = SVM_FILE) -> tuple[dict[str, LinearModel], dict[str, Any]]:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run python -m demos.video train --models hof-svm")
    data = json.loads(path.read_text())
    models = {
        name: LinearModel(
            np.array(m["mean"]), np.array(m["scale"]), np.array(m["coef"]), np.array(m["intercept"]), m["local"]
        )
        for name, m in data.pop("models").items()
    }
    return models, data
