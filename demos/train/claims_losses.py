"""What the losses lab claims, and how it measures them (see demos/claims.py for the contract)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "confident-wrong-answers-silence-mse",
        ("cross-entropy-loss", "mse-loss", "one-hot-encoding"),
        "When a classifier gives the right class 0.03% (a wrong class has a logit 8 higher), cross-entropy's "
        "gradient on the logits is over 1,000 times larger than that of MSE between the softmax and the one-hot "
        "label: MSE barely corrects a confident mistake.",
    ),
    ClaimSpec(
        "cross-entropy-trains-faster",
        ("cross-entropy-loss", "mse-loss"),
        "On an MLP learning MNIST with SGD at learning rate 0.3, cross-entropy reaches 85% test accuracy and MSE "
        "does not within 300 steps; tuned separately, MSE needs a learning rate at least ten times larger to "
        "train at all.",
    ),
    ClaimSpec(
        "nll-of-log-softmax-is-cross-entropy",
        ("nll-loss", "cross-entropy-loss", "softmax"),
        "NLL loss on log-softmax outputs equals cross-entropy on the logits: on 1,000 random examples the two "
        "agree to 1e-12, and both equal minus the log of the softmax probability of the right class.",
    ),
    ClaimSpec(
        "temperature-sharpens-or-flattens",
        ("softmax",),
        "Softmax with temperature 0.05 puts over 99.9% on the largest logit, and with temperature 100 its entropy "
        "is within 1% of the uniform distribution's (ln 10).",
    ),
    ClaimSpec(
        "svm-head-close-to-softmax",
        ("svm-classifier-head", "softmax"),
        "A linear SVM head (multi-class hinge) scores within 4 points of a linear softmax head on the same pixel "
        "features, and within 4 points of scikit-learn's LinearSVC on them: the notes' SVM in place of the FC "
        "classifier works about as well.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    import math

    import numpy as np

    from demos.train.losses import (
        confidence_sweep,
        heads_on_features,
        nll_vs_cross_entropy,
        softmax,
        temperature_table,
        train_with_loss,
    )

    sweep = confidence_sweep(np.array([8.0]))
    ce_g, mse_g = sweep["cross_entropy"][0], sweep["mse"][0]

    kw = {"seed": ctx.seed, "device": ctx.device, "eval_every": 10 if ctx.full else 20}
    ce = train_with_loss("cross_entropy", 0.3, 300, **kw)  # type: ignore[arg-type]
    mse = train_with_loss("mse", 0.3, 300, **kw)  # type: ignore[arg-type]
    mse_rates = (1.0, 3.0) if not ctx.full else (1.0, 3.0, 10.0, 30.0)
    mse_runs = [mse] + [train_with_loss("mse", lr, 300, **kw) for lr in mse_rates]  # type: ignore[arg-type]
    trained = [r.lr for r in mse_runs if r.steps_to_target >= 0]

    nll = nll_vs_cross_entropy(seed=ctx.seed)
    z = np.array([2.0, 1.0, 0.5, 0.1, -0.3, -1.0, 0.0, 0.7, -2.0, 1.5])
    table = temperature_table(z.tolist(), [0.05, 100.0])
    cold = max(table["probs"][0])
    hot_entropy = table["entropy"][1]
    heads = heads_on_features(seed=ctx.seed)
    return {
        "confident-wrong-answers-silence-mse": outcome(
            ce_g > 1000 * mse_g,
            p_right=round(sweep["p_right"][0], 6),
            grad_norm_cross_entropy=round(ce_g, 4),
            grad_norm_mse=mse_g,
            ratio=round(ce_g / mse_g, 1),
        ),
        "cross-entropy-trains-faster": outcome(
            ce.steps_to_target >= 0 and mse.steps_to_target < 0 and bool(trained) and min(trained) >= 3.0,
            steps_cross_entropy=ce.steps_to_target if ce.steps_to_target >= 0 else None,  # None: never reached
            steps_mse=mse.steps_to_target if mse.steps_to_target >= 0 else None,
            mse_rates_that_train=trained,
            mse_rates_tried=[0.3, *mse_rates],
            eval_every=kw["eval_every"],
        ),
        "nll-of-log-softmax-is-cross-entropy": outcome(
            nll["max_abs_diff_nll_ce"] < 1e-12 and nll["max_abs_diff_by_hand"] < 1e-12, **nll
        ),
        "temperature-sharpens-or-flattens": outcome(
            cold > 0.999 and abs(hot_entropy - math.log(10)) < 0.01 * math.log(10),
            top_probability_t_0_05=round(cold, 6),
            entropy_t_100=round(hot_entropy, 5),
            uniform_entropy=round(math.log(10), 5),
            check=float(softmax(z).sum()),
        ),
        "svm-head-close-to-softmax": outcome(
            abs(heads["svm"] - heads["softmax"]) <= 0.04 and abs(heads["svm"] - heads["sklearn_linear_svc"]) <= 0.04,
            **{k: round(v, 4) for k, v in heads.items()},
        ),
    }
