"""What the backprop-by-hand lab claims, and how it measures them (see demos/claims.py for the contract)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "gradients-equal-torch-autograd",
        ("backpropagation", "computational-graph", "torch-backward-api"),
        "The 100-line scalar engine's gradients equal torch.autograd's on 300 random expressions of + - * / **, "
        "exp, log, tanh, sigmoid and ReLU (largest relative difference below 1e-9).",
    ),
    ClaimSpec(
        "finite-differences-agree",
        ("backpropagation", "feedforward-network", "hidden-layers"),
        "On the two-layer net, every weight's backpropagated gradient agrees with a central finite difference "
        "(step 1e-6) to within 1e-7.",
    ),
    ClaimSpec(
        "output-delta-is-error-times-dsigmoid",
        ("sigmoid-derivative", "backpropagation"),
        "The gradient backpropagation finds at the output neuron's weighted sum is exactly the notes' deltaoutput "
        "= error * dsigmoid(sum), with dsigmoid(sum) = σ(sum)(1 - σ(sum)).",
    ),
    ClaimSpec(
        "sigmoid-passes-at-most-a-quarter",
        ("sigmoid-derivative",),
        "σ'(z) = σ(z)(1 - σ(z)) is at most 0.25, reached at z = 0, so every sigmoid on the way back multiplies the "
        "gradient by a quarter or less.",
    ),
    ClaimSpec(
        "one-backward-pass-for-all-gradients",
        ("backpropagation", "computational-graph"),
        "One backward pass gives all the weight gradients of the two-layer net by visiting each node once; finite "
        "differences evaluate the whole graph twice per weight, over five times as many node evaluations.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    import math

    import numpy as np

    from demos.autograd.graphs import checks, leaves, output_delta, random_expression, torch_grads, two_layer

    n = 300 if not ctx.full else 2000
    worst = 0.0
    for seed in range(ctx.seed, ctx.seed + n):
        root, xs = random_expression(seed)
        root.backward()
        theirs = torch_grads(root)
        for leaf in xs:
            want = theirs.get(leaf.id, 0.0)  # a leaf the expression does not use has gradient 0
            worst = max(worst, abs(leaf.grad - want) / max(1.0, abs(want)))

    table = checks(two_layer())
    weights = [r for r in table if r["leaf"] not in ("x1", "x2", "t")]
    fd_gap = max(abs(r["ours"] - r["finite_difference"]) for r in weights)
    delta = output_delta(two_layer())

    z = np.linspace(-8, 8, 16001)
    s = 1 / (1 + np.exp(-z))
    ds = s * (1 - s)

    from demos.autograd.graphs import finite_difference, replay

    net = two_layer()
    nodes = net.topological()
    by_label = {n.label: n for n in leaves(net)}
    tuned = [by_label[r["leaf"]] for r in weights]
    # count node evaluations: building the graph computes each node once, the backward pass visits each once
    backprop_evals = len(nodes) + sum(1 for _ in two_layer().backward_steps())
    fd_evals = 0
    for leaf in tuned:
        finite_difference(net, leaf)
        fd_evals += 2 * len(replay(net, {}))  # the two replays finite_difference made, each of every node
    return {
        "gradients-equal-torch-autograd": outcome(worst < 1e-9, expressions=n, max_relative_gap=worst),
        "finite-differences-agree": outcome(fd_gap < 1e-7, max_abs_gap=fd_gap, weights=len(weights)),
        "output-delta-is-error-times-dsigmoid": outcome(
            math.isclose(delta["delta_formula"], delta["delta_backprop"], rel_tol=1e-12),
            error=round(delta["error"], 6),
            dsigmoid=round(delta["dsigmoid"], 6),
            delta_formula=delta["delta_formula"],
            delta_backprop=delta["delta_backprop"],
        ),
        "sigmoid-passes-at-most-a-quarter": outcome(
            abs(float(ds.max()) - 0.25) < 1e-12 and abs(float(z[ds.argmax()])) < 1e-9,
            max_dsigmoid=float(ds.max()),
            at_z=float(z[ds.argmax()]),
        ),
        "one-backward-pass-for-all-gradients": outcome(
            fd_evals > 5 * backprop_evals,
            node_evaluations_backprop=backprop_evals,
            node_evaluations_finite_differences=fd_evals,
            weights=len(tuned),
            nodes=len(nodes),
        ),
    }
