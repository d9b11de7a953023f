"""The NMS demo's GPU path, run once by ``python -m demos.gpu_check``: NMS speed against torchvision on the
device, a few detector training steps, and batched raw detections + suppression of held-out scenes."""

from __future__ import annotations

import time

import torch

from demos.common import sync
from demos.nms.detector import CHECKPOINT, CROWDED, TrainConfig, load, raw_detections, train
from demos.nms.evaluate import apply_method, mean_ap
from demos.nms.speed import bench
from demos.scenes import SHAPES, make_dataset


def gpu_check(device: torch.device) -> dict[str, object]:
    speed = bench([100, 1000, 10000], repeat=7, devices=[device])["results"][device.type]
    t0 = time.perf_counter()
    trained = train(TrainConfig(train_scenes=256, epochs=2, batch_size=32), device=device)
    sync(device)
    train_s = time.perf_counter() - t0
    model = load(CHECKPOINT, device)
    scenes = make_dataset(64, 20_000, CROWDED)
    images = torch.stack([s.image for s in scenes]).to(device)  # (64, 3, 128, 128)
    raw_detections(model, images)  # warm-up
    sync(device)
    t0 = time.perf_counter()
    raws = raw_detections(model, images)
    kept = [apply_method(r.boxes, r.scores, r.labels, "greedy", 0.5).kept for r in raws]
    sync(device)
    infer_ms = (time.perf_counter() - t0) * 1000
    gts = [(s.boxes[s.visible > 0], s.labels[s.visible > 0]) for s in scenes]
    return {
        "nms_vs_torchvision": speed,
        "detector_train_2_epochs_256_scenes_s": round(train_s, 2),
        "detector_train_losses": [round(v, 3) for v in trained.losses],
        "detect_and_nms_64_scenes_ms": round(infer_ms, 1),
        "shipped_detector_ap50_greedy_64_scenes": round(mean_ap(kept, gts, len(SHAPES))[0], 4),
    }
