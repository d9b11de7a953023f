"""Precision of the top 3 "similar cards" on the judged set (bench/similar_judged.yaml), meaning alone against
meaning combined with tags and curated links (kb.similar). Prints JSON.

Two numbers per ranking: "ranking", the top 3 of the similarity itself; and "card_page", the top 3 the card
page shows in its "Similar cards" box, which leaves out the card's own related links (they have their own box),
so fewer judged cards are left to find there ("card_page_ceiling" is the best any ranking could score).
Needs the MiniLM vectors in the database:

    DATABASE_URL=sqlite:////tmp/x.db python -m db sync     # embeds every card (about a minute on 2 cores)
    DATABASE_URL=sqlite:////tmp/x.db python bench/similar_eval.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session

from db.engine import make_engine
from db.queries import list_cards
from kb.search import SemanticIndex, stored_model
from kb.similar import DEFAULT, Ranker, Weights

JUDGED = Path(__file__).with_name("similar_judged.yaml")
TOP = 3


def precision(ranked: dict[str, list[str]], judged: dict[str, list[str]]) -> float:
    hits = [sum(1 for c in ranked[q][:TOP] if c in judged[q]) / TOP for q in judged]
    return sum(hits) / len(hits)


def main() -> int:
    judged: dict[str, list[str]] = yaml.safe_load(JUDGED.read_text(encoding="utf-8"))
    with Session(make_engine()) as session:
        cards = {c.id: c for c in list_cards(session=session)}
        model = stored_model(session=session)
        if model is None:
            print("no vectors in the database: run 'python -m db sync' (with embedding) first", file=sys.stderr)
            return 1
        index = SemanticIndex.load(model, session=session)
    missing = sorted({q for q in judged if q not in cards} | {c for v in judged.values() for c in v if c not in cards})
    if missing:
        print(f"the judged set names unknown cards: {', '.join(missing)}", file=sys.stderr)
        return 1

    def cosine(card_id: str) -> dict[str, float]:
        return dict(index.similar(card_id, len(cards)))

    def ranking(card_id: str, weights: Weights | None) -> list[str]:
        if weights is None:
            return [c for c, _ in index.similar(card_id, len(cards))]
        return [c for c, _ in Ranker(cards, cosine, weights).similar(card_id, k=len(cards))]

    def report(weights: Weights | None) -> dict[str, float]:
        ranked = {q: ranking(q, weights) for q in judged}
        shown = {q: [c for c in r if c not in cards[q].related] for q, r in ranked.items()}
        halves = [dict(list(judged.items())[i::2]) for i in (0, 1)]
        return {
            "ranking": round(precision(ranked, judged), 3),
            "ranking_halves": [round(precision(ranked, h), 3) for h in halves],
            "card_page": round(precision(shown, judged), 3),
        }

    shown = {q: [c for c in ranking(q, DEFAULT) if c not in cards[q].related][:TOP] for q in judged}
    ceiling = sum(min(TOP, len([c for c in v if c not in cards[q].related])) / TOP for q, v in judged.items())
    print(
        json.dumps(
            {
                "judged_cards": len(judged),
                "model": model,
                "precision_at_3": {"meaning_only": report(None), "combined": report(DEFAULT)},
                "card_page_ceiling": round(ceiling / len(judged), 3),
                "weights": vars(DEFAULT),
                "card_page_off_topic": {
                    q: [c for c in v if c not in judged[q]]
                    for q, v in shown.items()
                    if any(c not in judged[q] for c in v)
                },
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
