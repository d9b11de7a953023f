"""What the synchronous-vs-asynchronous lab claims, and how it measures them (see demos/claims.py)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "small-staleness-is-cheap",
        ("sync-async-training",),
        "Gradients two updates stale cost little: at learning rate 0.1, asynchronous SGD reaches training loss 1.0 "
        "within 1.5 times the updates synchronous SGD needs.",
    ),
    ClaimSpec(
        "large-staleness-breaks-training",
        ("sync-async-training", "stochastic-gradient-descent"),
        "Gradients 16 updates stale break training at the same learning rate: the loss never reaches 1.0 in 400 "
        "updates (or the run diverges), where synchronous SGD gets there within 150.",
    ),
    ClaimSpec(
        "smaller-rate-tolerates-staleness",
        ("sync-async-training", "learning-rate"),
        "A smaller learning rate tolerates the staleness: at 0.02, 16-stale SGD never diverges and lowers the loss "
        "by at least a third in 400 updates, at the price of speed.",
    ),
)


def _reached(updates: int) -> int | None:
    """The update count as recorded: None (JSON null) where the loss never got there (``updates_to`` gives -1)."""
    return updates if updates >= 0 else None


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.optim.sync import stale_sgd, updates_to
    from demos.train.core import mnist

    data = mnist(device=ctx.device)
    kw = {"seed": ctx.seed, "every": 10 if ctx.full else 20, "device": ctx.device}
    sync = stale_sgd(data, 0, 0.1, 400, **kw)  # type: ignore[arg-type]
    two = stale_sgd(data, 2, 0.1, 400, **kw)  # type: ignore[arg-type]
    sixteen = stale_sgd(data, 16, 0.1, 400, **kw)  # type: ignore[arg-type]
    slow = stale_sgd(data, 16, 0.02, 400, **kw)  # type: ignore[arg-type]
    n_sync, n_two, n_16 = updates_to(sync, 1.0), updates_to(two, 1.0), updates_to(sixteen, 1.0)
    return {
        "small-staleness-is-cheap": outcome(
            n_sync > 0 and 0 < n_two <= 1.5 * n_sync,
            updates_sync=_reached(n_sync),
            updates_stale_2=_reached(n_two),
            lr=0.1,
        ),
        "large-staleness-breaks-training": outcome(
            0 < n_sync <= 150 and n_16 < 0,
            updates_sync=_reached(n_sync),
            updates_stale_16=_reached(n_16),
            diverged=sixteen.diverged,
            final_loss_stale_16=sixteen.loss[-1],
        ),
        "smaller-rate-tolerates-staleness": outcome(
            not slow.diverged and slow.loss[-1] <= slow.loss[0] * 2 / 3,
            start_loss=slow.loss[0],
            final_loss=slow.loss[-1],
            diverged=slow.diverged,
            lr=0.02,
        ),
    }
