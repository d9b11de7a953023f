"""Bias and variance as a capacity sweep: polynomials of degree 0 to 15 fitted by least squares to 20 noisy
samples of a smooth curve (at 20 evenly spaced x, the same for every set), on many independent training sets.

For each degree: the training and test error of every fit, and the textbook split of the expected test error,
``bias² + variance + noise``, where bias² is how far the *average* fit is from the truth and variance how much
the fits scatter around their average from one training set to the next. All of it measured on real fits
(numpy, milliseconds), nothing assumed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.polynomial import legendre

DEGREES: tuple[int, ...] = tuple(range(16))
NOISE = 0.3  # standard deviation of the label noise
N_TRAIN = 20


def truth(x: np.ndarray) -> np.ndarray:
    """The curve to learn, on [-1, 1]."""
    return np.sin(np.pi * x) + 0.3 * x


def sample(n: int, rng: np.random.Generator, noise: float = NOISE, even: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points, y = truth(x) + Gaussian noise, with x evenly spaced on [-1, 1] (or uniform at random if not
    ``even``)."""
    x = np.linspace(-1, 1, n) if even else rng.uniform(-1, 1, n)
    return x, truth(x) + rng.normal(0, noise, n)


def fit(x: np.ndarray, y: np.ndarray, degree: int) -> np.ndarray:
    """Least-squares polynomial of ``degree`` in the Legendre basis (well conditioned on [-1, 1]) through
    ``x (n,)``, ``y (n,)`` or ``(n, K)`` for K data sets at once: coefficients ``(degree + 1,)`` or
    ``(degree + 1, K)``."""
    return np.asarray(legendre.legfit(x, y, degree))


@dataclass(frozen=True)
class Sweep:
    degrees: list[int]
    train_mse: list[float]  # mean over training sets
    test_mse: list[float]
    bias2: list[float]
    variance: list[float]
    noise: float  # noise variance, the floor of the test error
    grid: list[float]  # x where fits are drawn
    truth: list[float]
    example_fits: list[list[list[float]]]  # per degree, the fits of the first few training sets on ``grid``
    example_sets: list[dict[str, list[float]]]  # those training sets

    def best_degree(self) -> int:
        return self.degrees[int(np.argmin(self.test_mse))]


def sweep(
    degrees: tuple[int, ...] = DEGREES,
    datasets: int = 200,
    n_train: int = N_TRAIN,
    noise: float = NOISE,
    seed: int = 0,
    examples: int = 5,
) -> Sweep:
    """Fit every degree to ``datasets`` independent training sets of ``n_train`` points; measure on 2,000 fresh
    test points (x uniform on [-1, 1]) and on a grid of 200 x values (for bias² and variance)."""
    if n_train <= max(degrees):
        raise ValueError(f"need more training points ({n_train}) than the highest degree ({max(degrees)})")
    rng = np.random.default_rng(seed)
    sets = [sample(n_train, rng, noise) for _ in range(datasets)]
    x = sets[0][0]  # (n,) the same design for every set
    ys = np.stack([y for _, y in sets], axis=1)  # (n, datasets)
    x_test, y_test = sample(2000, rng, noise, even=False)
    grid = np.linspace(-1, 1, 200)
    train_mse, test_mse, bias2, variance, fits_shown = [], [], [], [], []
    for d in degrees:
        coefs = fit(x, ys, d)  # (d + 1, datasets): all sets at once
        on_train = (legendre.legvander(x, d) @ coefs).T  # (datasets, n)
        on_test = (legendre.legvander(x_test, d) @ coefs).T  # (datasets, 2000)
        on_grid = (legendre.legvander(grid, d) @ coefs).T  # (datasets, 200)
        train_mse.append(float(np.mean((on_train - ys.T) ** 2)))
        test_mse.append(float(np.mean((on_test - y_test) ** 2)))
        bias2.append(float(np.mean((on_grid.mean(axis=0) - truth(grid)) ** 2)))
        variance.append(float(np.mean(on_grid.var(axis=0))))
        fits_shown.append(np.round(on_grid[:examples], 4).tolist())
    return Sweep(
        degrees=list(degrees),
        train_mse=train_mse,
        test_mse=test_mse,
        bias2=bias2,
        variance=variance,
        noise=noise**2,
        grid=np.round(grid, 4).tolist(),
        truth=np.round(truth(grid), 4).tolist(),
        example_fits=fits_shown,
        example_sets=[{"x": np.round(x, 4).tolist(), "y": np.round(y, 4).tolist()} for x, y in sets[:examples]],
    )
