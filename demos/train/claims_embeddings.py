"""What the metric-learning lab claims, and how it measures them (see demos/claims.py for the contract)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "contrastive-embedding-retrieves",
        ("contrastive-loss",),
        "A 2-D embedding of MNIST trained for 600 steps with the contrastive loss finds a same-class nearest "
        "neighbour for at least 80% of 1,000 test digits (the untrained network: under 20%).",
    ),
    ClaimSpec(
        "triplet-embedding-retrieves",
        ("triplet-loss",),
        "The same network trained with the triplet loss also passes 80% recall@1 in two dimensions.",
    ),
    ClaimSpec(
        "two-numbers-near-784-pixels",
        ("contrastive-loss", "triplet-loss"),
        "With two numbers per digit, the better of the two embeddings retrieves within 10 points of nearest-"
        "neighbour search on all 784 raw pixels.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.train.core import mnist
    from demos.train.embed import recall_at_1, train_embedding

    data = mnist(device=ctx.device)
    steps = 600
    runs = {
        name: train_embedding(data, name, steps, seed=ctx.seed, snapshot_every=steps, device=ctx.device)[0]
        for name in ("contrastive", "triplet")
    }
    pixels = recall_at_1(data.x_test, data.y_test)
    untrained = runs["contrastive"].snapshots[0]["recall"]
    best = max(r.recall for r in runs.values())
    return {
        "contrastive-embedding-retrieves": outcome(
            runs["contrastive"].recall >= 0.8 and float(untrained) < 0.2,  # type: ignore[arg-type]
            recall_at_1=round(runs["contrastive"].recall, 4),
            untrained_recall_at_1=untrained,
            steps=steps,
        ),
        "triplet-embedding-retrieves": outcome(
            runs["triplet"].recall >= 0.8, recall_at_1=round(runs["triplet"].recall, 4), steps=steps
        ),
        "two-numbers-near-784-pixels": outcome(
            best >= pixels - 0.10, best_embedding_recall=round(best, 4), pixel_recall=round(pixels, 4)
        ),
    }
