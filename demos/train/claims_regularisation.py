"""What the regularisation lab claims, and how it measures them (see demos/claims.py for the contract)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "unregularised-memorises-noise",
        ("l2-regularization", "dropout"),
        "Without regularisation the MLP fits at least 99% of its 500 training labels -- the fifth of them that "
        "are wrong included -- and scores at least 20 points lower on the test digits.",
    ),
    ClaimSpec(
        "l1-zeroes-far-more-weights",
        ("l1-regularization", "l2-regularization"),
        "L1 leaves at least ten times as many weights near zero (|w| < 0.001) as L2, at a test accuracy within 3 "
        "points of L2's.",
    ),
    ClaimSpec(
        "dropout-generalises-best",
        ("dropout",),
        "Dropout (p = 0.5) gives the best test accuracy of the five, at least 3 points above no regularisation, and "
        "narrows the train-test gap by at least 5 points.",
    ),
    ClaimSpec(
        "dropconnect-helps-less-here",
        ("dropconnect", "dropout"),
        "DropConnect helps less than dropout here (lower test accuracy): this lab draws one weight mask per "
        "minibatch for speed, where Wan et al. draw one per example.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.train.regularise import METHODS, task, train_regularised

    data = task(device=ctx.device)
    epochs = 40 if ctx.full else 30
    runs = {m: train_regularised(data, METHODS[m], epochs, seed=ctx.seed, device=ctx.device) for m in METHODS}
    none, l1, l2, drop, dc = (runs[m] for m in ("none", "l1", "l2", "dropout", "dropconnect"))
    test = {m: r.test_acc for m, r in runs.items()}
    return {
        "unregularised-memorises-noise": outcome(
            none.train_acc >= 0.99 and none.gap >= 0.2, train_acc=none.train_acc, test_acc=none.test_acc, epochs=epochs
        ),
        "l1-zeroes-far-more-weights": outcome(
            l1.near_zero >= 10 * l2.near_zero and abs(l1.test_acc - l2.test_acc) <= 0.03,
            near_zero_l1=round(l1.near_zero, 4),
            near_zero_l2=round(l2.near_zero, 4),
            test_acc_l1=l1.test_acc,
            test_acc_l2=l2.test_acc,
        ),
        "dropout-generalises-best": outcome(
            max(test, key=lambda m: test[m]) == "dropout"
            and drop.test_acc >= none.test_acc + 0.03
            and drop.gap <= none.gap - 0.05,
            test_acc=test,
            gap_dropout=round(drop.gap, 4),
            gap_none=round(none.gap, 4),
        ),
        "dropconnect-helps-less-here": outcome(
            dc.test_acc < drop.test_acc, test_acc_dropconnect=dc.test_acc, test_acc_dropout=drop.test_acc
        ),
    }
