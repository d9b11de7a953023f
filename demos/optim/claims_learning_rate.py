"""What the learning-rate lab claims, and how it measures them (see demos/claims.py for the contract)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "stable-below-two-over-curvature",
        ("learning-rate", "gradient-descent"),
        "On the quadratic whose steepest curvature is 10, gradient descent converges at every learning rate below "
        "2/10 = 0.2 and diverges at every rate above it, as the largest curvature predicts (16 rates from 0.02 to "
        "0.4, 300 steps).",
    ),
    ClaimSpec(
        "four-regimes-on-a-network",
        ("learning-rate", "stochastic-gradient-descent"),
        "On an MLP learning MNIST, SGD shows all four regimes: at 0.004 the loss is still above 2 after 250 steps "
        "(too small), at 0.4 test accuracy passes 85% (about right), at 1.6 the loss stalls above 1 (too large), "
        "and at 50 it ends above where it started (divergent).",
    ),
    ClaimSpec(
        "range-test-finds-a-good-rate",
        ("learning-rate",),
        "A learning-rate range test -- one short run whose rate grows from 0.001 to 10 -- suggests a rate within a "
        "factor of 2 of the best of full 250-step training runs at rates a factor 2 apart (seven of them from 0.05 "
        "to 3.2 in the full protocol, 0.2 to 0.8 in the fast one).",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    import numpy as np

    from demos.optim.network import LR_REGIMES, range_test, train_with_rule
    from demos.optim.race import paths
    from demos.optim.surfaces import SURFACES
    from demos.train.core import mnist

    q = SURFACES["quadratic"]
    rates = np.round(np.linspace(0.02, 0.4, 16), 4)
    runs = paths("sgd", q, q.start, 300, rates)  # (16, 301, 2)
    start = float(q.gap(np.asarray(q.start)))
    with np.errstate(invalid="ignore"):
        end = np.nan_to_num(q.gap(runs[:, -1]), nan=np.inf)
    converged = (end < 1e-3 * start).tolist()
    diverged = (end > start).tolist()
    expected = [bool(r < 0.2) for r in rates]
    stable_ok = converged == expected and diverged == [not e for e in expected]

    data = mnist(device=ctx.device)
    regimes, curves = {}, {}
    for name, lr in LR_REGIMES.items():
        curve = curves[lr] = train_with_rule(data, "sgd", lr, 250, seed=ctx.seed, device=ctx.device).curve
        regimes[name] = {
            "lr": lr,
            "final_loss": round(float(np.mean(curve.loss[-20:])), 3),
            "start_loss": round(curve.loss[0], 3),
            "test_acc": curve.test_acc[-1],
        }
    r = regimes
    regimes_ok = (
        r["too small"]["final_loss"] > 2
        and r["about right"]["test_acc"] > 0.85
        and r["too large"]["final_loss"] > 1
        and r["divergent"]["final_loss"] > r["divergent"]["start_loss"]
    )

    test = range_test(data, low=1e-3, high=10.0, steps=300, seed=ctx.seed, device=ctx.device)
    grid = [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2] if ctx.full else [0.2, 0.4, 0.8]
    scores = {}
    for lr in grid:  # the regimes' runs are reused where the rates coincide
        curve = curves.get(lr) or train_with_rule(data, "sgd", lr, 250, seed=ctx.seed, device=ctx.device).curve
        scores[lr] = float(np.mean(curve.loss[-50:])) if not curve.diverged else float("inf")
    best = min(scores, key=lambda k: scores[k])
    suggested = float(test["suggested"])  # type: ignore[arg-type]
    return {
        "stable-below-two-over-curvature": outcome(
            stable_ok,
            rates_converged=int(sum(converged)),
            rates_diverged=int(sum(diverged)),
            rates=len(rates),
            threshold=0.2,
        ),
        "four-regimes-on-a-network": outcome(regimes_ok, **{k.replace(" ", "_"): v for k, v in regimes.items()}),
        "range-test-finds-a-good-rate": outcome(
            0.5 <= suggested / best <= 2,
            suggested_lr=round(suggested, 4),
            best_trained_lr=best,
            ratio=round(suggested / best, 3),
            trained_rates=grid,
            range_test_steps=len(test["lrs"]),  # type: ignore[arg-type]
        ),
    }
