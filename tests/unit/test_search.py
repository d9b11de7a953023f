"""Search logic with a deterministic fake embedder (no model load): index upkeep, both rankers, fusion,
filters, query checks, snippets and highlighting."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from db import fts
from db.engine import make_engine
from db.models import ChunkEmbeddingRow
from db.sync import sync_content
from kb.cards import load_content
from kb.embed import HashingEmbedder
from kb.search import (
    MAX_QUERY_CHARS,
    QueryError,
    SemanticIndex,
    card_chunks,
    clean_query,
    convex,
    highlight,
    prune_index,
    rrf,
    search,
    update_index,
)
from tests.conftest import REAL_CONTENT, ROOT

LOADED = load_content(REAL_CONTENT)
CARDS = {c.id: c for c in LOADED.cards}
FAKE = HashingEmbedder()


@pytest.fixture
def engine(engine_url: str) -> Iterator[Engine]:
    eng = make_engine(engine_url)
    with Session(eng) as session:
        sync_content(LOADED, session=session)
        update_index(LOADED.cards, FAKE, session=session)
    yield eng
    eng.dispose()


def run(engine: Engine, query: str, **kwargs) -> list[str]:
    with Session(engine) as session:
        index = SemanticIndex.load(FAKE.name, session=session)
        result = search(query, cards=CARDS, session=session, index=index, embedder=FAKE, **kwargs)
    return [h.id for h in result.hits]


# ------------------------------------------------------------------------------------------- the index


def test_every_card_is_indexed_once_per_passage(engine) -> None:
    with Session(engine) as session:
        rows = session.exec(select(ChunkEmbeddingRow)).all()
    assert len(rows) == sum(len(card_chunks(c)) for c in LOADED.cards)
    assert {r.card_id for r in rows} == set(CARDS)
    vec = np.frombuffer(rows[0].vector, dtype=np.float32)
    assert vec.shape == (FAKE.dim,) and abs(float(vec @ vec) - 1.0) < 1e-5


def test_an_update_embeds_only_what_changed(engine, real_content_copy) -> None:
    card = real_content_copy / "day-172" / "dropout.md"
    card.write_text(card.read_text().replace("## Explained\n", "## Explained\nA new opening sentence. "))
    loaded = load_content(real_content_copy)
    with Session(engine) as session:
        sync_content(loaded, session=session)
        report = update_index(loaded.cards, FAKE, session=session)
        again = update_index(loaded.cards, FAKE, session=session)
    # only the new sentence is new text; the other 1,200+ passages are reused
    assert report.embedded == 1 and report.removed == 0 and report.kept > 1000
    assert again.embedded == 0 and again.removed == 0


def test_deleted_cards_and_other_models_lose_their_vectors(engine) -> None:
    remaining = [c for c in LOADED.cards if c.id != "yolo"]
    with Session(engine) as session:
        report = update_index(remaining, FAKE, session=session)
        assert report.removed == len(card_chunks(CARDS["yolo"]))
        other = HashingEmbedder(dim=64)
        update_index(remaining, other, session=session)
        models = set(session.exec(select(ChunkEmbeddingRow.model)))
    assert models == {other.name}


def test_pruning_needs_no_model_and_removes_only_stale_vectors(engine) -> None:
    remaining = [c for c in LOADED.cards if c.id != "ssd"]
    with Session(engine) as session:
        assert prune_index(remaining, FAKE.name, session=session) == len(card_chunks(CARDS["ssd"]))
        assert prune_index(remaining, FAKE.name, session=session) == 0
        assert "ssd" not in set(session.exec(select(ChunkEmbeddingRow.card_id)))


# ------------------------------------------------------------------------------------------- rankers


@pytest.mark.parametrize(
    ("query", "card"), [("im2col", "im2col"), ("C3D", "c3d"), ("nngraph", "torch-modules-nngraph")]
)
def test_keyword_mode_finds_exact_terms_first(engine, query: str, card: str) -> None:
    assert run(engine, query, mode="keyword")[0] == card


def test_semantic_mode_ranks_by_passage_similarity(engine) -> None:
    bullet = CARDS["optical-flow"].note_bullets[2]
    assert run(engine, bullet, mode="semantic")[0] == "optical-flow"


def test_hybrid_fuses_both_lists(engine) -> None:
    with Session(engine) as session:
        index = SemanticIndex.load(FAKE.name, session=session)
        q = "non-max suppression overlapping boxes"
        hybrid = {h.id: h for h in search(q, cards=CARDS, session=session, index=index, embedder=FAKE).hits}
    top = next(iter(hybrid.values()))
    assert top.id == "non-max-suppression"
    assert top.semantic is not None and top.keyword is not None


def test_filters_restrict_results(engine) -> None:
    allowed = {c.id for c in LOADED.cards if c.post_slug == "day-173"}
    ids = run(engine, "optimiser with momentum", allowed=allowed, k=10)
    assert ids and set(ids) <= allowed


def test_rrf_and_convex_arithmetic() -> None:
    scores = rrf([["a", "b"], ["b", "c"]], k=60)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["a"] == pytest.approx(1 / 61) and scores["c"] == pytest.approx(1 / 62)
    assert max(scores, key=scores.get) == "b"
    mixed = convex({"a": 0.8, "b": 0.2}, {"b": 10.0, "c": 5.0}, alpha=0.5)
    assert mixed == pytest.approx({"a": 0.4, "b": 0.6, "c": 0.25})


def test_bad_arguments_are_refused(engine) -> None:
    with pytest.raises(ValueError, match="mode"):
        run(engine, "x", mode="fuzzy")
    with pytest.raises(ValueError, match="k must be"):
        run(engine, "x", k=0)


# ------------------------------------------------------------------------------------------- queries


@pytest.mark.parametrize("empty", ["", "   ", "\n\t"])
def test_empty_query_is_refused_with_advice(engine, empty: str) -> None:
    with pytest.raises(QueryError, match="Type a question"):
        run(engine, empty)


def test_long_query_is_cut_with_a_notice() -> None:
    query, notice = clean_query("dropout " * 200)
    assert len(query) <= MAX_QUERY_CHARS and notice and "1599 characters" in notice


def test_fts_syntax_in_a_query_is_literal(engine) -> None:
    for query in ['NEAR("a" b)', 'dropout" OR "x', "col:value*", "((", "-"]:
        run(engine, query, mode="keyword")  # must not raise an FTS syntax error
    assert fts.query_terms('What is the "im2col" trick?') == ["im2col", "trick"]


def test_highlight_marks_query_words_and_escapes_markup() -> None:
    text = "Dropout [link](javascript:x) <b>reduces</b> *overfitting*."
    out = highlight(text, ["overfit", "dropout"])
    assert "**:violet-background[Dropout]**" in out and "**:violet-background[overfitting]**" in out
    assert "[link](" not in out and "<b>" not in out


def test_snippet_is_the_best_matching_passage(engine) -> None:
    with Session(engine) as session:
        index = SemanticIndex.load(FAKE.name, session=session)
        hit = search(
            "im2col memory overhead", cards=CARDS, session=session, index=index, embedder=FAKE, mode="keyword"
        ).hits[0]
    assert hit.id == "im2col" and "memory" in hit.snippet.lower()


def test_similar_cards_exclude_the_card_itself(engine) -> None:
    with Session(engine) as session:
        index = SemanticIndex.load(FAKE.name, session=session)
    similar = index.similar("adagrad", 5)
    assert len(similar) == 5 and "adagrad" not in {i for i, _ in similar}
    assert [s for _, s in similar] == sorted((s for _, s in similar), reverse=True)


def test_fts_follows_the_sync(engine, real_content_copy) -> None:
    card = real_content_copy / "day-172" / "yolo.md"
    card.write_text(card.read_text().replace("## Explained\n", "## Explained\nZebrafinch is a marker word. "))
    (real_content_copy / "day-172" / "ssd.md").unlink()
    with Session(engine) as session:
        sync_content(load_content(real_content_copy), session=session)
        assert [c for c, _ in fts.search(session, "zebrafinch")] == ["yolo"]
        assert "ssd" not in fts.row_ids(session)


# ------------------------------------------------------------------------------------------- CLI


def test_cli_keyword_search_prints_json(db_url) -> None:
    env = {"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"}
    sync = subprocess.run(
        [sys.executable, "-m", "db", "sync", "--no-embed"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert sync.returncode == 0, sync.stderr
    done = subprocess.run(
        [sys.executable, "-m", "kb", "search", "im2col", "--k", "3", "--mode", "keyword", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)
    assert hits[0]["id"] == "im2col" and set(hits[0]) == {"id", "title", "tags", "score", "snippet"}
    stdin = subprocess.run(
        [sys.executable, "-m", "kb", "search", "--mode", "keyword", "--k", "2"],
        cwd=ROOT,
        env=env,
        input="C3D\n\nnngraph\n",
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [json.loads(line) for line in stdin.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["C3D", "nngraph"]
    assert lines[0]["results"][0]["id"] == "c3d" and len(lines[1]["results"]) <= 2
    empty = subprocess.run(
        [sys.executable, "-m", "kb", "search", "  ", "--mode", "keyword"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert empty.returncode == 2 and "Type a question" in empty.stderr


def test_answers_are_not_blocked_while_changed_passages_are_embedded(tmp_path, monkeypatch) -> None:
    """The model runs outside any transaction: an answer stored meanwhile (SQLite, one writer) does not wait."""
    import dataclasses
    import datetime as dt

    import fsrs

    from kb.quiz import get_or_create_learner, record_review
    from tests.conftest import ENGINE

    url = f"sqlite:///{tmp_path / 'lock.db'}" if ENGINE == "sqlite" else None
    if url is None:
        pytest.skip("SQLite's single writer is what this is about; PostgreSQL locks rows")
    engine = make_engine(url)
    with Session(engine) as session:
        sync_content(LOADED, session=session)
        update_index(LOADED.cards, FAKE, session=session)
        learner = get_or_create_learner("Ada", session=session)
    edited = [dataclasses.replace(c, title=c.title + " (edited)") if i < 20 else c for i, c in enumerate(LOADED.cards)]
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT_MS", "300")
    other = make_engine(url)
    stored: list[int] = []

    class AnsweringEmbedder(HashingEmbedder):
        def encode(self, texts):  # type: ignore[no-untyped-def]
            with Session(other) as s:  # a learner answers while the model works
                record_review(learner, "yolo:1", "yolo", fsrs.Rating.Good, dt.datetime.now(dt.UTC), session=s)
            stored.append(1)
            return super().encode(texts)

    with Session(engine) as session:
        report = update_index(edited, AnsweringEmbedder(), session=session)
    assert stored and report.embedded == report.removed > 20  # every passage of the 20 cards changed
    other.dispose()
    engine.dispose()
