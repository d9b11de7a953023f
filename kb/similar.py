"""Similar cards: meaning (the cosine of the cards' mean passage vectors) combined with what the content says
about a card — its tags, its post and section, and the curated related links of both cards.

Meaning alone sends learners sideways (Dropout -> FCN upsampling, NMS -> triplet loss): two cards can share
wording without sharing a topic. The curated signals pull a card's own family up. ``bench/similar_eval.py``
measures precision of the top 3 on a judged set (``bench/similar_judged.yaml``), where the weights below were
chosen by a small grid search (the set is split in halves to show they are not fitted to one half only).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kb.cards import Card
from kb.search import SemanticIndex


@dataclass(frozen=True)
class Weights:
    """How much each signal adds to the cosine (which lies in [-1, 1], in practice 0.2 to 0.8 between cards)."""

    tags: float = 0.3  # times the tag overlap, each tag weighted by its rarity (idf): "cnn" is on 39 cards
    link: float = 0.1  # either card lists the other as related
    shared_links: float = 0.5  # times the Jaccard overlap of their link neighbourhoods (links both ways, and self)


DEFAULT = Weights()


def _idf(cards: Mapping[str, Card]) -> dict[str, float]:
    df = Counter(t for c in cards.values() for t in c.tags)
    return {t: math.log(len(cards) / n) for t, n in df.items()}


def _neighbourhoods(cards: Mapping[str, Card]) -> dict[str, set[str]]:
    """Each card with the cards it links to and the cards that link to it."""
    out = {cid: {cid, *c.related} for cid, c in cards.items()}
    for cid, card in cards.items():
        for other in card.related:
            out.setdefault(other, {other}).add(cid)
    return out


class Ranker:
    """Similar cards for one set of cards; the tag weights and link neighbourhoods are worked out once."""

    def __init__(
        self,
        cards: Mapping[str, Card],
        cosine: Callable[[str], Mapping[str, float]],
        weights: Weights = DEFAULT,
    ) -> None:
        self.cards, self.cosine, self.weights = cards, cosine, weights
        self._idf, self._near = _idf(cards), _neighbourhoods(cards)

    def scores(self, card_id: str) -> dict[str, float]:
        """{other card id: cosine (0 without an index) plus the weighted curated signals} for every other card."""
        card = self.cards[card_id]
        cos, idf, w = self.cosine(card_id), self._idf, self.weights
        mine = self._near.get(card_id, {card_id})
        out = {}
        for other in self.cards.values():
            if other.id == card_id:
                continue
            union = sum(idf[t] for t in set(card.tags) | set(other.tags))
            tags = sum(idf[t] for t in set(card.tags) & set(other.tags)) / union if union else 0.0
            theirs = self._near.get(other.id, {other.id})
            out[other.id] = (
                cos.get(other.id, 0.0)
                + w.tags * tags
                + w.link * (other.id in mine)
                + w.shared_links * len(mine & theirs) / len(mine | theirs)
            )
        return out

    def similar(self, card_id: str, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` cards most similar to ``card_id``, best first (ties by id)."""
        if card_id not in self.cards:
            return []
        return sorted(self.scores(card_id).items(), key=lambda kv: (-kv[1], kv[0]))[:k]


def cosine_from(index: SemanticIndex | None, n: int) -> Callable[[str], dict[str, float]]:
    """Meaning similarity from a search index's card vectors (nothing when there is no index)."""

    def cosine(card_id: str) -> dict[str, float]:
        return dict(index.similar(card_id, n)) if index is not None and len(index) else {}

    return cosine
