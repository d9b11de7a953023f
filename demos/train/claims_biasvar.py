"""What the bias-variance lab claims, and how it measures them (see demos/claims.py for the contract)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "train-falls-test-is-u-shaped",
        ("bias-variance",),
        "Fitting polynomials of degree 0 to 15 to 20 noisy points: the training error falls at every degree, while "
        "the test error falls to its minimum at a middle degree (2 to 8) and then rises to more than twice that "
        "minimum by degree 15.",
    ),
    ClaimSpec(
        "bias-falls-variance-rises",
        ("bias-variance",),
        "Measured over 200 training sets, bias² dominates the error of a straight line (degree 1) and variance "
        "that of degree 15, and bias² + variance + noise matches the measured test error within 10% at every degree.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    import numpy as np

    from demos.train.biasvar import sweep

    s = sweep(datasets=1000 if ctx.full else 200, seed=ctx.seed)
    train, test = np.array(s.train_mse), np.array(s.test_mse)
    best = int(np.argmin(test))
    split = np.array(s.bias2) + np.array(s.variance) + s.noise
    return {
        "train-falls-test-is-u-shaped": outcome(
            bool(np.all(np.diff(train) < 0)) and 2 <= s.degrees[best] <= 8 and test[-1] > 2 * test[best],
            best_degree=s.degrees[best],
            test_mse_best=round(float(test[best]), 4),
            test_mse_degree_15=round(float(test[-1]), 4),
            train_mse_degree_15=round(float(train[-1]), 4),
        ),
        "bias-falls-variance-rises": outcome(
            s.bias2[1] > s.variance[1]
            and s.variance[-1] > s.bias2[-1]
            and bool(np.all(np.abs(split - test) <= 0.1 * test)),
            bias2_degree_1=round(s.bias2[1], 4),
            variance_degree_1=round(s.variance[1], 4),
            bias2_degree_15=round(s.bias2[-1], 4),
            variance_degree_15=round(s.variance[-1], 4),
            worst_split_error=round(float(np.max(np.abs(split - test) / test)), 4),
        ),
    }
