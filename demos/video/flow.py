"""Program #1 of the notes: optical flow between two frames (OpenCV's dense Farnebäck and sparse pyramidal
Lucas-Kanade), SIFT key points matched between them, the moved pixels coloured, and every method's endpoint
error against the true flow.

Frames are numpy ``uint8`` images ``(H, W, 3)`` RGB (or ``(H, W)`` grey); flows are ``float32 (2, H, W)`` with
(dx, dy) in pixels, the convention of :mod:`demos.scenes.clips`. Point sets are ``float32 (N, 2)`` as (x, y) in
OpenCV's pixel coordinates, where pixel ``(i, j)`` is the point ``(j, i)``; the clips' coordinates put that
pixel's centre at ``(j + 0.5, i + 0.5)``, which is the same displacement, so flows compare directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class FarnebackParams:
    pyr_scale: float = 0.5  # each pyramid level is this fraction of the one below
    levels: int = 3  # pyramid levels (1: no pyramid)
    winsize: int = 9  # averaging window; larger is smoother and more robust, blurrier at edges
    iterations: int = 3  # iterations per level
    poly_n: int = 5  # neighbourhood of the per-pixel polynomial fit
    poly_sigma: float = 1.1  # Gaussian std of that fit (1.1 for poly_n 5, 1.5 for 7)


@dataclass(frozen=True)
class Tracks:
    start: np.ndarray  # (N, 2) float32 (x, y) in the first frame
    end: np.ndarray  # (N, 2) float32 (x, y) where each point was found in the second frame


def grey(frame: np.ndarray) -> npt.NDArray[np.uint8]:
    """``(H, W, 3)`` RGB or ``(H, W)`` uint8 -> ``(H, W)`` uint8 grey."""
    if frame.dtype != np.uint8:
        raise ValueError(f"frames must be uint8 images, got {frame.dtype}")
    out = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    return np.asarray(out, dtype=np.uint8)


def to_uint8(frames: np.ndarray) -> np.ndarray:
    """Float frames in [0, 1], ``(..., 3, H, W)`` (torch's layout) -> uint8 ``(..., H, W, 3)``."""
    moved = np.moveaxis(np.asarray(frames, dtype=np.float32), -3, -1)
    return (moved.clip(0, 1) * 255).round().astype(np.uint8)


def farneback(prev: np.ndarray, nxt: np.ndarray, params: FarnebackParams = FarnebackParams()) -> np.ndarray:
    """Dense flow from ``prev`` to ``nxt`` by Farnebäck's polynomial expansion: ``float32 (2, H, W)``."""
    if prev.shape[:2] != nxt.shape[:2]:
        raise ValueError(f"the two frames differ in size: {prev.shape[:2]} and {nxt.shape[:2]}")
    flow = cv2.calcOpticalFlowFarneback(
        grey(prev),
        grey(nxt),
        np.empty(0, np.float32),
        params.pyr_scale,
        params.levels,
        params.winsize,
        params.iterations,
        params.poly_n,
        params.poly_sigma,
        0,
    )  # (H, W, 2)
    return np.ascontiguousarray(flow.transpose(2, 0, 1), dtype=np.float32)


def corners(frame: np.ndarray, max_points: int = 60, quality: float = 0.01, min_distance: int = 3) -> np.ndarray:
    """Shi-Tomasi corners worth tracking: ``float32 (N, 2)`` (x, y), at most ``max_points``."""
    found = cv2.goodFeaturesToTrack(grey(frame), max_points, quality, min_distance)
    return np.zeros((0, 2), np.float32) if found is None else found.reshape(-1, 2).astype(np.float32)


def lucas_kanade(prev: np.ndarray, nxt: np.ndarray, points: np.ndarray | None = None, window: int = 11) -> Tracks:
    """Track ``points`` (default: :func:`corners` of ``prev``) into ``nxt`` with pyramidal Lucas-Kanade; points
    it loses are dropped, so ``Tracks`` holds only the ones found."""
    start = corners(prev) if points is None else np.asarray(points, np.float32).reshape(-1, 2)
    if len(start) == 0:
        empty = np.zeros((0, 2), np.float32)
        return Tracks(empty, empty)
    end, status, _ = cv2.calcOpticalFlowPyrLK(
        grey(prev), grey(nxt), start.reshape(-1, 1, 2), np.empty(0, np.float32), winSize=(window, window), maxLevel=2
    )
    ok = status.reshape(-1) == 1
    return Tracks(start[ok], end.reshape(-1, 2)[ok].astype(np.float32))


def sift_matches(prev: np.ndarray, nxt: np.ndarray, ratio: float = 0.75) -> Tracks:
    """SIFT key points of both frames matched by nearest descriptor, kept when the best match is clearly better
    than the second (Lowe's ratio test): the start and end of each kept match."""
    sift = cv2.SIFT.create()
    kp0, d0 = sift.detectAndCompute(grey(prev), None)
    kp1, d1 = sift.detectAndCompute(grey(nxt), None)
    empty = np.zeros((0, 2), np.float32)
    if d0 is None or d1 is None or len(kp0) < 1 or len(kp1) < 2:
        return Tracks(empty, empty)
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(d0, d1, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < ratio * p[1].distance]
    if not good:
        return Tracks(empty, empty)
    start = np.array([kp0[m.queryIdx].pt for m in good], np.float32)
    end = np.array([kp1[m.trainIdx].pt for m in good], np.float32)
    return Tracks(start, end)


# ------------------------------------------------------------------------------------------------ errors


def endpoint_error(pred: np.ndarray, true: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean Euclidean distance between predicted and true flow vectors ``(2, H, W)`` over ``mask`` (all pixels by
    default). NaN when the mask is empty."""
    if pred.shape != true.shape:
        raise ValueError(f"flows differ in shape: {pred.shape} and {true.shape}")
    err = np.sqrt(((pred - true) ** 2).sum(0))  # (H, W)
    chosen = err if mask is None else err[mask]
    return float(chosen.mean()) if chosen.size else float("nan")


def true_at(points: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """The true flow at points ``(N, 2)`` (x, y): the vector of the pixel each point falls in. ``(N, 2)``."""
    h, w = flow.shape[1:]
    cols = np.clip(np.floor(points[:, 0]).astype(int), 0, w - 1)
    rows = np.clip(np.floor(points[:, 1]).astype(int), 0, h - 1)
    return flow[:, rows, cols].T


def track_errors(tracks: Tracks, flow: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """Distance between where each track ends and where its start point truly went ``(N,)``; points whose true
    motion is not visible (``valid`` False there) are left out."""
    if len(tracks.start) == 0:
        return np.zeros(0, np.float32)
    err = np.linalg.norm(tracks.end - (tracks.start + true_at(tracks.start, flow)), axis=1)
    if valid is not None:
        h, w = valid.shape
        cols = np.clip(np.floor(tracks.start[:, 0]).astype(int), 0, w - 1)
        rows = np.clip(np.floor(tracks.start[:, 1]).astype(int), 0, h - 1)
        err = err[valid[rows, cols]]
    return err.astype(np.float32)


def moved(flow: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """``(H, W)`` bool: pixels whose flow is longer than ``threshold`` pixels (the notes' "moved pixels")."""
    return np.sqrt((flow**2).sum(0)) > threshold


def f1(pred: np.ndarray, truth: np.ndarray) -> float:
    """F1 of a boolean prediction against a boolean truth of the same shape: 2 TP / (2 TP + FP + FN); 1.0 when
    both are empty."""
    if pred.shape != truth.shape:
        raise ValueError(f"masks differ in shape: {pred.shape} and {truth.shape}")
    p, t = pred.astype(bool), truth.astype(bool)
    tp = int((p & t).sum())
    wrong = int((p ^ t).sum())
    return 1.0 if tp + wrong == 0 else 2 * tp / (2 * tp + wrong)


# ------------------------------------------------------------------------------------------------ pictures


def flow_to_rgb(flow: np.ndarray, max_magnitude: float | None = None) -> np.ndarray:
    """Colour-code a flow ``(2, H, W)``: hue is the direction (right red, down yellow-green, left cyan, up
    violet), brightness the length up to ``max_magnitude`` (default: the largest in the flow). ``uint8 (H, W, 3)``."""
    dx, dy = flow[0].astype(np.float32), flow[1].astype(np.float32)
    magnitude, angle = cv2.cartToPolar(dx, dy)  # angle in radians, [0, 2 pi)
    top = float(magnitude.max()) if max_magnitude is None else max_magnitude
    hsv = np.zeros((*dx.shape, 3), np.uint8)
    hsv[..., 0] = (angle * 90 / np.pi).astype(np.uint8)  # OpenCV hue runs 0..180
    hsv[..., 1] = 255
    hsv[..., 2] = np.clip(magnitude / max(top, 1e-6) * 255, 0, 255).astype(np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


def highlight_moved(frame: np.ndarray, mask: np.ndarray, colour: tuple[int, int, int] = (255, 0, 255)) -> np.ndarray:
    """The frame with the moved pixels painted half-way towards ``colour``. ``uint8 (H, W, 3)``."""
    out = frame.astype(np.float32).copy()
    out[mask] = 0.45 * out[mask] + 0.55 * np.array(colour, np.float32)
    return out.round().astype(np.uint8)


# ------------------------------------------------------------------------------------------------ photo pairs

PHOTOS: tuple[str, ...] = ("astronaut", "chelsea", "coffee", "rocket")


def photo(name: str, side: int = 128) -> np.ndarray:
    """A photo that ships with scikit-image, its central square resized to ``side``: ``uint8 (side, side, 3)``."""
    import skimage.data

    if name not in PHOTOS:
        raise ValueError(f"photo {name!r} is not one of {', '.join(PHOTOS)}")
    image = getattr(skimage.data, name)()
    h, w = image.shape[:2]
    s = min(h, w)
    crop = image[(h - s) // 2 : (h - s) // 2 + s, (w - s) // 2 : (w - s) // 2 + s]
    return cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA)


def warp_pair(
    image: np.ndarray, shift: tuple[float, float] = (2.0, 1.0), angle: float = 2.0, scale: float = 1.02
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A real frame pair with known motion: ``image`` and the image turned by ``angle`` degrees (anticlockwise
    on screen, OpenCV's sense) and scaled about its centre, then shifted. Returns (frame 0, frame 1, true flow
    ``(2, H, W)``, valid ``(H, W)``: the point lands inside frame 1)."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle, scale)  # (2, 3)
    m[:, 2] += np.asarray(shift, np.float64)
    warped = cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    tx = m[0, 0] * xs + m[0, 1] * ys + m[0, 2]
    ty = m[1, 0] * xs + m[1, 1] * ys + m[1, 2]
    flow = np.stack([tx - xs, ty - ys]).astype(np.float32)
    valid = (tx >= 0) & (tx <= w - 1) & (ty >= 0) & (ty <= h - 1)
    return image, warped, flow, valid
