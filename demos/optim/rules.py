"""Seven optimisers, each written out as its update rule: ``new_param, new_state = rule(param, grad, state, lr,
**hyper)``.

A rule works on any array type with arithmetic operators (numpy arrays for the surface races, torch tensors for a
real network), and on a batch of runs at once: ``lr`` may be an array of shape ``(K, 1)`` against parameters of
shape ``(K, D)``, so one call advances K races with K learning rates. ``state`` is the rule's memory for one
parameter (empty at the first step); a rule never changes its inputs, it returns the new parameter and the new
state. Hyper-parameters carry ``torch.optim``'s names and defaults (``momentum``, ``alpha``, ``rho``, ``betas``,
``eps``, ``weight_decay``), except that the ``momentum`` and ``nesterov`` rules default to a momentum of 0.9
(``torch.optim.SGD``'s default is 0, plain SGD). :func:`torch_optimizer` builds the equivalent ``torch.optim``
optimiser; the tests check every rule against it.

Weight decay is the L2 kind ``torch.optim`` applies: ``weight_decay * param`` added to the gradient.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

State = Mapping[str, Any]
Rule = Callable[..., tuple[Any, dict[str, Any]]]


def sgd(p: Any, g: Any, state: State, lr: Any, weight_decay: float = 0.0) -> tuple[Any, dict[str, Any]]:
    """Gradient descent: step against the gradient, ``p <- p - lr * g``."""
    g = g + weight_decay * p
    return p - lr * g, {}


def momentum(
    p: Any, g: Any, state: State, lr: Any, momentum: float = 0.9, weight_decay: float = 0.0
) -> tuple[Any, dict[str, Any]]:
    """Heavy ball: a velocity that remembers past gradients, ``v <- momentum * v + g``, ``p <- p - lr * v``.
    Each change is ``lr * g + momentum * previous change``, the notes' "Delta = learningrate*gradient +
    momentum*previousChange". The first velocity is the first gradient, as in ``torch.optim.SGD``."""
    g = g + weight_decay * p
    v = g if "v" not in state else momentum * state["v"] + g
    return p - lr * v, {"v": v}


def nesterov(
    p: Any, g: Any, state: State, lr: Any, momentum: float = 0.9, weight_decay: float = 0.0
) -> tuple[Any, dict[str, Any]]:
    """Nesterov momentum in ``torch.optim.SGD``'s form: the same velocity, but the step looks one velocity
    ahead, ``p <- p - lr * (g + momentum * v)``."""
    g = g + weight_decay * p
    v = g if "v" not in state else momentum * state["v"] + g
    return p - lr * (g + momentum * v), {"v": v}


def adagrad(
    p: Any, g: Any, state: State, lr: Any, eps: float = 1e-10, weight_decay: float = 0.0
) -> tuple[Any, dict[str, Any]]:
    """AdaGrad: divide each coordinate's step by the root of its summed squared gradients, so steep directions
    slow down and flat ones keep their pace; the sum only grows, so every step shrinks over time."""
    g = g + weight_decay * p
    total = state.get("sum", 0 * p) + g * g
    return p - lr * g / (total**0.5 + eps), {"sum": total}


def rmsprop(
    p: Any,
    g: Any,
    state: State,
    lr: Any,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
) -> tuple[Any, dict[str, Any]]:
    """RMSProp: AdaGrad with a leaky sum, a running mean of squared gradients (decay ``alpha``), so old
    gradients are forgotten and steps do not shrink for ever."""
    g = g + weight_decay * p
    mean_sq = alpha * state.get("mean_sq", 0 * p) + (1 - alpha) * g * g
    step = g / (mean_sq**0.5 + eps)
    if momentum:
        step = momentum * state.get("buf", 0 * p) + step
        return p - lr * step, {"mean_sq": mean_sq, "buf": step}
    return p - lr * step, {"mean_sq": mean_sq}


def adadelta(
    p: Any, g: Any, state: State, lr: Any = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0
) -> tuple[Any, dict[str, Any]]:
    """AdaDelta: RMSProp's step multiplied by the root mean square of the recent *steps*, so the units of a step
    match the parameter's and no learning rate is needed (``lr`` stays a plain multiplier, 1 by default)."""
    g = g + weight_decay * p
    mean_sq = rho * state.get("mean_sq", 0 * p) + (1 - rho) * g * g
    delta = (state.get("mean_delta_sq", 0 * p) + eps) ** 0.5 / (mean_sq + eps) ** 0.5 * g
    mean_delta_sq = rho * state.get("mean_delta_sq", 0 * p) + (1 - rho) * delta * delta
    return p - lr * delta, {"mean_sq": mean_sq, "mean_delta_sq": mean_delta_sq}


def adam(
    p: Any,
    g: Any,
    state: State,
    lr: Any,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
) -> tuple[Any, dict[str, Any]]:
    """Adam: momentum (a running mean of gradients) divided by RMSProp's root mean square, both corrected for
    starting at zero."""
    beta1, beta2 = betas
    g = g + weight_decay * p
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", 0 * p) + (1 - beta1) * g
    v = beta2 * state.get("v", 0 * p) + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return p - lr * m_hat / (v_hat**0.5 + eps), {"t": t, "m": m, "v": v}


RULES: dict[str, Rule] = {
    "sgd": sgd,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adadelta": adadelta,
    "adam": adam,
}

LABELS: dict[str, str] = {
    "sgd": "SGD",
    "momentum": "Momentum",
    "nesterov": "Nesterov",
    "adagrad": "AdaGrad",
    "rmsprop": "RMSProp",
    "adadelta": "AdaDelta",
    "adam": "Adam",
}

# The torch.optim class and the fixed arguments that make it the same rule.
_TORCH: dict[str, tuple[str, dict[str, Any]]] = {
    "sgd": ("SGD", {}),
    "momentum": ("SGD", {"momentum": 0.9}),
    "nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}),
    "adagrad": ("Adagrad", {}),
    "rmsprop": ("RMSprop", {}),
    "adadelta": ("Adadelta", {}),
    "adam": ("Adam", {}),
}


def hyper_defaults(name: str) -> dict[str, Any]:
    """The hyper-parameters a rule takes (besides ``lr``) and their defaults."""
    import inspect

    rule = check_rule(name)
    skip = {"p", "g", "state", "lr"}
    return {k: v.default for k, v in inspect.signature(rule).parameters.items() if k not in skip}


def check_rule(name: str) -> Rule:
    if name not in RULES:
        raise ValueError(f"unknown rule {name!r}; choose one of {', '.join(RULES)}")
    return RULES[name]


def check_hyper(name: str, hyper: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` naming every hyper-parameter the rule does not take or whose value is out of range."""
    known = hyper_defaults(name)
    bad = [f"{k!r} (it takes {', '.join(known) or 'none'})" for k in hyper if k not in known]
    for key in ("momentum", "alpha", "rho"):
        if key in hyper and key in known and not 0 <= float(hyper[key]) < 1:
            bad.append(f"{key}={hyper[key]} (must be in [0, 1))")
    if "betas" in hyper and not all(0 <= float(b) < 1 for b in hyper["betas"]):
        bad.append(f"betas={tuple(hyper['betas'])} (each must be in [0, 1))")
    if "eps" in hyper and not float(hyper["eps"]) > 0:
        bad.append(f"eps={hyper['eps']} (must be positive)")
    if "weight_decay" in hyper and not float(hyper["weight_decay"]) >= 0:
        bad.append(f"weight_decay={hyper['weight_decay']} (must be >= 0)")
    if bad:
        raise ValueError(f"rule {name!r}: bad hyper-parameter " + "; ".join(bad))


def torch_optimizer(name: str, params: Iterable[torch.Tensor], lr: float, **hyper: Any) -> torch.optim.Optimizer:
    """The ``torch.optim`` optimiser that applies the same rule (the test oracle)."""
    import torch

    check_rule(name)
    check_hyper(name, hyper)
    cls, fixed = _TORCH[name]
    kwargs = {**fixed, **hyper}
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    optimizer: torch.optim.Optimizer = getattr(torch.optim, cls)(params, lr=lr, **kwargs)
    return optimizer
