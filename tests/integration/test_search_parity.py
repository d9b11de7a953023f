"""With the real model, PostgreSQL answers the evaluation questions exactly as SQLite does: the passage
vectors it stores are the same bytes, and hybrid search returns the same ten cards in the same order with the
same scores for every question of bench/search_questions.yaml."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from sqlmodel import Session, select

from db.engine import make_engine
from db.models import ChunkEmbeddingRow
from db.queries import list_cards
from db.sync import sync_content
from kb.cards import load_content
from kb.metrics import hit_at_k
from kb.search import SemanticIndex, search, update_index
from tests.conftest import REAL_CONTENT, ROOT, needs_postgres, postgres_schema

pytestmark = needs_postgres
QUESTIONS = yaml.safe_load((ROOT / "bench" / "search_questions.yaml").read_text())


@pytest.fixture(scope="module")
def both(indexed_db, minilm):
    embedder = minilm
    lite = make_engine(f"sqlite:///{indexed_db}")
    with postgres_schema() as url:
        pg = make_engine(url)
        with Session(pg) as session:
            sync_content(load_content(REAL_CONTENT), session=session)
            update_index(list_cards(session=session), embedder, session=session)  # embedded again, stored as bytea
        yield embedder, {"sqlite": lite, "postgresql": pg}
        pg.dispose()
    lite.dispose()


class SameQueryVectors:
    """The real embedder, encoding each query once for both engines (the passages are embedded per engine)."""

    def __init__(self, embedder) -> None:
        self._embedder, self.name, self.dim = embedder, embedder.name, embedder.dim
        self._seen: dict[tuple[str, ...], np.ndarray] = {}

    def encode(self, texts):
        key = tuple(texts)
        if key not in self._seen:
            self._seen[key] = self._embedder.encode(texts)
        return self._seen[key]


def vectors(engine) -> dict[str, bytes]:
    with Session(engine) as session:
        return dict(session.exec(select(ChunkEmbeddingRow.text_hash, ChunkEmbeddingRow.vector)).all())


def ranker(embedder, engine):
    with Session(engine) as session:
        cards = {c.id: c for c in list_cards(session=session)}
        index = SemanticIndex.load(embedder.name, session=session)

    def ranked(query: str) -> list[tuple[str, float]]:
        with Session(engine) as session:
            hits = search(query, cards=cards, session=session, index=index, embedder=embedder, k=10).hits
        return [(h.id, h.score) for h in hits]

    return ranked


def test_the_stored_vectors_are_the_same_bytes(both) -> None:
    _, engines = both
    lite, pg = vectors(engines["sqlite"]), vectors(engines["postgresql"])
    assert len(lite) > 1000 and pg == lite


def test_hybrid_search_gives_the_same_results_on_the_evaluation_set(both) -> None:
    embedder, engines = both
    embedder = SameQueryVectors(embedder)
    rankers = {name: ranker(embedder, engine) for name, engine in engines.items()}
    hits = {"sqlite": 0, "postgresql": 0}
    for q in QUESTIONS:
        results = {name: rank(q["query"]) for name, rank in rankers.items()}
        assert results["postgresql"] == results["sqlite"], q["query"]
        for name, result in results.items():
            hits[name] += hit_at_k([c for c, _ in result], q["relevant"], 5)
    assert hits["postgresql"] == hits["sqlite"] >= 0.9 * len(QUESTIONS)
