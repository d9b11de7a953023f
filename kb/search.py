"""Hybrid search over the cards: MiniLM embeddings (semantic) fused with SQLite FTS5 BM25 (keyword).

The semantic index embeds each card as several passages (its title, each note bullet and each sentence of its
explanation); a card scores as its best passage, and that bullet or sentence is the snippet shown. Vectors
live in the database, keyed by a hash of model and text, so an update embeds only what changed. Fusion is
reciprocal rank fusion by default; a convex combination is available for comparison.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from sqlmodel import Session, col, delete, select

from db import fts
from db.engine import begin_write
from db.models import CardRow, ChunkEmbeddingRow
from kb.cards import Card
from kb.embed import Embedder

Mode = Literal["hybrid", "semantic", "keyword"]
MODES: tuple[Mode, ...] = ("hybrid", "semantic", "keyword")
Fusion = Literal["rrf", "convex"]

MAX_QUERY_CHARS = 300  # the model reads about 256 word pieces; longer queries are cut with a notice
RRF_K = 60  # Cormack et al. 2009
CONVEX_ALPHA = 0.7  # weight of the semantic score in the convex combination
CANDIDATES = 50  # how deep each ranker's list goes into the fusion
WEAK_COSINE = 0.33  # best-passage cosine below which nothing is related (eval questions: >= 0.36; junk: <= 0.32)
WEAK_COVERAGE = 0.5  # ... unless the top keyword hit contains at least this share of the query's words
PASSAGE_KINDS = ("note", "explained")
DEFAULT_RANK_KINDS = ("title", "note", "explained")  # chosen on bench/search_eval.py (see README)


class QueryError(ValueError):
    """A query that cannot be searched; the message says what to do."""


@dataclass(frozen=True)
class Chunk:
    card_id: str
    position: int
    kind: str
    text: str


def _plain(markdown: str) -> str:
    text = re.sub(r"`([^`]*)`", r"\1", markdown)
    text = re.sub(r"^\s*[-*]\s+", "", text, flags=re.M)
    return " ".join(text.split())


def split_sentences(text: str) -> list[str]:
    masked = re.sub(r"\b(e\.g|i\.e|et al|vs|etc|cf)\.", lambda m: m.group(0).replace(".", "\0"), text)
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", " ".join(masked.split()))
    return [p.replace("\0", ".").strip() for p in parts if p.strip()]


def card_chunks(card: Card) -> list[Chunk]:
    """The passages of a card that get embedded, each prefixed with the card's title for context."""
    texts: list[tuple[str, str]] = [("title", f"{card.title} ({card.section})")]
    texts += [("note", f"{card.title}: {_plain(b)}") for b in card.note_bullets if _plain(b)]
    texts += [("explained", f"{card.title}: {s}") for s in split_sentences(card.explained)]
    return [Chunk(card.id, i, kind, text) for i, (kind, text) in enumerate(texts)]


def text_hash(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()


# --------------------------------------------------------------------------------------------- the index


def _dot_rows(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """``matrix @ vector`` without BLAS: einsum's own single-threaded loop. A BLAS call would wake OpenBLAS's
    thread pool, whose idle threads then spin beside torch's on a small CPU (hybrid p95 went from 28 to 127 ms on
    two cores); limiting BLAS threads instead would change a setting of the whole server process."""
    return np.einsum("ij,j->i", matrix, vector)


@dataclass
class IndexReport:
    embedded: int = 0
    kept: int = 0
    removed: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"search index: {self.embedded} passages embedded, {self.kept} unchanged, {self.removed} removed "
            f"in {self.seconds:.1f} s"
        )


def missing_chunks(cards: Iterable[Card], model: str, *, session: Session) -> list[Chunk]:
    have = set(session.exec(select(ChunkEmbeddingRow.text_hash).where(ChunkEmbeddingRow.model == model)))
    return [c for card in cards for c in card_chunks(card) if text_hash(model, c.text) not in have]


def prune_index(cards: Iterable[Card], model: str, *, session: Session) -> int:
    """Delete vectors of other models and of passages no card has any more (no model needed). Returns count."""
    wanted = {text_hash(model, c.text) for card in cards for c in card_chunks(card)}
    rows = session.exec(select(ChunkEmbeddingRow.id, ChunkEmbeddingRow.text_hash, ChunkEmbeddingRow.model)).all()
    stale = [row_id for row_id, h, m in rows if m != model or h not in wanted]
    if stale:
        session.exec(delete(ChunkEmbeddingRow).where(ChunkEmbeddingRow.id.in_(stale)))  # type: ignore[union-attr]
        session.commit()
    return len(stale)


def update_index(cards: Sequence[Card], embedder: Embedder, *, session: Session, batch: int = 256) -> IndexReport:
    """Embed every passage whose (model, text) is not stored yet; drop passages no card has any more.

    The embedding runs outside any database transaction (it may take minutes for a big edit); the changes are
    then written in one short transaction, so learners' answers on SQLite never wait for the model."""
    start = time.perf_counter()
    report = IndexReport()
    wanted = {text_hash(embedder.name, c.text): c for card in cards for c in card_chunks(card)}
    stored = {
        h
        for h, model in session.exec(select(ChunkEmbeddingRow.text_hash, ChunkEmbeddingRow.model))
        if model == embedder.name
    }
    session.rollback()  # end the read: no transaction stays open while the model works
    have = stored & set(wanted)
    todo = sorted(((h, c) for h, c in wanted.items() if h not in have), key=lambda hc: len(hc[1].text))
    new_rows: list[ChunkEmbeddingRow] = []
    for i in range(0, len(todo), batch):
        part = todo[i : i + batch]
        vectors = embedder.encode([c.text for _, c in part])  # (n, D)
        for (h, c), vec in zip(part, vectors, strict=True):
            new_rows.append(
                ChunkEmbeddingRow(
                    card_id=c.card_id,
                    position=c.position,
                    kind=c.kind,
                    text=c.text,
                    model=embedder.name,
                    text_hash=h,
                    vector=vec.astype(np.float32).tobytes(),
                )
            )
    # The write: read again inside the transaction, so a passage another process stored meanwhile is kept once.
    begin_write(session)
    rows = session.exec(select(ChunkEmbeddingRow.id, ChunkEmbeddingRow.text_hash, ChunkEmbeddingRow.model)).all()
    stale = [row_id for row_id, h, model in rows if model != embedder.name or h not in wanted]
    if stale:
        session.exec(delete(ChunkEmbeddingRow).where(ChunkEmbeddingRow.id.in_(stale)))  # type: ignore[union-attr]
    present = {h for _, h, model in rows if model == embedder.name and h in wanted}
    live_cards = set(session.exec(select(CardRow.id)))
    session.add_all(r for r in new_rows if r.text_hash not in present and r.card_id in live_cards)
    session.commit()
    report.embedded, report.kept, report.removed = len(todo), len(have), len(stale)
    report.seconds = time.perf_counter() - start
    return report


def stored_model(*, session: Session) -> str | None:
    """The model whose vectors the database holds (the one with the most passages), if any."""
    from sqlalchemy import func

    row = session.exec(
        select(ChunkEmbeddingRow.model, func.count()).group_by(ChunkEmbeddingRow.model).order_by(func.count().desc())
    ).first()
    return row[0] if row else None


@dataclass
class SemanticIndex:
    """All passage vectors of one model in memory: a (C, D) matrix and, per row, its card, kind and text."""

    model: str
    card_ids: list[str]
    kinds: list[str]
    texts: list[str]
    vectors: np.ndarray  # (C, D) float32, unit rows
    _card_matrix: tuple[list[str], np.ndarray] | None = field(default=None, repr=False)

    @classmethod
    def load(cls, model: str, *, session: Session) -> SemanticIndex:
        rows = session.exec(
            select(ChunkEmbeddingRow.card_id, ChunkEmbeddingRow.kind, ChunkEmbeddingRow.text, ChunkEmbeddingRow.vector)
            .where(ChunkEmbeddingRow.model == model)
            .order_by(col(ChunkEmbeddingRow.card_id), col(ChunkEmbeddingRow.position))
        ).all()
        if not rows:
            return cls(model, [], [], [], np.zeros((0, 1), dtype=np.float32))
        vectors = np.stack([np.frombuffer(r[3], dtype=np.float32) for r in rows])  # (C, D)
        return cls(model, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], vectors)

    def __len__(self) -> int:
        return len(self.card_ids)

    def __post_init__(self) -> None:
        # Rows come grouped by card (load orders them so); remember where each card's rows start.
        order: list[str] = []
        starts: list[int] = []
        for i, cid in enumerate(self.card_ids):
            if not order or order[-1] != cid:
                order.append(cid)
                starts.append(i)
        self._order = order
        self._slot = {cid: n for n, cid in enumerate(order)}
        self._starts = np.asarray(starts, dtype=np.int64)  # (N,)
        self._ends = np.append(self._starts[1:], len(self.card_ids)).astype(np.int64)  # (N,)
        self._kinds = np.asarray(self.kinds)  # (C,)
        self._masks: dict[tuple[str, ...], np.ndarray] = {}

    def _kind_mask(self, kinds: Sequence[str]) -> np.ndarray:
        key = tuple(sorted(kinds))
        if key not in self._masks:
            self._masks[key] = np.isin(self._kinds, key)  # (C,) bool
        return self._masks[key]

    def card_scores(
        self,
        qvec: np.ndarray,
        kinds: Sequence[str] = DEFAULT_RANK_KINDS,
        allowed: set[str] | None = None,
        limit: int | None = None,
    ) -> dict[str, tuple[float, int]]:
        """{card_id: (best cosine over its passages of ``kinds``, row of that passage)} for the best ``limit``
        cards (all if None), vectorised: one matrix-vector product and one segmented max."""
        if not len(self):
            return {}
        sims = _dot_rows(self.vectors, qvec)  # (C,)
        masked = np.where(self._kind_mask(kinds), sims, -np.inf)  # (C,)
        best = np.maximum.reduceat(masked, self._starts)  # (N,) best passage per card
        if allowed is not None:
            keep = np.fromiter((cid in allowed for cid in self._order), dtype=bool, count=len(self._order))
            best = np.where(keep, best, -np.inf)
        n = len(best) if limit is None else min(limit, len(best))
        top = np.argpartition(-best, n - 1)[:n] if n < len(best) else np.arange(len(best))
        out: dict[str, tuple[float, int]] = {}
        for slot in top[np.argsort(-best[top])]:
            if not np.isfinite(best[slot]):
                continue
            lo, hi = int(self._starts[slot]), int(self._ends[slot])
            out[self._order[slot]] = (float(best[slot]), lo + int(np.argmax(masked[lo:hi])))
        return out

    def best_passage(self, card: Card, qvec: np.ndarray) -> str | None:
        """The note bullet or explanation sentence of ``card`` closest in meaning to the query."""
        slot = self._slot.get(card.id)
        if slot is None:
            return None
        lo, hi = int(self._starts[slot]), int(self._ends[slot])
        rows = [i for i in range(lo, hi) if self.kinds[i] in PASSAGE_KINDS]
        if not rows:
            return None
        sims = _dot_rows(self.vectors[rows], qvec)  # (P,)
        return self.texts[rows[int(np.argmax(sims))]].removeprefix(f"{card.title}: ")

    def similar(self, card_id: str, k: int = 5) -> list[tuple[str, float]]:
        """Nearest other cards by the mean of their passage vectors."""
        ids, matrix = self._cards()
        if card_id not in ids:
            return []
        sims = _dot_rows(matrix, matrix[ids.index(card_id)])  # (N,)
        order = [i for i in np.argsort(-sims) if ids[i] != card_id][:k]
        return [(ids[i], float(sims[i])) for i in order]

    def _cards(self) -> tuple[list[str], np.ndarray]:
        if self._card_matrix is None:
            sums: dict[str, np.ndarray] = {}
            for i, cid in enumerate(self.card_ids):
                sums[cid] = sums.get(cid, 0) + self.vectors[i]
            ids = sorted(sums)
            matrix = np.stack([sums[i] for i in ids]) if ids else np.zeros((0, 1), dtype=np.float32)
            matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
            self._card_matrix = (ids, matrix)
        return self._card_matrix


# --------------------------------------------------------------------------------------------- ranking


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    tags: tuple[str, ...]
    post_slug: str
    score: float
    snippet: str
    semantic: float | None = None  # best-passage cosine
    keyword: float | None = None  # BM25


@dataclass
class SearchResult:
    query: str
    mode: Mode
    hits: list[Hit]
    elapsed_ms: float
    notice: str | None = None  # e.g. the query was cut
    weak: bool = False  # nothing in the notes matches closely


_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_query(raw: str) -> tuple[str, str | None]:
    """Normalise white space; refuse an empty query; cut a very long one (and say so). Text that is not valid
    Unicode (lone surrogates, which is how Python carries invalid UTF-8 bytes from a command line) has them
    replaced with U+FFFD, and NUL with a space, so any bytes make a query the tokenizer can read."""
    text = _SURROGATES.sub("\ufffd", str(raw or ""))
    query = " ".join(text.replace("\x00", " ").split())
    if not query:
        raise QueryError("Type a question or a term to search for, e.g. “why do detectors output so many boxes?”")
    if len(query) > MAX_QUERY_CHARS:
        cut = query[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]
        return cut, (
            f"Your query was {len(query)} characters long; only the first {len(cut)} were used. "
            "A short question works best."
        )
    return query, None


def rrf(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> dict[str, float]:
    """Reciprocal rank fusion: score(d) = sum over rankings of 1 / (k + rank of d), rank starting at 1."""
    scores: dict[str, float] = defaultdict(float)
    for ranking in rankings:
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] += 1.0 / (k + rank)
    return dict(scores)


def convex(semantic: dict[str, float], keyword: dict[str, float], alpha: float = CONVEX_ALPHA) -> dict[str, float]:
    """alpha * cosine + (1 - alpha) * BM25 scaled to [0, 1] by the best BM25 of this query."""
    top = max(keyword.values(), default=0.0) or 1.0
    docs = set(semantic) | set(keyword)
    return {d: alpha * semantic.get(d, 0.0) + (1 - alpha) * keyword.get(d, 0.0) / top for d in docs}


_WORD = re.compile(r"[A-Za-z0-9]+")


def _stem(word: str) -> str:
    w = word.lower()
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            return w[: -len(suffix)]
    return w


def _key(word: str) -> str:
    """A crude matching key: the first six letters of the stem ("overfitting" and "overfit" agree)."""
    return _stem(word)[:6]


def _keys(text: str) -> frozenset[str]:
    return frozenset(_key(w) for w in _WORD.findall(text))


def highlight(text: str, terms: Iterable[str]) -> str:
    """Markdown with the query's words marked; the text itself is escaped so it cannot inject markup."""
    keys = {_key(t) for t in terms if len(t) >= 2}
    escaped = re.sub(r"([\\`*_{}\[\]()#+!|<>~:$-])", r"\\\1", text)

    def mark(m: re.Match[str]) -> str:
        word = m.group(0)
        return f"**:violet-background[{word}]**" if _key(word) in keys else word

    return _WORD.sub(mark, escaped)


@functools.lru_cache(maxsize=20_000)
def _passages(card: Card) -> tuple[tuple[str, frozenset[str]], ...]:
    texts = [_plain(b) for b in card.note_bullets] + split_sentences(card.explained)
    return tuple((t, _keys(t)) for t in texts)


@functools.lru_cache(maxsize=20_000)
def _card_keys(card: Card) -> frozenset[str]:
    return _keys(" ".join((card.title, card.notes, card.explained, " ".join(card.tags))))


def keyword_passage(card: Card, terms: Sequence[str]) -> str:
    """The bullet or sentence of a card that contains most of the query's words."""
    keys = {_key(t) for t in terms}
    passages = _passages(card)
    return max(passages, key=lambda p: len(keys & p[1]))[0] if passages else card.title


def term_coverage(card: Card, terms: Sequence[str]) -> float:
    """Share of the query's words (by crude stem) that occur anywhere in the card."""
    if not terms:
        return 0.0
    keys = _card_keys(card)
    return sum(_key(t) in keys for t in terms) / len(terms)


def search(
    query: str,
    *,
    cards: dict[str, Card],
    session: Session,
    index: SemanticIndex | None = None,
    embedder: Embedder | None = None,
    mode: Mode = "hybrid",
    k: int = 10,
    allowed: set[str] | None = None,
    fusion: Fusion = "rrf",
    rank_kinds: Sequence[str] = DEFAULT_RANK_KINDS,
    alpha: float = CONVEX_ALPHA,
) -> SearchResult:
    """Rank ``cards`` for ``query``. ``allowed`` restricts the results (post and tag filters)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    start = time.perf_counter()
    query, notice = clean_query(query)
    terms = fts.query_terms(query)

    sem: dict[str, tuple[float, int]] = {}
    qvec: np.ndarray | None = None
    if mode in ("hybrid", "semantic"):
        if index is None or embedder is None or not len(index):
            raise RuntimeError("the semantic index is empty: run 'python -m db sync' to build it")
        qvec = embedder.encode([query])[0]  # (D,)
        sem = index.card_scores(qvec, rank_kinds, allowed, limit=CANDIDATES)
    kw: dict[str, float] = {}
    if mode in ("hybrid", "keyword") and fts.supported(session):
        kw = {
            cid: s
            for cid, s in fts.search(session, query, limit=CANDIDATES * 4)
            if cid in cards and (allowed is None or cid in allowed)
        }

    sem_ranked = sorted(sem, key=lambda c: -sem[c][0])[:CANDIDATES]
    kw_ranked = sorted(kw, key=lambda c: -kw[c])[:CANDIDATES]
    if mode == "semantic":
        scores = {c: sem[c][0] for c in sem_ranked}
    elif mode == "keyword":
        scores = {c: kw[c] for c in kw_ranked}
    elif fusion == "rrf":
        scores = rrf([sem_ranked, kw_ranked])
    else:
        scores = convex({c: sem[c][0] for c in sem_ranked}, {c: kw[c] for c in kw_ranked}, alpha)
    ranked = sorted((c for c in scores if c in cards), key=lambda c: (-scores[c], c))[:k]

    hits = []
    for cid in ranked:
        card = cards[cid]
        passage = index.best_passage(card, qvec) if (index is not None and qvec is not None) else None
        if passage is None or (mode == "keyword") or (cid in kw and cid not in sem_ranked[:k]):
            passage = keyword_passage(card, terms) if terms else passage
        hits.append(
            Hit(
                id=cid,
                title=card.title,
                tags=card.tags,
                post_slug=card.post_slug,
                score=scores[cid],
                snippet=passage or card.title,
                semantic=sem[cid][0] if cid in sem else None,
                keyword=kw.get(cid),
            )
        )
    best_cos = max((v[0] for v in sem.values()), default=0.0)
    top_kw = max(kw, key=lambda c: kw[c], default=None)
    coverage = term_coverage(cards[top_kw], terms) if top_kw else 0.0
    if mode == "keyword":
        weak = not kw
    else:
        weak = best_cos < WEAK_COSINE and coverage < WEAK_COVERAGE
    return SearchResult(
        query=query, mode=mode, hits=hits, elapsed_ms=(time.perf_counter() - start) * 1000, notice=notice, weak=weak
    )
