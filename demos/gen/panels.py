"""The shipped configurations of the generative labs, and the results their panels draw without torch.

``write_<lab>(device)`` loads the lab's checkpoints, measures what the panel shows and writes
``results/<lab>.json``; ``python -m demos.gen results`` runs them all, ``train`` runs its lab's after training.
Images are stored as base64 of uint8 pixels (0..255), 784 per digit.
"""

from __future__ import annotations

import base64
from dataclasses import asdict
from typing import Any

import torch

from demos.common import label
from demos.gen import autoencoders as ae
from demos.gen import classifier as clf
from demos.gen import dcgan, gan2d, interpolate
from demos.gen.data import mnist_split
from demos.records import Store

STORE = Store("gen")
EVAL_SEED = 12_345
AE_CONFIGS: dict[str, ae.AEConfig] = {
    "linear": ae.AEConfig(kind="linear", epochs=60, lr=0.01),
    "mlp": ae.AEConfig(kind="mlp", epochs=30, lr=2e-3),
    "vae": ae.AEConfig(kind="vae", epochs=30, lr=2e-3),
}
INTERPOLATION_LATENTS = (2, 8)  # the 2-D spaces can be drawn; 8 numbers reconstruct digits recognisably
INTERPOLATION_STEPS = 9
DEFAULT_PAIR = (4, 7)  # digits of the shipped path
GAN2D = gan2d.GAN2DConfig()
GAN2D_SEEDS = (0, 1, 2)
DCGAN = dcgan.DCGANConfig()
MAP_POINTS = 600  # test digits drawn on the 2-D latent maps


def pack(images: torch.Tensor) -> str:
    """Images ``(N, ...)`` with 784 pixels each in [0, 1] as base64 of uint8."""
    x = (images.reshape(len(images), 784).clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    return base64.b64encode(x.tobytes()).decode("ascii")


# ------------------------------------------------------------------------------------------------ models


def classifier(device: torch.device) -> clf.DigitCNN:
    return clf.from_record(STORE.load("classifier"), device)


def autoencoders(device: torch.device) -> dict[str, ae.AutoEncoder]:
    """Every shipped autoencoder, keyed ``"<kind>-<latent>"``."""
    return {k: ae.from_record(rec, device) for k, rec in STORE.load("autoencoders")["models"].items()}


def pca() -> ae.PCA:
    train, _ = mnist_split()
    return ae.PCA.fit(train.flat, max(ae.LATENTS))


# ------------------------------------------------------------------------------------------------ autoencoders


def write_autoencoders(device: torch.device) -> dict[str, Any]:
    train, test = mnist_split()
    models = autoencoders(device)
    meta = STORE.meta("autoencoders")
    p = pca()
    errors: dict[str, dict[str, dict[str, float]]] = {"pca": {}}
    for k in ae.LATENTS:
        errors["pca"][str(k)] = {
            "train": round(ae.mse(p.reconstruct(train.flat, k), train.flat), 6),
            "test": round(ae.mse(p.reconstruct(test.flat, k), test.flat), 6),
        }
    for kind in ae.KINDS:
        errors[kind] = {
            str(k): {
                "train": round(ae.reconstruction_error(models[f"{kind}-{k}"], train.flat), 6),
                "test": round(ae.reconstruction_error(models[f"{kind}-{k}"], test.flat), 6),
            }
            for k in ae.LATENTS
        }
    pick = torch.arange(MAP_POINTS)
    maps = {"pca": p.encode(test.flat[pick], 2).tolist()}
    for kind in ae.KINDS:
        maps[kind] = ae.codes(models[f"{kind}-2"], test.flat[pick]).tolist()
    shown = torch.tensor([int((test.y == d).nonzero()[0]) for d in (0, 2, 3, 5, 7, 9)])  # one test digit each
    recon = {}
    for k in ae.LATENTS:
        rows = [p.reconstruct(test.flat[shown], k)] + [
            models[f"{kind}-{k}"].reconstruct(test.flat[shown].to(device)).cpu() for kind in ae.KINDS
        ]
        recon[str(k)] = pack(torch.cat(rows).clamp(0, 1))
    data = {
        "latents": list(ae.LATENTS),
        "methods": ["pca", *ae.KINDS],
        "names": ae.KIND_NAMES,
        "errors": errors,
        "maps": {k: [[round(a, 3) for a in row] for row in v] for k, v in maps.items()},
        "map_labels": test.y[pick].tolist(),
        "originals": pack(test.x[shown]),
        "reconstructions": recon,
        "shown": len(shown),
        "elbo": {str(k): meta["runs"][f"vae-{k}"]["history"] for k in ae.LATENTS},
        "seconds": {k: r["seconds"] for k, r in meta["runs"].items()},
        "configs": meta["configs"],
        "command": meta["command"],
        "device": label(device),
        "test_digits": len(test),
    }
    STORE.write_result("autoencoders", data)
    return data


# ------------------------------------------------------------------------------------------------ interpolation


def examples(judge: clf.DigitCNN, models: dict[str, ae.AutoEncoder]) -> list[int]:
    """For each digit, the held-out image that is recognised best (the least of the classifier's confidence in
    its digit on the image itself and on its reconstructions by the 8-number autoencoder and VAE): the panel's
    "pick two digits" starts and ends its paths on these, so both ends are the digits picked."""
    _, test = mnist_split()
    device = next(models["vae-8"].parameters()).device
    views = [test.x] + [models[k].reconstruct(test.flat.to(device)).clamp(0, 1).cpu() for k in ("mlp-8", "vae-8")]
    probs = torch.stack([clf.probabilities(judge, v) for v in views]).amin(0)  # (N, 10), the worst of three
    return [int(torch.where(test.y == d, probs[:, d], torch.tensor(-1.0)).argmax()) for d in range(10)]


def paths_for(
    a: int, b: int, models: dict[str, ae.AutoEncoder], judge: clf.DigitCNN, pick: list[int] | None = None
) -> dict[str, Any]:
    """The images, codes and classifier scores along the AE, VAE and pixel paths between the typical held-out
    images of digits ``a`` and ``b`` (``pick``: :func:`examples`, computed when not given), for each latent size
    of ``INTERPOLATION_LATENTS``."""
    _, test = mnist_split()
    pick = pick if pick is not None else examples(judge, models)
    i, j = pick[a], pick[b]
    out: dict[str, Any] = {"digits": [a, b], "indices": [i, j]}
    for latent in INTERPOLATION_LATENTS:
        out[str(latent)] = {}
        for kind in ("mlp", "vae", "pixel"):
            if kind == "pixel":
                images = interpolate.pixel_path(test.x[i], test.x[j], INTERPOLATION_STEPS)
                codes = None
            else:
                model = models[f"{kind}-{latent}"]
                images = interpolate.latent_path(model, test.x[i], test.x[j], INTERPOLATION_STEPS)
                z = ae.codes(model, torch.stack([test.flat[i], test.flat[j]]))
                codes = interpolate.line(z[0], z[1], INTERPOLATION_STEPS).tolist() if latent == 2 else None
            s = interpolate.score_path(judge, images)
            out[str(latent)][kind] = {
                "images": pack(images),
                "confidence": s.confidence,
                "label": s.label,
                "inner_mean": round(s.inner_mean, 4),
                "codes": codes,
            }
    return out


def endpoint_share(
    model: ae.AutoEncoder, judge: clf.DigitCNN, pairs: list[tuple[int, int]], images: torch.Tensor, labels: torch.Tensor
) -> float:
    """Share of ``pairs`` whose path starts and ends on images the classifier names as the chosen digits."""
    ends = torch.stack([images[[i, j]] for i, j in pairs]).view(-1, 784)  # (2P, 784)
    got = clf.probabilities(judge, model.reconstruct(ends.to(next(model.parameters()).device)).clamp(0, 1).cpu())
    want = torch.tensor([[int(labels[i]), int(labels[j])] for i, j in pairs]).view(-1)
    return float((got.argmax(-1) == want).view(-1, 2).all(1).float().mean())


def write_interpolation(device: torch.device) -> dict[str, Any]:
    _, test = mnist_split()
    models = autoencoders(device)
    judge = classifier(device)
    pairs = interpolate.random_pairs(test.y, 200, EVAL_SEED)
    overall: dict[str, dict[str, Any]] = {}
    for latent in INTERPOLATION_LATENTS:
        overall[str(latent)] = {}
        for kind in ("mlp", "vae", "pixel"):
            model = None if kind == "pixel" else models[f"{kind}-{latent}"]
            mean, per_step = interpolate.mean_inner_confidence(judge, test.x, pairs, INTERPOLATION_STEPS, model)
            overall[str(latent)][kind] = {"inner_mean": round(mean, 4), "per_step": per_step}
            if model is not None:
                share = endpoint_share(model, judge, pairs, test.x, test.y)
                overall[str(latent)][kind]["endpoints_right"] = round(share, 4)
    data = {
        "default": paths_for(*DEFAULT_PAIR, models, judge),
        "overall": overall,
        "pairs": len(pairs),
        "steps": INTERPOLATION_STEPS,
        "latents": list(INTERPOLATION_LATENTS),
        "classifier_test_accuracy": round(clf.accuracy(judge, test), 4),
        "device": label(device),
    }
    STORE.write_result("interpolation", data)
    return data


# ------------------------------------------------------------------------------------------------ 2-D GAN


def gan2d_coverage(device: torch.device, n: int = 2000) -> dict[str, dict[str, Any]]:
    """Coverage of ``n`` fresh samples from every shipped 2-D generator, keyed ``"<target>-<seed>"``."""
    out = {}
    for name, rec in STORE.load("gan2d")["models"].items():
        g_net = gan2d.generator_from_record(rec, device)
        out[name] = asdict(gan2d.coverage(gan2d.generate(g_net, n, EVAL_SEED), rec["config"]["target"]))
    return out


def pack_frames(shots: list[gan2d.Snapshot]) -> dict[str, Any]:
    """Snapshots as compact tensors for the checkpoint (points and verdicts in float16)."""
    return {
        "points": torch.tensor([s.points for s in shots], dtype=torch.float16),  # (F, n, 2)
        "verdict": torch.tensor([s.verdict for s in shots], dtype=torch.float16),  # (F, G, G)
        "numbers": {k: [getattr(s, k) for s in shots] for k in ("step", "covered", "on_mode", "d_loss", "g_loss")},
    }


def unpack_frames(packed: dict[str, Any]) -> list[dict[str, Any]]:
    """The panel's frames: one dict per snapshot, coordinates to 3 decimals."""
    numbers = packed["numbers"]
    return [
        {
            **{k: v[i] for k, v in numbers.items()},
            "points": [[round(float(a), 3), round(float(b), 3)] for a, b in packed["points"][i]],
            "verdict": [[round(float(v), 3) for v in row] for row in packed["verdict"][i]],
        }
        for i in range(len(numbers["step"]))
    ]


def write_gan2d(device: torch.device) -> dict[str, Any]:
    meta = STORE.meta("gan2d")
    frames = STORE.load("gan2d")["frames"]
    coverage = gan2d_coverage(device)
    data = {
        "targets": {
            t: {"centres": gan2d.centres(t).tolist(), "frames": unpack_frames(frames[t])} for t in gan2d.TARGETS
        },
        "final": {t: coverage[f"{t}-{meta['seed']}"] for t in gan2d.TARGETS},
        "seeds": coverage,
        "config": meta["config"],
        "seconds": meta["seconds_per_target"],
        "std": gan2d.STD,
        "extent": gan2d.EXTENT,
        "cover_share": gan2d.COVER_SHARE,
        "command": meta["command"],
        "device": label(device),
    }
    STORE.write_result("gan2d", data)
    return data


# ------------------------------------------------------------------------------------------------ DCGAN


def dcgan_generator(device: torch.device) -> dcgan.Generator:
    return dcgan.generator_from_record(STORE.load("dcgan"), device)


@torch.no_grad()
def vae_samples(model: ae.AutoEncoder, n: int, seed: int) -> torch.Tensor:
    """``n`` VAE samples ``(N, 1, 28, 28)``: decode draws from the prior N(0, I)."""
    from demos.common import generator

    device = next(model.parameters()).device
    z = torch.randn(n, model.latent, generator=generator(seed))
    return model.decode(z.to(device)).cpu().view(n, 1, 28, 28)


def write_dcgan(device: torch.device) -> dict[str, Any]:
    _, test = mnist_split()
    judge = classifier(device)
    g_net = dcgan_generator(device)
    meta = STORE.meta("dcgan")
    vae8 = autoencoders(device)["vae-8"]
    n = 1000
    gan_q = dcgan.quality(judge, dcgan.sample(g_net, n, EVAL_SEED))
    vae_q = dcgan.quality(judge, vae_samples(vae8, n, EVAL_SEED))
    real_q = dcgan.quality(judge, test.x[:n])
    x = dcgan.sample(g_net, 6, EVAL_SEED)  # (6, 1, 28, 28)
    pyramid = {str(size): pack(dcgan.pyramid_level(x, size)) for size in (7, 14, 28)}
    data = {
        "samples": pack(dcgan.sample(g_net, 40, EVAL_SEED)),
        "vae_samples": pack(vae_samples(vae8, 40, EVAL_SEED)),
        "interpolation": pack(dcgan.interpolate(g_net, 1, 2, 10)),
        "quality": {"dcgan": asdict(gan_q), "vae": asdict(vae_q), "real": asdict(real_q)},
        "pyramid": pyramid,
        "losses": meta["losses"],
        "config": meta["config"],
        "seconds": meta["seconds"],
        "vae_gan": (
            "not trained here: a VAE-GAN trains an encoder, a decoder and a discriminator together, at least this "
            f"DCGAN's cost again, and the DCGAN alone took {meta['seconds']:,.0f} s on the shared CPU, beyond the "
            "few-minute budget of a shipped training"
        ),
        "command": meta["command"],
        "device": label(device),
    }
    STORE.write_result("dcgan", data)
    return data
