"""Activation functions and vanishing gradients.

:func:`curves` gives each activation and its derivative (numpy, for the side-by-side plot). :func:`gradient_norms`
builds a deep MLP and measures, on one batch of real MNIST digits, the norm of the loss gradient at every
layer's weights: with sigmoid each layer multiplies the backward signal by at most σ' <= 0.25 times the weights,
so the first layers of a deep sigmoid network hardly learn; ReLU with He initialisation keeps the signal's size;
batch norm and skip connections keep it too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demos.train.core import ACTIVATIONS


def curves(z: np.ndarray | None = None) -> dict[str, dict[str, list[float]]]:
    """Each activation's value and derivative on ``z`` (default: -6 to 6 in 241 points)."""
    z = np.linspace(-6, 6, 241) if z is None else np.asarray(z, dtype=np.float64)
    s = 1 / (1 + np.exp(-z))
    t = np.tanh(z)
    return {
        "z": {"z": z.tolist()},
        "sigmoid": {"f": s.tolist(), "df": (s * (1 - s)).tolist()},
        "tanh": {"f": t.tolist(), "df": (1 - t * t).tolist()},
        "relu": {"f": np.maximum(z, 0).tolist(), "df": (z > 0).astype(float).tolist()},
    }


@dataclass(frozen=True)
class DeepConfig:
    depth: int = 20  # hidden layers
    width: int = 64
    act: str = "sigmoid"
    init: str = "xavier"  # default (PyTorch's), xavier or he
    batch_norm: bool = False
    residual: bool = False
    batch: int = 256  # digits in the measured batch


def gradient_norms(config: DeepConfig, seed: int = 0, device: object = None) -> dict[str, object]:
    """Per-layer weight-gradient norms ``||dL/dW_l||`` (layer 1 = the input layer, the last = the output layer)
    of a freshly initialised MLP on one batch of MNIST, cross-entropy loss. Also the spread (std) of each hidden
    layer's activations in the forward pass."""
    import torch
    import torch.nn.functional as F

    from demos.common import generator
    from demos.train.core import MLPConfig, build_mlp, mnist

    if config.act not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {config.act!r}")
    if not 2 <= config.depth <= 60:
        raise ValueError(f"depth must be between 2 and 60, got {config.depth}")
    dev = torch.device("cpu") if device is None else device
    data = mnist(device=dev)  # type: ignore[arg-type]
    idx = torch.randperm(len(data.y_train), generator=generator(seed))[: config.batch].to(data.x_train.device)
    mlp = MLPConfig(config.depth, config.width, config.act, config.init, config.batch_norm, config.residual)
    model = build_mlp(mlp, seed, dev)  # type: ignore[arg-type]
    model.train()
    spreads: list[float] = []
    hooks = [b.register_forward_hook(lambda m, i, o: spreads.append(float(o.detach().std()))) for b in model.hidden]
    loss = F.cross_entropy(model(data.x_train[idx]), data.y_train[idx])
    loss.backward()
    for h in hooks:
        h.remove()
    norms = [float(layer.weight.grad.norm()) for layer in model.linears()]  # type: ignore[union-attr]
    return {"norms": norms, "spreads": spreads, "loss": float(loss.detach())}


def first_to_last(config: DeepConfig, seeds: int = 3, device: object = None) -> dict[str, float]:
    """Median over ``seeds`` of the first layer's gradient norm, the last hidden layer's, and their ratio."""
    runs = [gradient_norms(config, s, device) for s in range(seeds)]
    first = float(np.median([r["norms"][0] for r in runs]))  # type: ignore[index]
    last = float(np.median([r["norms"][-2] for r in runs]))  # type: ignore[index]
    return {"first": first, "last_hidden": last, "ratio": first / last if last else float("nan")}
