"""The generative labs' GPU path, run once by ``python -m demos.gpu_check``: a few training steps of every model
on the device, and the shipped models evaluated there and on the CPU."""

from __future__ import annotations

import time

import torch

from demos.common import sync
from demos.gen import autoencoders as ae
from demos.gen import dcgan, gan2d
from demos.gen.data import mnist_split


def gpu_check(device: torch.device, steps: int = 30, shipped: bool = True) -> dict[str, object]:
    """Short trainings (``steps`` steps or one epoch) on ``device``; with ``shipped``, the shipped VAE's held-out
    error and the DCGAN's sample quality on the device and on the CPU."""
    train, test = mnist_split()
    out: dict[str, object] = {}
    for kind in ae.KINDS:
        t0 = time.perf_counter()
        run = ae.train_autoencoder(train.flat[:1000], ae.AEConfig(kind=kind, latent=8, epochs=1), device)
        sync(device)
        out[f"{kind}_one_epoch_1000_digits_s"] = round(time.perf_counter() - t0, 3)
        out[f"{kind}_loss"] = run.history[-1]["loss"]
    t0 = time.perf_counter()
    g = gan2d.train_gan2d(gan2d.GAN2DConfig(target="ring", steps=steps * 10, snapshot_every=steps * 10), device)
    sync(device)
    out[f"gan2d_{steps * 10}_steps_s"] = round(time.perf_counter() - t0, 3)
    out["gan2d_modes_covered"] = g.snapshots[-1].covered
    t0 = time.perf_counter()
    dcgan.train_dcgan(train.x[:1000], dcgan.DCGANConfig(steps=steps), device)
    sync(device)
    out[f"dcgan_{steps}_steps_s"] = round(time.perf_counter() - t0, 3)
    if shipped:
        from demos.gen.panels import EVAL_SEED, autoencoders, classifier, dcgan_generator

        cpu = torch.device("cpu")
        out["vae8_test_error_device"] = round(ae.reconstruction_error(autoencoders(device)["vae-8"], test.flat), 6)
        out["vae8_test_error_cpu"] = round(ae.reconstruction_error(autoencoders(cpu)["vae-8"], test.flat), 6)
        judge = classifier(cpu)
        for name, dev in (("device", device), ("cpu", cpu)):
            images = dcgan.sample(dcgan_generator(dev), 500, EVAL_SEED)
            out[f"dcgan_mean_confidence_{name}"] = dcgan.quality(judge, images).mean_confidence
    return out
