"""Loss functions for a classifier, measured: cross-entropy against MSE (the gradient a confident wrong answer
sends back, and which trains faster), NLL on log-softmax against cross-entropy, softmax with a temperature, and a
multi-class SVM (hinge) head against a softmax head on the same features.

Gradients here are with respect to the logits ``z`` of one example with K classes. With ``p = softmax(z)`` and a
one-hot target ``y``: cross-entropy's is ``p - y``; MSE on the probabilities, ``mean((p - y)²)``, has
``J^T (2/K)(p - y)`` with the softmax Jacobian ``J = diag(p) - p p^T``, which vanishes as ``p`` saturates --
also when it saturates on the wrong class.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

K = 10


def softmax(z: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Softmax of ``z (..., K)`` / temperature, numerically stable."""
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    s = np.asarray(z, dtype=np.float64) / temperature
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return np.asarray(e / e.sum(axis=-1, keepdims=True))


def entropy(p: np.ndarray) -> np.ndarray:
    """Entropy in nats of distributions ``p (..., K)``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(-np.nansum(np.where(p > 0, p * np.log(p), 0.0), axis=-1))


def logit_gradients(z: np.ndarray, target: int) -> dict[str, np.ndarray]:
    """Gradients of cross-entropy and of MSE-on-probabilities with respect to logits ``z (K,)``."""
    p = softmax(z)
    y = np.eye(len(z))[target]
    jac = np.diag(p) - np.outer(p, p)  # (K, K) softmax Jacobian
    return {"p": p, "cross_entropy": p - y, "mse": jac.T @ (2 / len(z) * (p - y))}


def confidence_sweep(margins: np.ndarray | None = None, k: int = K) -> dict[str, list[float]]:
    """A logit vector that is zero except for one *wrong* class at ``margin``: as the margin grows the model is
    more confidently wrong. For each margin: the probability of the right class, and the size (L2 norm) of each
    loss's gradient on the logits."""
    margins = np.linspace(-4, 12, 81) if margins is None else np.asarray(margins, dtype=np.float64)
    p_right, ce, mse = [], [], []
    for m in margins:
        z = np.zeros(k)
        z[1] = m  # class 1 is wrong; class 0 is right
        g = logit_gradients(z, 0)
        p_right.append(float(g["p"][0]))
        ce.append(float(np.linalg.norm(g["cross_entropy"])))
        mse.append(float(np.linalg.norm(g["mse"])))
    return {"margin": margins.tolist(), "p_right": p_right, "cross_entropy": ce, "mse": mse}


def temperature_table(z: Sequence[float], temperatures: Sequence[float]) -> dict[str, list]:
    """Softmax of ``z`` at each temperature, with its entropy: low temperature -> the arg max, high -> uniform."""
    probs = [softmax(np.asarray(z), t) for t in temperatures]
    return {
        "temperatures": list(temperatures),
        "probs": [np.round(p, 5).tolist() for p in probs],
        "entropy": [float(entropy(p)) for p in probs],
    }


# ------------------------------------------------------------------------------------------------ torch parts


def nll_vs_cross_entropy(n: int = 1000, k: int = K, seed: int = 0, scale: float = 5.0) -> dict[str, float]:
    """``F.nll_loss(F.log_softmax(z), y)`` against ``F.cross_entropy(z, y)`` and against ``-log softmax(z)[y]``
    written out, on ``n`` random logit vectors (float64)."""
    import torch
    import torch.nn.functional as F

    from demos.common import generator

    gen = generator(seed)
    z = torch.randn(n, k, generator=gen, dtype=torch.float64) * scale  # (n, K)
    y = torch.randint(0, k, (n,), generator=gen)  # (n,)
    nll = F.nll_loss(F.log_softmax(z, dim=1), y, reduction="none")
    ce = F.cross_entropy(z, y, reduction="none")
    by_hand = -torch.log(torch.exp(z) / torch.exp(z).sum(1, keepdim=True)).gather(1, y[:, None])[:, 0]
    return {
        "max_abs_diff_nll_ce": float((nll - ce).abs().max()),
        "max_abs_diff_by_hand": float((by_hand - ce).abs().max()),
        "mean_loss": float(ce.mean()),
        "examples": n,
    }


@dataclass(frozen=True)
class LossRun:
    loss: str
    lr: float
    steps_to_target: int  # -1 if never
    test_acc: list[float]
    eval_steps: list[int]


def train_with_loss(
    loss: str,
    lr: float,
    steps: int = 300,
    *,
    target: float = 0.85,
    seed: int = 0,
    eval_every: int = 10,
    device: object = None,
    on_progress: Callable[[int, int, Any], None] | None = None,
) -> LossRun:
    """The race's MLP trained with SGD on ``cross_entropy`` or ``mse`` (between softmax probabilities and the
    one-hot label); steps until test accuracy first reaches ``target``. ``on_progress(done, steps, curve)`` is
    called every 10 steps, as :func:`demos.train.core.fit` does (raising in it stops the run)."""
    import torch
    import torch.nn.functional as F

    from demos.common import generator
    from demos.optim.network import RACE_MLP
    from demos.train.core import build_mlp, fit, mnist

    if loss not in ("cross_entropy", "mse"):
        raise ValueError(f"loss must be 'cross_entropy' or 'mse', got {loss!r}")
    data = mnist(device=device)  # type: ignore[arg-type]
    model = build_mlp(RACE_MLP, seed, device)  # type: ignore[arg-type]
    opt = torch.optim.SGD(model.parameters(), lr=lr)

    def mse(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(F.softmax(logits, dim=1), F.one_hot(y, K).to(logits.dtype))

    curve = fit(
        model,
        data,
        opt.step,
        zero_grad=opt.zero_grad,
        steps=steps,
        batch_size=64,
        generator=generator(seed),
        loss_fn=F.cross_entropy if loss == "cross_entropy" else mse,
        eval_every=eval_every,
        on_progress=on_progress,
    )
    hit = next((s for s, a in zip(curve.eval_steps, curve.test_acc, strict=True) if a >= target), -1)
    return LossRun(loss, lr, hit, curve.test_acc, curve.eval_steps)


def heads_on_features(epochs: int = 10, *, seed: int = 0, c: float = 0.01) -> dict[str, float]:
    """A linear softmax head (cross-entropy) and a linear SVM head (the multi-class hinge of Weston and Watkins,
    torch's ``multi_margin_loss``, plus the soft-margin penalty ``|w|² / (2 C n)``) trained with Adam on the same
    features -- the pixels of the 4,000 training digits -- and scikit-learn's ``LinearSVC`` (one-vs-rest, squared
    hinge, same C) on them as the reference. Test accuracy of each."""
    import torch
    import torch.nn.functional as F
    from sklearn.svm import LinearSVC

    from demos.common import generator
    from demos.train.core import mnist

    data = mnist()
    x_tr, x_te = data.x_train, data.x_test
    out: dict[str, float] = {}
    for head in ("softmax", "svm"):
        gen = generator(seed)
        w = torch.zeros(784, K, requires_grad=True)
        b = torch.zeros(K, requires_grad=True)
        opt = torch.optim.Adam([w, b], lr=0.01)
        n = len(data.y_train)
        for _ in range(epochs):
            for idx in torch.randperm(n, generator=gen).split(100):
                scores = x_tr[idx] @ w + b  # (B, K)
                if head == "softmax":
                    loss = F.cross_entropy(scores, data.y_train[idx])
                else:
                    # multi_margin_loss averages over the K classes; times K it is the Weston-Watkins sum of hinges
                    loss = K * F.multi_margin_loss(scores, data.y_train[idx]) + (w * w).sum() / (2 * c * n)
                opt.zero_grad()
                loss.backward()
                opt.step()
        with torch.no_grad():
            out[head] = float(((x_te @ w + b).argmax(1) == data.y_test).float().mean())
    svc = LinearSVC(C=c, dual=True, max_iter=2000, random_state=seed).fit(x_tr.numpy(), data.y_train.numpy())
    out["sklearn_linear_svc"] = float((svc.predict(x_te.numpy()) == data.y_test.numpy()).mean())
    return out
