"""The segmentation labs' GPU path, run once by ``python -m demos.gpu_check --only seg``: a short training of the
FCN with skips and of the mask head, then every shipped model's time on a batch of held-out scenes, with its
mean IoU (and the cascade's mask AP) so the numbers can be seen to be right."""

from __future__ import annotations

import time

import torch

from demos.common import sync
from demos.seg.data import NUM_CLASSES, TEST_SEED, seg_set
from demos.seg.metrics import confusion, mean_iou
from demos.seg.models import KINDS, predict
from demos.seg.train import TrainConfig, load, train


def gpu_check(device: torch.device, scenes: int = 256, batch: int = 64, crowded: int = 16) -> dict[str, object]:
    from demos.seg.instance import MaskTrainConfig, instance_report, train_mask_head

    out: dict[str, object] = {}
    data = seg_set(scenes, 1)
    t0 = time.perf_counter()
    trained = train("fcn-skips", TrainConfig(scenes=scenes, epochs=1), device=device, data=data)
    sync(device)
    out["fcn_skips_one_epoch_s"] = round(time.perf_counter() - t0, 2)
    out["fcn_skips_one_epoch_loss"] = round(trained.losses[0], 4)
    test = seg_set(batch, TEST_SEED)
    images = test.images.to(device)
    for kind in KINDS:
        model = load(kind, device)
        x = images[:1] if kind == "patch" else images
        predict(model, x)  # warm-up
        sync(device)
        t0 = time.perf_counter()
        pred = predict(model, x).cpu()
        sync(device)
        out[f"{kind}_ms_per_image"] = round((time.perf_counter() - t0) * 1000 / len(x), 3)
        out[f"{kind}_mean_iou"] = round(mean_iou(confusion(pred, test.labels[: len(x)], NUM_CLASSES)), 4)
    t0 = time.perf_counter()
    head = train_mask_head(MaskTrainConfig(scenes=max(8, crowded), epochs=1), device=device)
    sync(device)
    out["mask_head_one_epoch_s"] = round(time.perf_counter() - t0, 2)
    out["mask_head_one_epoch_loss"] = round(head.losses[0], 4)
    report = instance_report(crowded, device)
    out["cascade_mask_ap50"] = report["mask_ap50"]["cascade"]
    out["crowded_scenes"] = crowded
    return out
