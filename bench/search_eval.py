"""Search quality on the project's own learner questions (bench/search_questions.yaml).

Builds a throwaway database from content/, embeds it, and reports Recall@5, Hit@5 and MRR@10 for each mode
(keyword, semantic, hybrid), for both fusions (reciprocal rank fusion and a convex combination at several
weights) and for several choices of which passages rank a card. Prints JSON.

    .venv/bin/python bench/search_eval.py [--fp32] [--by-kind]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session

from db.engine import make_engine
from db.sync import sync_content
from kb import search as ks
from kb.cards import load_content
from kb.embed import load_minilm
from kb.metrics import hit_at_k, recall_at_k, reciprocal_rank

QUESTIONS = Path(__file__).with_name("search_questions.yaml")


def evaluate(run, questions) -> dict[str, float]:
    recalls, hits, rrs = [], [], []
    for q in questions:
        ranked = run(q["query"])
        recalls.append(recall_at_k(ranked, q["relevant"], 5))
        hits.append(hit_at_k(ranked, q["relevant"], 5))
        rrs.append(reciprocal_rank(ranked, q["relevant"], 10))
    return {
        "recall@5": round(statistics.mean(recalls), 3),
        "hit@5": round(statistics.mean(hits), 3),
        "mrr@10": round(statistics.mean(rrs), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fp32", action="store_true", help="use the unquantised model (slower on CPU)")
    parser.add_argument("--by-kind", action="store_true", help="also compare which passages rank a card")
    args = parser.parse_args()
    questions = yaml.safe_load(QUESTIONS.read_text())
    loaded = load_content()
    cards = {c.id: c for c in loaded.cards}
    embedder = load_minilm(quantize=False) if args.fp32 else load_minilm()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/eval.db")
        with Session(engine) as session:
            sync_content(loaded, session=session)
            build = ks.update_index(loaded.cards, embedder, session=session)
            index = ks.SemanticIndex.load(embedder.name, session=session)

            def runner(mode, fusion="rrf", kinds=ks.DEFAULT_RANK_KINDS, alpha=ks.CONVEX_ALPHA):
                return lambda q: [
                    h.id
                    for h in ks.search(
                        q,
                        cards=cards,
                        session=session,
                        index=index,
                        embedder=embedder,
                        mode=mode,
                        k=10,
                        fusion=fusion,
                        rank_kinds=kinds,
                        alpha=alpha,
                    ).hits
                ]

            report: dict[str, object] = {
                "questions": len(questions),
                "model": embedder.name,
                "index_build_s": round(build.seconds, 1),
            }
            report["modes"] = {m: evaluate(runner(m), questions) for m in ks.MODES}
            fusions = {"rrf (k=60)": evaluate(runner("hybrid", "rrf"), questions)}
            for alpha in (0.3, 0.5, 0.7, 0.9):
                fusions[f"convex (alpha={alpha})"] = evaluate(runner("hybrid", "convex", alpha=alpha), questions)
            report["hybrid_fusions"] = fusions
            if args.by_kind:
                kinds = {
                    "title only": ("title",),
                    "note bullets only": ("note",),
                    "explanation sentences only": ("explained",),
                    "title + bullets + sentences (default)": ks.DEFAULT_RANK_KINDS,
                }
                report["semantic_by_passages"] = {
                    n: evaluate(runner("semantic", kinds=k), questions) for n, k in kinds.items()
                }
                report["hybrid_by_passages"] = {
                    n: evaluate(runner("hybrid", kinds=k), questions) for n, k in kinds.items()
                }
        engine.dispose()
    per_kind = {}
    for kind in ("paraphrase", "exact", "mixed"):
        subset = [q for q in questions if q.get("kind") == kind]
        if subset:
            per_kind[kind] = len(subset)
    report["questions_by_kind"] = per_kind
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
