"""SQLite (FTS5) and PostgreSQL (tsvector, GIN) give the same keyword and hybrid results, card for card and
score for score, on every question of the evaluation set bench/search_questions.yaml (fake embedder here;
tests/integration/test_search_parity.py does the same with the real model)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db import fts
from db.engine import make_engine
from db.sync import sync_content
from kb.cards import load_content
from kb.embed import HashingEmbedder
from kb.search import SemanticIndex, search, update_index
from tests.conftest import REAL_CONTENT, ROOT, needs_postgres, postgres_schema

pytestmark = needs_postgres

LOADED = load_content(REAL_CONTENT)
CARDS = {c.id: c for c in LOADED.cards}
FAKE = HashingEmbedder()
QUESTIONS = [q["query"] for q in yaml.safe_load((ROOT / "bench" / "search_questions.yaml").read_text())]
EXTRA = ["im2col", "C3D", "max+pool", "dropout-regularisation", "a++b", "GANs' training", "naïve Bayes", "zzzz"]


def build(url: str) -> Engine:
    engine = make_engine(url)
    with Session(engine) as session:
        sync_content(LOADED, session=session)
        update_index(LOADED.cards, FAKE, session=session)
    return engine


@pytest.fixture(scope="module")
def engines() -> Iterator[dict[str, Engine]]:
    with postgres_schema() as url:
        pair = {"sqlite": build("sqlite://"), "postgresql": build(url)}
        yield pair
        for engine in pair.values():
            engine.dispose()


def keyword(engine: Engine, query: str) -> list[tuple[str, float]]:
    with Session(engine) as session:
        return fts.search(session, query, limit=200)


def hybrid(engine: Engine, query: str, **kwargs) -> list[tuple[str, float]]:
    with Session(engine) as session:
        index = SemanticIndex.load(FAKE.name, session=session)
        result = search(query, cards=CARDS, session=session, index=index, embedder=FAKE, k=10, **kwargs)
    return [(h.id, h.score) for h in result.hits]


@pytest.mark.parametrize("query", QUESTIONS + EXTRA)
def test_keyword_search_is_identical(engines, query: str) -> None:
    lite, pg = keyword(engines["sqlite"], query), keyword(engines["postgresql"], query)
    assert [c for c, _ in pg] == [c for c, _ in lite]
    assert [s for _, s in pg] == pytest.approx([s for _, s in lite], rel=1e-12)


def test_hybrid_search_is_identical_on_the_evaluation_set(engines) -> None:
    for query in QUESTIONS:
        for mode in ("hybrid", "keyword"):
            assert hybrid(engines["postgresql"], query, mode=mode) == hybrid(engines["sqlite"], query, mode=mode)


def test_filters_and_the_index_follow_edits_on_postgres(engines, real_content_copy) -> None:
    allowed = {c.id for c in LOADED.cards if c.post_slug == "day-173"}
    assert hybrid(engines["postgresql"], "optimiser with momentum", allowed=allowed) == hybrid(
        engines["sqlite"], "optimiser with momentum", allowed=allowed
    )
    card = real_content_copy / "day-172" / "yolo.md"
    card.write_text(card.read_text().replace("## Explained\n", "## Explained\nZebrafinch is a marker word. "))
    (real_content_copy / "day-172" / "ssd.md").unlink()
    with postgres_schema() as url:
        engine = make_engine(url)
        with Session(engine) as session:
            sync_content(LOADED, session=session)
            sync_content(load_content(real_content_copy), session=session)
            assert [c for c, _ in fts.search(session, "zebrafinch")] == ["yolo"]
            assert "ssd" not in fts.row_ids(session) and len(fts.row_ids(session)) == len(LOADED.cards) - 1
        engine.dispose()
