"""The NMS lab's GPU path, run once by ``python -m demos.gpu_check``: NMS speed against torchvision on the
device, a few detector training steps, and batched raw detections + suppression of held-out scenes."""

from __future__ import annotations

import time

import torch

from demos.common import sync
from demos.nms.detector import CHECKPOINT, CROWDED, TrainConfig, load, raw_detections, train
from demos.nms.evaluate import apply_method, mean_ap
from demos.nms.names import EVAL_SEED
from demos.nms.speed import bench
from demos.scenes import SHAPES, make_dataset


def gpu_check(device: torch.device, *, tiny: bool = False) -> dict[str, object]:
    """Timings and a correctness number per stage. ``tiny`` runs every stage at toy sizes (a CPU unit test)."""
    sizes, train_scenes, scenes = ([50, 200], 32, 4) if tiny else ([100, 1000, 10000], 256, 64)
    speed = bench(sizes, repeat=2 if tiny else 7, devices=[device])["results"][device.type]
    t0 = time.perf_counter()
    trained = train(TrainConfig(train_scenes=train_scenes, epochs=2, batch_size=8 if tiny else 32), device=device)
    sync(device)
    train_s = time.perf_counter() - t0
    model = load(CHECKPOINT, device)
    held_out = make_dataset(scenes, EVAL_SEED, CROWDED)
    images = torch.stack([s.image for s in held_out]).to(device)  # (n, 3, 128, 128)
    raw_detections(model, images)  # warm-up
    sync(device)
    t0 = time.perf_counter()
    raws = raw_detections(model, images)
    kept = [apply_method(r.boxes, r.scores, r.labels, "greedy", 0.5).kept for r in raws]
    sync(device)
    infer_ms = (time.perf_counter() - t0) * 1000
    gts = [(s.boxes[s.visible > 0], s.labels[s.visible > 0]) for s in held_out]
    return {
        "nms_vs_torchvision": speed,
        f"detector_train_2_epochs_{train_scenes}_scenes_s": round(train_s, 2),
        "detector_train_losses": [round(v, 3) for v in trained.losses],
        f"detect_and_nms_{scenes}_scenes_ms": round(infer_ms, 1),
        f"shipped_detector_ap50_greedy_{scenes}_scenes": round(mean_ap(kept, gts, len(SHAPES))[0], 4),
    }
