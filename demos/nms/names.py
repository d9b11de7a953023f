"""The NMS lab's vocabulary and settings, with no torch import: the methods, their names and default thresholds,
the thresholds the figures offer, and where the held-out scenes start. Compute, claims and pages all read them
from here."""

from __future__ import annotations

from typing import Literal

Method = Literal["none", "greedy", "batched", "soft-linear", "soft-gaussian"]
METHOD_NAMES: tuple[Method, ...] = ("greedy", "batched", "soft-linear", "soft-gaussian", "none")
METHODS: dict[str, str] = {
    "greedy": "Greedy NMS (class-blind)",
    "batched": "Greedy, class-aware (batched)",
    "soft-linear": "Soft-NMS, linear decay",
    "soft-gaussian": "Soft-NMS, Gaussian decay",
    "none": "No NMS (raw boxes)",
}
# The IoU threshold each method is scored at on the held-out scenes (Soft-NMS's Nt = 0.3 as in Bodla et al.).
DEFAULT_IOU: dict[str, float] = {"greedy": 0.5, "batched": 0.5, "soft-linear": 0.3, "soft-gaussian": 0.3, "none": 0.5}
SCORE_THRESHOLD = 0.05  # raw boxes below this score are dropped before any method
SOFT_SIGMA = 0.5  # Gaussian Soft-NMS decay: a score is multiplied by exp(-IoU^2 / sigma)
IOU_STEPS: tuple[float, ...] = tuple(round(0.05 * i, 2) for i in range(1, 20))  # 0.05 .. 0.95, the figures' steps
SWEEP_THRESHOLDS: tuple[float, ...] = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)  # AP against the IoU threshold, held out
EVAL_SEED = 20_000  # held-out scenes: far from the training seeds (1,000 + seed)
