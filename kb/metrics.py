"""Ranking metrics for the search evaluation."""

from __future__ import annotations

from collections.abc import Sequence


def recall_at_k(ranked: Sequence[str], relevant: Sequence[str], k: int) -> float:
    """Share of the relevant ids that appear in the first k results."""
    if not relevant:
        raise ValueError("a question needs at least one relevant id")
    top = set(ranked[:k])
    return sum(1 for r in set(relevant) if r in top) / len(set(relevant))


def hit_at_k(ranked: Sequence[str], relevant: Sequence[str], k: int) -> float:
    """1.0 if any relevant id is in the first k results."""
    return 1.0 if set(ranked[:k]) & set(relevant) else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: Sequence[str], k: int) -> float:
    """1 / rank of the first relevant id within the first k results (0 if none)."""
    for rank, doc in enumerate(ranked[:k], start=1):
        if doc in relevant:
            return 1.0 / rank
    return 0.0
