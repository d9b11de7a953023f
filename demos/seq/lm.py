"""A character-level language model of these notes: a vanilla RNN, a GRU, an LSTM and a small Transformer.

The corpus is the text of the six posts (``data/notes.txt``, a copy of the source notes) followed by every card's
"Explained" section, assembled once by :func:`assemble_corpus` and saved as ``data/corpus.txt`` so that every
number measured on it can be reproduced while the cards keep changing. :func:`split` cuts the saved corpus into
blocks of ``BLOCK`` characters and holds out every ``VAL_EVERY``-th block for validation.

Shapes: B batch, T characters per window, V vocabulary size, E embedding size, H hidden size, D model width.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import torch
from torch import nn
from torch.nn import functional as F

from demos.common import generator, seeded

DATA = Path(__file__).resolve().parent / "data"
NOTES = DATA / "notes.txt"
CORPUS = DATA / "corpus.txt"
BLOCK = 1000  # characters per block of the train/validation split
VAL_EVERY = 10  # every 10th block is validation text (10 %)

Kind = Literal["rnn", "gru", "lstm", "transformer"]
KINDS: tuple[Kind, ...] = ("rnn", "gru", "lstm", "transformer")
KIND_NAMES = {"rnn": "Vanilla RNN", "gru": "GRU", "lstm": "LSTM", "transformer": "Transformer"}


# ------------------------------------------------------------------------------------------------ corpus


def assemble_corpus(notes: str, explanations: Sequence[tuple[str, str]]) -> str:
    """The notes, then each card's title and explanation (``(title, explained)`` pairs, in the order given),
    separated by blank lines."""
    parts = [notes.strip()] + [f"{title}\n{text.strip()}" for title, text in explanations]
    return "\n\n".join(parts) + "\n"


def corpus_from_content() -> str:
    """Assemble the corpus from the notes and the cards as they are now (cards sorted by id)."""
    from kb.cards import load_content

    cards = sorted(load_content().cards, key=lambda c: c.id)
    return assemble_corpus(NOTES.read_text(encoding="utf-8"), [(c.title, c.explained) for c in cards])


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_corpus(path: Path = CORPUS) -> str:
    return path.read_text(encoding="utf-8")


def split(text: str) -> tuple[str, str]:
    """(training text, validation text): every ``VAL_EVERY``-th block of ``BLOCK`` characters is validation."""
    blocks = [text[i : i + BLOCK] for i in range(0, len(text), BLOCK)]
    val = [b for i, b in enumerate(blocks) if i % VAL_EVERY == VAL_EVERY - 1]
    train = [b for i, b in enumerate(blocks) if i % VAL_EVERY != VAL_EVERY - 1]
    return "".join(train), "".join(val)


@dataclass(frozen=True)
class Vocab:
    chars: str  # every character the model knows, sorted; index = id

    @classmethod
    def of(cls, text: str) -> Vocab:
        return cls("".join(sorted(set(text))))

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> torch.Tensor:
        """``(len(text),)`` int64 ids; a character the vocabulary lacks raises ``ValueError`` naming it."""
        index = {c: i for i, c in enumerate(self.chars)}
        missing = sorted({c for c in text if c not in index})
        if missing:
            raise ValueError(f"characters not in the model's vocabulary: {''.join(missing)!r}")
        return torch.tensor([index[c] for c in text], dtype=torch.long)

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(self.chars[i] for i in ids)


# ------------------------------------------------------------------------------------------------ models


@dataclass(frozen=True)
class LMConfig:
    kind: Kind = "lstm"
    embed: int = 32  # E (recurrent models)
    hidden: int = 128  # H (recurrent models) or D (Transformer width)
    layers: int = 2  # Transformer blocks (recurrent models have one layer)
    heads: int = 4  # Transformer attention heads
    context: int = 128  # T: characters per training window (and the Transformer's longest context)
    dropout: float = 0.0  # on the recurrent output / Transformer residuals, from a private generator
    steps: int = 1500
    batch: int = 32
    lr: float = 3e-3  # Adam, cosine-decayed to 10 % over the run
    seed: int = 0

    def __post_init__(self) -> None:
        problems = []
        if self.kind not in KINDS:
            problems.append(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.kind == "transformer" and self.hidden % self.heads:
            problems.append(f"the Transformer's width {self.hidden} must be a multiple of its {self.heads} heads")
        if not 2 <= self.context <= 4096:
            problems.append(f"context must be between 2 and 4096, got {self.context}")
        if not 0 <= self.dropout < 1:
            problems.append(f"dropout must be in [0, 1), got {self.dropout}")
        if self.steps < 1 or self.batch < 1:
            problems.append("steps and batch must be at least 1")
        if problems:
            raise ValueError("; ".join(problems))


class CharRNN(nn.Module):
    """Embedding -> one recurrent layer (RNN with tanh, GRU or LSTM) -> linear read-out to the next character."""

    def __init__(self, kind: Kind, vocab: int, embed: int, hidden: int) -> None:
        super().__init__()
        self.kind = kind
        self.embed = nn.Embedding(vocab, embed)
        cells: dict[str, Callable[..., nn.RNNBase]] = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
        self.rnn = cells[kind](embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(
        self, x: torch.Tensor, state: object = None, return_hidden: bool = False
    ) -> tuple[torch.Tensor, object] | tuple[torch.Tensor, object, torch.Tensor]:
        """Logits ``(B, T, V)`` for the next character at every position of ``x (B, T)``, and the final state
        (to continue from); with ``return_hidden`` also the hidden states ``(B, T, H)``."""
        out, state = self.rnn(self.embed(x), state)  # (B, T, H)
        logits = self.head(out)  # (B, T, V)
        return (logits, state, out) if return_hidden else (logits, state)


class Block(nn.Module):
    """Pre-norm Transformer block: causal multi-head self-attention, then a 4x-wide MLP, each residual."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape  # (B, T, D)
        q, k, v = self.qkv(self.norm1(x)).split(d, dim=-1)  # 3 x (B, T, D)
        q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))  # (B, h, T, D/h)
        att = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, h, T, D/h)
        x = x + self.proj(att.transpose(1, 2).reshape(b, t, d))  # (B, T, D)
        return x + self.mlp(self.norm2(x))  # (B, T, D)


class CharTransformer(nn.Module):
    """A small decoder-only Transformer: token + learned position embeddings, ``layers`` causal blocks, a final
    LayerNorm and a linear read-out. It sees at most ``context`` characters."""

    def __init__(self, vocab: int, width: int, layers: int, heads: int, context: int) -> None:
        super().__init__()
        self.kind: Kind = "transformer"
        self.context = context
        self.embed = nn.Embedding(vocab, width)
        self.pos = nn.Embedding(context, width)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab)

    def forward(
        self, x: torch.Tensor, state: object = None, return_hidden: bool = False
    ) -> tuple[torch.Tensor, object] | tuple[torch.Tensor, object, torch.Tensor]:
        """Logits ``(B, T, V)`` for ``x (B, T)``, ``T <= context``. ``state`` is unused (kept for one interface)."""
        t = x.shape[1]
        if t > self.context:
            raise ValueError(f"the Transformer sees at most {self.context} characters, got {t}")
        h = self.embed(x) + self.pos(torch.arange(t, device=x.device))  # (B, T, D)
        for block in self.blocks:
            h = block(h)  # (B, T, D)
        h = self.norm(h)
        logits = self.head(h)  # (B, T, V)
        return (logits, None, h) if return_hidden else (logits, None)


LanguageModel = CharRNN | CharTransformer


def build(config: LMConfig, vocab: int) -> LanguageModel:
    with seeded(config.seed):
        if config.kind == "transformer":
            return CharTransformer(vocab, config.hidden, config.layers, config.heads, config.context)
        return CharRNN(config.kind, vocab, config.embed, config.hidden)


# ------------------------------------------------------------------------------------------------ training


@dataclass
class LMRun:
    config: LMConfig
    vocab: Vocab
    model: LanguageModel
    losses: list[tuple[int, float]] = field(default_factory=list)  # (step, mean training loss since last entry)
    val_losses: list[tuple[int, float]] = field(default_factory=list)  # (step, validation loss in nats/char)
    seconds: float = 0.0
    stopped: bool = False


def windows(ids: torch.Tensor, batch: int, context: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``batch`` random windows of ``ids``: inputs ``(B, T)`` and their next characters ``(B, T)``."""
    starts = torch.randint(0, len(ids) - context - 1, (batch,), generator=gen)  # (B,)
    offsets = torch.arange(context + 1)  # (T+1,)
    chunk = ids[starts[:, None] + offsets]  # (B, T+1)
    return chunk[:, :-1], chunk[:, 1:]


def _dropout(h: torch.Tensor, p: float, gen: torch.Generator | None) -> torch.Tensor:
    if p == 0 or gen is None:
        return h
    keep = (torch.rand(h.shape, generator=gen) >= p).to(h.device, h.dtype)  # masks from a private generator
    return h * keep / (1 - p)


def _logits(model: LanguageModel, x: torch.Tensor, p: float, gen: torch.Generator | None) -> torch.Tensor:
    if isinstance(model, CharRNN) and p > 0:
        out, _ = model.rnn(model.embed(x))  # (B, T, H)
        return model.head(_dropout(out, p, gen))  # (B, T, V)
    return model(x)[0]  # (B, T, V)


def train(
    config: LMConfig,
    text: str,
    device: torch.device,
    vocab: Vocab | None = None,
    val_text: str | None = None,
    eval_every: int = 250,
    on_step: Callable[[int, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> LMRun:
    """Train one model on ``text`` with teacher forcing on random windows; every ``eval_every`` steps measure
    the loss on ``val_text`` (when given). Data and dropout draw from private generators."""
    vocab = vocab or Vocab.of(text)
    ids = vocab.encode(text)
    if len(ids) <= config.context + 1:
        raise ValueError(f"the text ({len(ids)} characters) must be longer than the context ({config.context})")
    model = build(config, len(vocab)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(s, config.steps) / config.steps))
    )
    gen, drop_gen = generator(config.seed + 1), generator(config.seed + 2)
    run = LMRun(config, vocab, model)
    t0, running, count = time.perf_counter(), 0.0, 0
    for step in range(1, config.steps + 1):
        model.train()
        x, y = windows(ids, config.batch, config.context, gen)
        logits = _logits(model, x.to(device), config.dropout, drop_gen)  # (B, T, V)
        loss = F.cross_entropy(logits.reshape(-1, len(vocab)), y.to(device).reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        running, count = running + loss.item(), count + 1
        if step % 25 == 0 or step == config.steps:
            run.losses.append((step, round(running / count, 4)))
            if on_step is not None:
                on_step(step, running / count)
            running, count = 0.0, 0
        if val_text is not None and (step % eval_every == 0 or step == config.steps):
            run.val_losses.append((step, round(evaluate(model, vocab, val_text, device, config.context), 4)))
        if should_stop is not None and should_stop():
            run.stopped = True
            if count:  # the steps since the last entry
                run.losses.append((step, round(running / count, 4)))
            break
    model.eval()
    run.seconds = time.perf_counter() - t0
    return run


@torch.no_grad()
def evaluate(model: LanguageModel, vocab: Vocab, text: str, device: torch.device, window: int = 64) -> float:
    """Mean cross-entropy (nats per character) of predicting each character of ``text`` from the ones before it,
    over non-overlapping windows of ``window`` characters, every model from a fresh state in each window (so the
    recurrent models and the Transformer see the same context). Perplexity is ``exp`` of it."""
    was = model.training
    model.eval()
    ids = vocab.encode(text)
    n = (len(ids) - 1) // window
    x = ids[: n * window].view(n, window)  # (N, T)
    y = ids[1 : n * window + 1].view(n, window)  # (N, T)
    total = 0.0
    for i in range(0, n, 64):
        logits = model(x[i : i + 64].to(device))[0]  # (b, T, V)
        total += float(
            F.cross_entropy(logits.reshape(-1, len(vocab)), y[i : i + 64].to(device).reshape(-1), reduction="sum")
        )
    model.train(was)
    return total / (n * window)


def unigram_bigram_nats(train_text: str, val_text: str, vocab: Vocab) -> tuple[float, float]:
    """Baselines: validation cross-entropy of add-one-smoothed character unigram and bigram counts."""
    v = len(vocab)
    tr, va = vocab.encode(train_text), vocab.encode(val_text)
    uni = torch.bincount(tr, minlength=v).double() + 1  # (V,)
    uni_nats = float(-(uni / uni.sum()).log()[va].mean())
    big = torch.ones(v, v, dtype=torch.double)  # (V, V) add-one counts
    big.index_put_((tr[:-1], tr[1:]), torch.ones(len(tr) - 1, dtype=torch.double), accumulate=True)
    probs = big / big.sum(1, keepdim=True)
    big_nats = float(-probs[va[:-1], va[1:]].log().mean())
    return uni_nats, big_nats


# ------------------------------------------------------------------------------------------------ using a model


@torch.no_grad()
def sample(
    model: LanguageModel,
    vocab: Vocab,
    prompt: str,
    length: int,
    temperature: float,
    gen: torch.Generator,
    device: torch.device,
) -> str:
    """``length`` characters after ``prompt``, each drawn from softmax(logits / temperature) with ``gen``.
    The Transformer sees the last ``context`` characters; the recurrent models carry their state."""
    if not 0.05 <= temperature <= 5:
        raise ValueError(f"temperature must be between 0.05 and 5, got {temperature}")
    model.eval()
    ids = vocab.encode(prompt).tolist()
    out: list[int] = []
    if isinstance(model, CharTransformer):
        for _ in range(length):
            ctx = torch.tensor([(ids + out)[-model.context :]], device=device)  # (1, t)
            probs = F.softmax(model(ctx)[0][0, -1] / temperature, -1).cpu()  # (V,)
            out.append(int(torch.multinomial(probs, 1, generator=gen)))
    else:
        logits, state = model(torch.tensor([ids], device=device))  # (1, t, V)
        for _ in range(length):
            probs = F.softmax(logits[0, -1] / temperature, -1).cpu()  # (V,)
            out.append(int(torch.multinomial(probs, 1, generator=gen)))
            logits, state = model(torch.tensor([[out[-1]]], device=device), state)
    return vocab.decode(out)


@torch.no_grad()
def hidden_states(model: CharRNN, vocab: Vocab, text: str, device: torch.device) -> torch.Tensor:
    """The recurrent hidden state after each character of ``text``: ``(T, H)`` on the CPU, in [-1, 1] for the
    RNN and LSTM (tanh outputs) and the GRU (a gated mix of tanh values)."""
    _, _, out = model(vocab.encode(text)[None].to(device), return_hidden=True)
    return out[0].cpu()  # (T, H)


def record(run: LMRun) -> dict[str, object]:
    """What a checkpoint holds: config, vocabulary and weights (float16 to keep the file small)."""
    return {
        "config": asdict(run.config),
        "vocab": run.vocab.chars,
        "state": {k: v.half() if v.is_floating_point() else v for k, v in run.model.state_dict().items()},
    }


def from_record(rec: dict[str, object], device: torch.device) -> tuple[LanguageModel, Vocab]:
    config = LMConfig(**rec["config"])  # type: ignore[arg-type]
    vocab = Vocab(str(rec["vocab"]))
    model = build(config, len(vocab))
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in rec["state"].items()})  # type: ignore[attr-defined]
    return model.to(device).eval(), vocab
