"""Computed questions on how networks learn: softmax and losses, activations and their derivatives, one or two
optimiser steps on a quadratic, regularisation, dropout and batch norm, attention weights, the VAE's KL term.

Every answer comes from running torch: ``torch.softmax``, ``torch.nn.functional`` losses, autograd for
derivatives, ``torch.optim`` for optimiser steps (the optimisation lab may later compute these with its own
update rules, which its tests hold equal to ``torch.optim``).
"""

from __future__ import annotations

import random

from demos.questions.core import BarsFigure, CurveFigure, Instance, NumberAnswer, Template

CLASSES = ("cat", "dog", "bird", "fish")


def _nums(values: list[float]) -> str:
    return ", ".join(f"{v:g}" for v in values)


# ------------------------------------------------------------------------------------------------ outputs


def _softmax(rng: random.Random) -> Instance:
    import torch

    n = rng.choice([3, 4])
    logits = [float(rng.randrange(-2, 5)) for _ in range(n)]
    t, i = rng.choice([0.5, 1.0, 2.0, 5.0]), rng.randrange(n)
    p = torch.softmax(torch.tensor(logits) / t, dim=0)  # (n,)
    return Instance(
        prompt=f"A classifier outputs the logits {_nums(logits)} for {', '.join(CLASSES[:n])}. What probability does "
        f"a softmax at temperature {t:g} give to {CLASSES[i]}? (Two decimals.)",
        answer=NumberAnswer(round(float(p[i]), 4), digits=2, tol=0.01),
        explanation=f"exp(z_i / T) / Σ exp(z_j / T) with T = {t:g}: {float(p[i]):.3f}. A higher temperature "
        "flattens the distribution, a lower one sharpens it.",
        params=dict(logits=logits, t=t, i=i),
        computed_by="torch.softmax",
        figure=BarsFigure(CLASSES[:n], tuple(logits), axis="logit", caption="The logits, before the softmax."),
    )


def _cross_entropy(rng: random.Random) -> Instance:
    import torch

    n = 3
    logits = [float(rng.randrange(-2, 4)) for _ in range(n)]
    target = rng.randrange(n)
    loss = float(torch.nn.functional.cross_entropy(torch.tensor([logits]), torch.tensor([target])))
    return Instance(
        prompt=f"The logits are {_nums(logits)} for {', '.join(CLASSES[:n])}, and the true class is "
        f"{CLASSES[target]}. What is the cross-entropy loss (natural log)? (Two decimals.)",
        answer=NumberAnswer(round(loss, 4), digits=2, tol=0.01),
        explanation=f"−log softmax(z)[{CLASSES[target]}] = log Σ exp(z_j) − z_true = {loss:.3f}.",
        params=dict(logits=logits, target=target),
        computed_by="torch.nn.functional.cross_entropy",
        figure=BarsFigure(
            CLASSES[:n],
            tuple(logits),
            axis="logit",
            caption="The logits; the loss looks at the true class only, through the softmax.",
        ),
    )


def _nll(rng: random.Random) -> Instance:
    import torch

    p = rng.choice([0.9, 0.8, 0.6, 0.5, 0.3, 0.25, 0.1, 0.05])
    loss = float(torch.nn.functional.nll_loss(torch.log(torch.tensor([[p, 1 - p]])), torch.tensor([0])))
    return Instance(
        prompt=f"A model gives the right class a probability of {p:g}. What is its negative log-likelihood loss "
        "(natural log)? (Two decimals.)",
        answer=NumberAnswer(round(loss, 4), digits=2, tol=0.01),
        explanation=f"−ln {p:g} = {loss:.3f}: confident right answers cost little, a low probability on the truth "
        "costs a lot.",
        params=dict(p=p),
        computed_by="torch.nn.functional.nll_loss",
    )


def _mse(rng: random.Random) -> Instance:
    import torch

    n = rng.choice([3, 4])
    pred = [float(rng.randrange(-3, 6)) for _ in range(n)]
    true = [p + rng.choice([-2, -1, 0, 1, 2, 3]) for p in pred]
    loss = float(torch.nn.functional.mse_loss(torch.tensor(pred), torch.tensor(true)))
    return Instance(
        prompt=f"A regression model predicts {_nums(pred)}; the targets are {_nums(true)}. What is the mean "
        "squared error? (Two decimals.)",
        answer=NumberAnswer(round(loss, 4), digits=2, tol=0.01),
        explanation=f"The mean of the squared differences: {loss:.3f}.",
        params=dict(pred=pred, true=true),
        computed_by="torch.nn.functional.mse_loss",
    )


def _sigmoid(rng: random.Random) -> Instance:
    import torch

    x = rng.choice([-3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
    value = float(torch.sigmoid(torch.tensor(x)))
    return Instance(
        prompt=f"What is the sigmoid of {x:g}? (Two decimals.)",
        answer=NumberAnswer(round(value, 4), digits=2, tol=0.01),
        explanation=f"1 / (1 + e^{-x:g}) = {value:.3f}.",
        params=dict(x=x),
        computed_by="torch.sigmoid",
    )


def _derivative(name: str, rng: random.Random) -> tuple[float, float]:
    import torch

    x = torch.tensor(rng.choice([-3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0]), requires_grad=True)
    getattr(torch, name)(x).backward()
    assert x.grad is not None
    return float(x.detach()), float(x.grad)


def _sigmoid_derivative(rng: random.Random) -> Instance:
    x, grad = _derivative("sigmoid", rng)
    return Instance(
        prompt=f"What is the derivative of the sigmoid at x = {x:g}? (Three decimals.)",
        answer=NumberAnswer(round(grad, 5), digits=3, tol=0.002),
        explanation=f"σ'(x) = σ(x)(1 − σ(x)) = {grad:.4f}; it is at most 0.25, at x = 0.",
        params=dict(x=x),
        computed_by="torch.autograd (backward through torch.sigmoid)",
    )


def _tanh_derivative(rng: random.Random) -> Instance:
    x, grad = _derivative("tanh", rng)
    return Instance(
        prompt=f"What is the derivative of tanh at x = {x:g}? (Three decimals.)",
        answer=NumberAnswer(round(grad, 5), digits=3, tol=0.002),
        explanation=f"tanh'(x) = 1 − tanh²(x) = {grad:.4f}; it is 1 at x = 0 and vanishes as |x| grows.",
        params=dict(x=x),
        computed_by="torch.autograd (backward through torch.tanh)",
    )


def _vanishing(rng: random.Random) -> Instance:
    import torch

    depth = rng.randrange(2, 7)
    x = torch.tensor(0.0, requires_grad=True)
    y = x
    for _ in range(depth):
        y = torch.sigmoid(y)
    y.backward()
    assert x.grad is not None
    grad = float(x.grad)
    return Instance(
        prompt=f"{depth} sigmoid units are chained, each feeding the next with weight 1 and no bias. What is the "
        "derivative of the last output with respect to the input, at input 0? (Three significant digits.)",
        answer=NumberAnswer(grad, digits=4, rel=0.02),
        explanation=f"The chain rule multiplies one σ' ≤ 0.25 per unit: {grad:.3g}, below 0.25^{depth} = "
        f"{0.25**depth:.3g}. This is the vanishing gradient.",
        params=dict(depth=depth),
        computed_by="torch.autograd (backward through the chain)",
    )


# ------------------------------------------------------------------------------------------------ optimisers


def _quadratic(rng: random.Random) -> tuple[float, float, float]:
    """(a, c, w0) for f(w) = a/2 (w - c)^2."""
    return float(rng.choice([1, 2, 4])), float(rng.randrange(-1, 3)), float(rng.choice([-3, -2, 3, 4, 5]))


def _steps(a: float, c: float, w0: float, optimiser: str, steps: int, **options: float) -> list[float]:
    """Weights after each of ``steps`` updates of ``torch.optim.<optimiser>`` on f(w) = a/2 (w - c)^2."""
    import torch

    w = torch.tensor([w0], requires_grad=True)
    opt = getattr(torch.optim, optimiser)([w], **options)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        (a / 2 * (w - c) ** 2).sum().backward()
        opt.step()
        out.append(float(w.detach()[0]))
    return out


def _curve(a: float, c: float, points: list[tuple[float, str]]) -> CurveFigure:
    lo = min([c - 4, *(p for p, _ in points)]) - 0.5
    hi = max([c + 4, *(p for p, _ in points)]) + 0.5
    xs = tuple(lo + (hi - lo) * i / 60 for i in range(61))
    return CurveFigure(
        xs,
        tuple(a / 2 * (x - c) ** 2 for x in xs),
        tuple((x, a / 2 * (x - c) ** 2, label) for x, label in points),
        caption=f"The loss {_quad_text(a, c)}; the marked point is where w starts.",
    )


def _quad_text(a: float, c: float) -> str:
    inner = "w" if c == 0 else f"(w − {c:g})" if c > 0 else f"(w + {-c:g})"
    return f"f(w) = {a:g}/2 · {inner}²"


def _sgd(rng: random.Random) -> Instance:
    a, c, w0 = _quadratic(rng)
    lr = rng.choice([0.1, 0.25, 0.5])
    [w1] = _steps(a, c, w0, "SGD", 1, lr=lr)
    return Instance(
        prompt=f"Gradient descent with learning rate {lr:g} minimises {_quad_text(a, c)}, starting at w = {w0:g}. "
        "What is w after one step? (Three decimals.)",
        answer=NumberAnswer(round(w1, 6), digits=3, tol=0.005),
        explanation=f"The gradient {a:g}·(w − c) at w = {w0:g} is {a * (w0 - c):g}, so w becomes "
        f"{w0:g} − {lr:g}·({a * (w0 - c):g}) = {w1:.3f}.",
        params=dict(a=a, c=c, w0=w0, lr=lr),
        computed_by="torch.optim.SGD",
        figure=_curve(a, c, [(w0, "start")]),
    )


def _momentum(rng: random.Random) -> Instance:
    a, c, w0 = _quadratic(rng)
    lr, mu = rng.choice([0.1, 0.2]), rng.choice([0.5, 0.9])
    w1, w2 = _steps(a, c, w0, "SGD", 2, lr=lr, momentum=mu)
    return Instance(
        prompt=f"SGD with momentum {mu:g} and learning rate {lr:g} (PyTorch's form: v ← {mu:g}·v + g, w ← w − lr·v, "
        f"v starting at 0) minimises {_quad_text(a, c)} from w = {w0:g}. What is w after two steps? (Three "
        "decimals.)",
        answer=NumberAnswer(round(w2, 6), digits=3, tol=0.005),
        explanation=f"Step 1 moves to {w1:.3f}; step 2 adds {mu:g} times the first step's velocity to the new "
        f"gradient: {w2:.3f}.",
        params=dict(a=a, c=c, w0=w0, lr=lr, mu=mu),
        computed_by="torch.optim.SGD(momentum=...)",
        figure=_curve(a, c, [(w0, "start")]),
    )


def _adam(rng: random.Random) -> Instance:
    a, c, w0 = _quadratic(rng)
    lr = rng.choice([0.1, 0.5, 1.0])
    [w1] = _steps(a, c, w0, "Adam", 1, lr=lr)
    return Instance(
        prompt=f"Adam with learning rate {lr:g} and the default betas (0.9, 0.999) minimises {_quad_text(a, c)} from "
        f"w = {w0:g}. What is w after the first step? (Three decimals.)",
        answer=NumberAnswer(round(w1, 6), digits=3, tol=0.005),
        explanation=f"After bias correction the first step is lr · g / |g| = lr · sign(g), whatever the gradient's "
        f"size: {w0:g} → {w1:.3f}.",
        params=dict(a=a, c=c, w0=w0, lr=lr),
        computed_by="torch.optim.Adam",
        figure=_curve(a, c, [(w0, "start")]),
    )


def _rmsprop(rng: random.Random) -> Instance:
    a, c, w0 = _quadratic(rng)
    lr, alpha = rng.choice([0.01, 0.05, 0.1]), rng.choice([0.9, 0.99])
    [w1] = _steps(a, c, w0, "RMSprop", 1, lr=lr, alpha=alpha)
    return Instance(
        prompt=f"RMSProp with learning rate {lr:g} and decay {alpha:g} (the average of squared gradients starts at "
        f"0) minimises {_quad_text(a, c)} from w = {w0:g}. What is w after one step? (Three decimals.)",
        answer=NumberAnswer(round(w1, 6), digits=3, tol=0.005),
        explanation=f"The average becomes (1 − {alpha:g})·g², so the step is lr·g / √((1 − {alpha:g})·g²) = "
        f"lr / √{1 - alpha:g} in the gradient's direction: {w1:.3f}.",
        params=dict(a=a, c=c, w0=w0, lr=lr, alpha=alpha),
        computed_by="torch.optim.RMSprop",
        figure=_curve(a, c, [(w0, "start")]),
    )


def _adagrad(rng: random.Random) -> Instance:
    a, c, w0 = _quadratic(rng)
    lr = rng.choice([0.5, 1.0])
    w1, w2 = _steps(a, c, w0, "Adagrad", 2, lr=lr)
    return Instance(
        prompt=f"AdaGrad with learning rate {lr:g} minimises {_quad_text(a, c)} from w = {w0:g}. What is w after two "
        "steps? (Three decimals.)",
        answer=NumberAnswer(round(w2, 6), digits=3, tol=0.005),
        explanation=f"Each step divides by the root of the running sum of squared gradients: {w0:g} → {w1:.3f} → "
        f"{w2:.3f}; the sum only grows, so the steps shrink.",
        params=dict(a=a, c=c, w0=w0, lr=lr),
        computed_by="torch.optim.Adagrad",
        figure=_curve(a, c, [(w0, "start")]),
    )


def _divergence(rng: random.Random) -> Instance:
    a = float(rng.choice([0.5, 1, 2, 4, 5, 8, 10]))
    [w1] = _steps(a, 0.0, 1.0, "SGD", 1, lr=1.0)  # w1 = (1 - a) * w0 measures the curvature a
    limit = 2 / (1 - w1)
    return Instance(
        prompt=f"Gradient descent minimises f(w) = {a:g}/2 · w². Below which learning rate does it converge "
        "(from any start)? (Three decimals.)",
        answer=NumberAnswer(round(limit, 6), digits=3, tol=0.005),
        explanation=f"Each step multiplies w by (1 − lr·{a:g}); this shrinks w only while |1 − lr·{a:g}| < 1, that "
        f"is for lr < 2/{a:g} = {limit:.3f}. Above it the loss oscillates and diverges.",
        params=dict(a=a),
        computed_by="torch.optim.SGD (one step measures the factor)",
    )


def _weight_decay(rng: random.Random) -> Instance:
    import torch

    w0, lr, decay = float(rng.choice([-2, 1, 2, 3])), rng.choice([0.1, 0.5]), rng.choice([0.01, 0.05, 0.1])
    w = torch.tensor([w0], requires_grad=True)
    opt = torch.optim.SGD([w], lr=lr, weight_decay=decay)
    w.grad = torch.zeros(1)  # the data gradient is zero: only the decay acts
    opt.step()
    w1 = float(w.detach()[0])
    return Instance(
        prompt=f"SGD with learning rate {lr:g} and weight decay {decay:g} (L2) updates a weight of {w0:g} whose data "
        "gradient is 0. What is the weight after the step? (Four decimals.)",
        answer=NumberAnswer(round(w1, 6), digits=4, tol=0.0005),
        explanation=f"The decay adds {decay:g}·w to the gradient, so w shrinks by the factor 1 − {lr:g}·{decay:g}: "
        f"{w1:.4f}.",
        params=dict(w0=w0, lr=lr, decay=decay),
        computed_by="torch.optim.SGD(weight_decay=...)",
    )


# ------------------------------------------------------------------------------------------------ layers


def _dropout(rng: random.Random) -> Instance:
    import torch

    from demos.common import seeded

    p = rng.choice([0.1, 0.2, 0.25, 0.5, 0.6, 0.8])
    with seeded(rng.randrange(2**31)):
        out = torch.nn.functional.dropout(torch.ones(1000), p=p, training=True)  # (1000,)
    survivor = float(out[out > 0][0])
    return Instance(
        prompt=f"Inverted dropout with drop probability {p:g} runs on a layer whose activations are all 1, during "
        "training. What value does a unit that survives have? (Two decimals.)",
        answer=NumberAnswer(round(survivor, 5), digits=2, tol=0.01),
        explanation=f"Survivors are scaled by 1 / (1 − {p:g}) = {survivor:.3f}, so the expected activation stays 1 "
        "and nothing needs rescaling at test time.",
        params=dict(p=p),
        computed_by="torch.nn.functional.dropout",
    )


def _batchnorm(rng: random.Random) -> Instance:
    import torch

    batch = [float(rng.randrange(-4, 9)) for _ in range(4)]
    while len(set(batch)) == 1:
        batch[0] += 1
    i = rng.randrange(4)
    from demos.common import seeded

    with seeded(0):
        norm = torch.nn.BatchNorm1d(1)  # gamma 1, beta 0
    norm.train()
    out = norm(torch.tensor(batch).view(4, 1)).detach().flatten()  # (4,)
    return Instance(
        prompt=f"A batch-norm layer in training mode (scale 1, shift 0) gets a mini-batch of four values of one "
        f"feature: {_nums(batch)}. What does it output for {batch[i]:g}, the value in position {i + 1}? (Two "
        "decimals.)",
        answer=NumberAnswer(round(float(out[i]), 4), digits=2, tol=0.01),
        explanation="Subtract the batch mean and divide by the square root of the batch variance (the biased one, "
        f"plus a small ε): {float(out[i]):.3f}.",
        params=dict(batch=batch, i=i),
        computed_by="torch.nn.BatchNorm1d",
    )


def _triplet(rng: random.Random) -> Instance:
    import torch

    def point() -> list[float]:
        return [float(rng.randrange(-3, 4)), float(rng.randrange(-3, 4))]

    anchor, positive, negative = point(), point(), point()
    margin = rng.choice([0.5, 1.0, 2.0])
    loss = float(
        torch.nn.TripletMarginLoss(margin=margin)(
            torch.tensor([anchor]), torch.tensor([positive]), torch.tensor([negative])
        )
    )
    return Instance(
        prompt=f"Embeddings: anchor {tuple(anchor)}, positive {tuple(positive)}, negative {tuple(negative)}. What is "
        f"the triplet loss with margin {margin:g} and Euclidean distance? (Two decimals.)",
        answer=NumberAnswer(round(loss, 4), digits=2, tol=0.01),
        explanation=f"max(0, d(a, p) − d(a, n) + {margin:g}) = {loss:.3f}; it is zero once the negative is farther "
        "than the positive by the margin.",
        params=dict(anchor=anchor, positive=positive, negative=negative, margin=margin),
        computed_by="torch.nn.TripletMarginLoss",
    )


def _attention(rng: random.Random) -> Instance:
    import torch

    n = rng.choice([3, 4])
    scores = [float(rng.randrange(-2, 4)) for _ in range(n)]
    i = rng.randrange(n)
    weights = torch.softmax(torch.tensor(scores), dim=0)  # (n,)
    regions = tuple(f"region {k + 1}" for k in range(n))
    return Instance(
        prompt=f"Soft attention scores {n} image regions {_nums(scores)} against the decoder's state. What weight "
        f"does region {i + 1} get in the context vector? (Two decimals.)",
        answer=NumberAnswer(round(float(weights[i]), 4), digits=2, tol=0.01),
        explanation=f"The weights are the softmax of the scores: {float(weights[i]):.3f}; the context vector is "
        "the weighted average of the regions' features.",
        params=dict(scores=scores, i=i),
        computed_by="torch.softmax",
        figure=BarsFigure(regions, tuple(scores), axis="score", caption="Attention scores before the softmax."),
    )


def _kl(rng: random.Random) -> Instance:
    import torch

    mu, sigma = rng.choice([-1.0, -0.5, 0.0, 0.5, 1.0, 2.0]), rng.choice([0.5, 1.0, 2.0])
    if mu == 0 and sigma == 1:
        sigma = 0.5
    dist = torch.distributions
    kl = float(dist.kl_divergence(dist.Normal(mu, sigma), dist.Normal(0.0, 1.0)))
    return Instance(
        prompt=f"A VAE encoder outputs mean {mu:g} and standard deviation {sigma:g} for one latent dimension. What "
        "is that dimension's KL divergence from the standard normal prior? (Two decimals.)",
        answer=NumberAnswer(round(kl, 4), digits=2, tol=0.01),
        explanation=f"½(μ² + σ² − 1 − ln σ²) = {kl:.3f}: the ELBO's price for moving away from the prior.",
        params=dict(mu=mu, sigma=sigma),
        computed_by="torch.distributions.kl_divergence",
    )


TEMPLATES: tuple[Template, ...] = (
    Template("softmax-temperature", ("softmax", "cross-entropy-loss"), "Softmax at a temperature", _softmax),
    Template("cross-entropy", ("cross-entropy-loss",), "Cross-entropy of logits", _cross_entropy),
    Template("nll-probability", ("nll-loss",), "Negative log-likelihood of a probability", _nll),
    Template("mse", ("mse-loss",), "Mean squared error", _mse),
    Template("sigmoid-value", ("activation-functions",), "Value of the sigmoid", _sigmoid),
    Template("sigmoid-derivative", ("sigmoid-derivative",), "Derivative of the sigmoid", _sigmoid_derivative),
    Template("tanh-derivative", ("activation-functions",), "Derivative of tanh", _tanh_derivative),
    Template("vanishing-chain", ("vanishing-gradient",), "Gradient through a chain of sigmoids", _vanishing),
    Template("sgd-step", ("gradient-descent", "stochastic-gradient-descent"), "One gradient-descent step", _sgd),
    Template("momentum-steps", ("momentum",), "Two steps of SGD with momentum", _momentum),
    Template("adam-step", ("adam",), "Adam's first step", _adam),
    Template("rmsprop-step", ("rmsprop",), "RMSProp's first step", _rmsprop),
    Template("adagrad-steps", ("adagrad",), "Two AdaGrad steps", _adagrad),
    Template("divergence-rate", ("learning-rate",), "Largest learning rate that converges", _divergence),
    Template("weight-decay-step", ("l2-regularization",), "One step of weight decay", _weight_decay),
    Template("dropout-scale", ("dropout",), "Inverted dropout's scaling", _dropout),
    Template("batchnorm-output", ("batch-normalization",), "Batch norm of a mini-batch", _batchnorm),
    Template("triplet-loss", ("triplet-loss",), "Triplet loss of three embeddings", _triplet),
    Template(
        "attention-weight", ("attention-captioning", "soft-vs-hard-attention"), "Soft attention weight", _attention
    ),
    Template("gaussian-kl", ("variational-inference-elbo", "variational-autoencoder"), "KL term of a VAE", _kl),
)
