"""Attention on a toy translation whose alignment is known: reverse a sequence of letters.

The source is ``L`` letters followed by an end marker; the target is the same letters reversed, so target
position ``i`` aligns with source position ``L - 1 - i`` exactly, and where an attention peak sits can be checked.
Three encoder-decoders learn it:

* ``seq2seq``: a bidirectional GRU encoder whose final states start a GRU decoder: the whole source must pass
  through one fixed-size vector (Sutskever et al. 2014);
* ``attention``: the same encoder and decoder, plus attention (Luong et al. 2015, "general" scores): at each
  output step the decoder state scores every encoder output, and the softmax-weighted sum joins the prediction;
* ``transformer``: self-attention instead of recurrence (Vaswani et al. 2017): two encoder and two decoder layers,
  learned position embeddings.

Training batches hold one length each, drawn from ``TRAIN_LENGTHS``; the decoder is teacher-forced and decodes
greedily at test time. Shapes: B batch, S source length (L + 1 with the end marker), L target length, D width.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal

import torch
from torch import nn
from torch.nn import functional as F

from demos.common import generator, seeded

Kind = Literal["seq2seq", "attention", "transformer"]
KINDS: tuple[Kind, ...] = ("seq2seq", "attention", "transformer")
Positions = Literal["start", "end"]
MODEL_NAMES = {  # the shipped models, by the name their checkpoint and results use
    "seq2seq": "GRU seq2seq, no attention",
    "attention": "GRU seq2seq + attention",
    "transformer": "Transformer",
    "transformer-start": "Transformer, positions from the start",
}
LETTERS = "abcdefghijklmnopqrst"  # 20 source symbols
BOS, EOS = len(LETTERS), len(LETTERS) + 1  # decoder start symbol, source end marker
VOCAB = len(LETTERS) + 2
TRAIN_LENGTHS = (4, 24)  # training lengths, inclusive
TEST_LENGTHS: tuple[int, ...] = (4, 8, 12, 16, 20, 24, 28, 32)  # 28 and 32 were never seen in training
MAX_LENGTH = 40


@dataclass(frozen=True)
class AttentionConfig:
    kind: Kind = "attention"
    width: int = 64  # D: GRU hidden size per direction, or Transformer width
    heads: int = 4  # Transformer heads
    layers: int = 2  # Transformer encoder and decoder layers each
    steps: int = 1500
    batch: int = 64
    lr: float = 3e-3  # Adam
    seed: int = 0
    positions: Positions = "start"  # Transformer: number source positions from the first letter or from the end
    min_length: int = TRAIN_LENGTHS[0]
    max_length: int = TRAIN_LENGTHS[1]

    def __post_init__(self) -> None:
        problems = []
        if self.kind not in KINDS:
            problems.append(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if not 1 <= self.min_length <= self.max_length <= MAX_LENGTH:
            problems.append(f"lengths must satisfy 1 <= min <= max <= {MAX_LENGTH}")
        if self.positions not in ("start", "end"):
            problems.append(f"positions must be 'start' or 'end', got {self.positions!r}")
        if self.kind == "transformer" and self.width % self.heads:
            problems.append(f"width {self.width} must be a multiple of heads {self.heads}")
        if self.steps < 1 or self.batch < 1:
            problems.append("steps and batch must be at least 1")
        if problems:
            raise ValueError("; ".join(problems))


def make_batch(batch: int, length: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Sources ``(B, L + 1)`` (letters then the end marker) and targets ``(B, L)`` (the letters reversed)."""
    letters = torch.randint(0, len(LETTERS), (batch, length), generator=gen)  # (B, L)
    source = torch.cat([letters, torch.full((batch, 1), EOS)], dim=1)  # (B, S)
    return source, letters.flip(1)


def encode_text(text: str) -> torch.Tensor:
    """A learner's letters as a source ``(1, L + 1)``; raises ``ValueError`` naming any letter outside a..t."""
    bad = sorted({c for c in text if c not in LETTERS})
    if bad or not 1 <= len(text) <= MAX_LENGTH:
        raise ValueError(f"type 1 to {MAX_LENGTH} letters from a to t" + (f" (not {''.join(bad)!r})" if bad else ""))
    return torch.tensor([[LETTERS.index(c) for c in text] + [EOS]])


class GRUSeq2Seq(nn.Module):
    """Bidirectional GRU encoder, GRU decoder; with ``attention`` a Luong "general" attention over the encoder's
    outputs, whose weights :meth:`forward` returns as ``(B, L, S)``."""

    def __init__(self, width: int, attention: bool) -> None:
        super().__init__()
        self.attention = attention
        self.embed = nn.Embedding(VOCAB, width)
        self.encoder = nn.GRU(width, width, batch_first=True, bidirectional=True)
        self.decoder = nn.GRU(width, 2 * width, batch_first=True)
        self.score = nn.Linear(2 * width, 2 * width, bias=False)  # general score: h_t^T W e_j
        self.out = nn.Linear(4 * width if attention else 2 * width, len(LETTERS))

    def encode(self, source: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        enc, last = self.encoder(self.embed(source))  # (B, S, 2D), (2, B, D)
        return enc, torch.cat([last[0], last[1]], dim=-1)[None]  # (B, S, 2D), (1, B, 2D)

    def step(
        self, prev: torch.Tensor, state: torch.Tensor, enc: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Decode ``prev (B, t)`` (teacher forcing: the whole target shifted right) from ``state``: logits
        ``(B, t, 20)``, the new state and the attention weights ``(B, t, S)`` (None without attention)."""
        dec, state = self.decoder(self.embed(prev), state)  # (B, t, 2D)
        if not self.attention:
            return self.out(dec), state, None
        weights = F.softmax(self.score(dec) @ enc.transpose(1, 2), dim=-1)  # (B, t, S)
        context = weights @ enc  # (B, t, 2D)
        return self.out(torch.cat([dec, context], dim=-1)), state, weights

    def forward(self, source: torch.Tensor, prev: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        enc, state = self.encode(source)
        logits, _, weights = self.step(prev, state, enc)
        return logits, weights  # (B, L, 20), (B, L, S) or None

    @torch.no_grad()
    def greedy(self, source: torch.Tensor, length: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        enc, state = self.encode(source)
        prev = torch.full((source.shape[0], 1), BOS, device=source.device)  # (B, 1)
        outs, maps = [], []
        for _ in range(length):
            logits, state, weights = self.step(prev, state, enc)  # (B, 1, 20)
            prev = logits.argmax(-1)  # (B, 1)
            outs.append(prev)
            if weights is not None:
                maps.append(weights)
        return torch.cat(outs, 1), torch.cat(maps, 1) if maps else None  # (B, L), (B, L, S)


class MultiHeadAttention(nn.Module):
    """Scaled dot-product attention with ``heads`` heads that also returns its weights ``(B, heads, Tq, Tk)``."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v = nn.Linear(width, width), nn.Linear(width, width), nn.Linear(width, width)
        self.proj = nn.Linear(width, width)

    def forward(self, x: torch.Tensor, memory: torch.Tensor, causal: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        b, tq, d = x.shape  # (B, Tq, D)
        tk, h = memory.shape[1], self.heads
        q = self.q(x).view(b, tq, h, d // h).transpose(1, 2)  # (B, h, Tq, D/h)
        k = self.k(memory).view(b, tk, h, d // h).transpose(1, 2)  # (B, h, Tk, D/h)
        v = self.v(memory).view(b, tk, h, d // h).transpose(1, 2)  # (B, h, Tk, D/h)
        scores = q @ k.transpose(-1, -2) / (d // h) ** 0.5  # (B, h, Tq, Tk)
        if causal:
            future = torch.ones(tq, tk, dtype=torch.bool, device=x.device).triu(1)  # (Tq, Tk)
            scores = scores.masked_fill(future, float("-inf"))
        weights = F.softmax(scores, dim=-1)  # (B, h, Tq, Tk)
        out = (weights @ v).transpose(1, 2).reshape(b, tq, d)  # (B, Tq, D)
        return self.proj(out), weights


class EncoderLayer(nn.Module):
    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.attn = MultiHeadAttention(width, heads)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.norm1(x)
        x = x + self.attn(y, y)[0]  # (B, S, D): every source position looks at every other
        return x + self.mlp(self.norm2(x))


class DecoderLayer(nn.Module):
    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(width), nn.LayerNorm(width), nn.LayerNorm(width)
        self.self_attn = MultiHeadAttention(width, heads)
        self.cross_attn = MultiHeadAttention(width, heads)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x: torch.Tensor, memory: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y = self.norm1(x)
        x = x + self.self_attn(y, y, causal=True)[0]  # (B, t, D): earlier outputs only
        attended, weights = self.cross_attn(self.norm2(x), memory)  # (B, t, D), (B, h, t, S)
        x = x + attended
        return x + self.mlp(self.norm3(x)), weights


class TransformerSeq2Seq(nn.Module):
    """A small pre-norm encoder-decoder Transformer with learned positions. :meth:`forward` also returns the
    last decoder layer's cross-attention, averaged over heads, as ``(B, L, S)``.

    ``from_end`` numbers the source positions from the end marker (0) backwards instead of from the first letter:
    then output ``i`` copies the source letter at position ``i + 1`` whatever the length, a relation a learned
    position embedding can hold. Counted from the start, the position to copy depends on the length."""

    def __init__(self, width: int, heads: int, layers: int, from_end: bool = False) -> None:
        super().__init__()
        self.from_end = from_end
        self.embed = nn.Embedding(VOCAB, width)
        self.pos_src = nn.Embedding(MAX_LENGTH + 1, width)
        self.pos_tgt = nn.Embedding(MAX_LENGTH, width)
        self.encoder = nn.ModuleList(EncoderLayer(width, heads) for _ in range(layers))
        self.decoder = nn.ModuleList(DecoderLayer(width, heads) for _ in range(layers))
        self.norm_enc, self.norm_dec = nn.LayerNorm(width), nn.LayerNorm(width)
        self.out = nn.Linear(width, len(LETTERS))

    def encode(self, source: torch.Tensor) -> torch.Tensor:
        s = source.shape[1]
        positions = torch.arange(s, device=source.device)  # (S,)
        if self.from_end:
            positions = positions.flip(0)  # the end marker is 0, the last letter 1, ...
        h = self.embed(source) + self.pos_src(positions)  # (B, S, D)
        for layer in self.encoder:
            h = layer(h)
        return self.norm_enc(h)  # (B, S, D)

    def decode(self, memory: torch.Tensor, prev: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        t = prev.shape[1]
        h = self.embed(prev) + self.pos_tgt(torch.arange(t, device=prev.device))  # (B, t, D)
        weights = torch.empty(0)
        for layer in self.decoder:
            h, weights = layer(h, memory)  # (B, t, D), (B, heads, t, S)
        return self.out(self.norm_dec(h)), weights.mean(1)  # (B, t, 20), (B, t, S)

    def forward(self, source: torch.Tensor, prev: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        return self.decode(self.encode(source), prev)

    @torch.no_grad()
    def greedy(self, source: torch.Tensor, length: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        memory = self.encode(source)  # (B, S, D)
        prev = torch.full((source.shape[0], 1), BOS, device=source.device)  # (B, 1)
        weights = None
        for _ in range(length):
            logits, weights = self.decode(memory, prev)  # (B, t, 20)
            prev = torch.cat([prev, logits[:, -1:].argmax(-1)], dim=1)  # (B, t + 1)
        return prev[:, 1:], weights  # (B, L), (B, L, S)


Translator = GRUSeq2Seq | TransformerSeq2Seq


def build(config: AttentionConfig) -> Translator:
    with seeded(config.seed):
        if config.kind == "transformer":
            return TransformerSeq2Seq(config.width, config.heads, config.layers, from_end=config.positions == "end")
        return GRUSeq2Seq(config.width, attention=config.kind == "attention")


def shifted(target: torch.Tensor) -> torch.Tensor:
    """Teacher forcing's decoder input: BOS, then the target without its last symbol. ``(B, L)`` -> ``(B, L)``."""
    return torch.cat([torch.full_like(target[:, :1], BOS), target[:, :-1]], dim=1)


@dataclass
class AttentionRun:
    config: AttentionConfig
    model: Translator
    losses: list[tuple[int, float]] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False


def train(
    config: AttentionConfig,
    device: torch.device,
    on_step: Callable[[int, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> AttentionRun:
    """Teacher-forced cross-entropy; each batch one length drawn uniformly from the config's range."""
    model = build(config).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    gen = generator(config.seed + 1)
    run = AttentionRun(config, model)
    t0, running, count = time.perf_counter(), 0.0, 0
    model.train()
    for step in range(1, config.steps + 1):
        length = int(torch.randint(config.min_length, config.max_length + 1, (1,), generator=gen))
        source, target = make_batch(config.batch, length, gen)
        source, target = source.to(device), target.to(device)
        logits, _ = model(source, shifted(target))  # (B, L, 20)
        loss = F.cross_entropy(logits.reshape(-1, len(LETTERS)), target.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        running, count = running + loss.item(), count + 1
        if step % 25 == 0 or step == config.steps:
            run.losses.append((step, round(running / count, 4)))
            if on_step is not None:
                on_step(step, running / count)
            running, count = 0.0, 0
        if should_stop is not None and should_stop():
            run.stopped = True
            break
    model.eval()
    run.seconds = time.perf_counter() - t0
    return run


@dataclass(frozen=True)
class LengthScore:
    length: int
    sequence_accuracy: float  # whole reversed sequence right
    token_accuracy: float  # share of output letters right
    peak_on_source: float | None  # share of output steps whose attention peak is the aligned source letter


@torch.no_grad()
def score(model: Translator, length: int, n: int, seed: int, device: torch.device) -> LengthScore:
    """Greedy-decode ``n`` fresh sources of one length; the attention peak of output step ``i`` is right when it
    sits on source position ``length - 1 - i``."""
    model.eval()
    source, target = make_batch(n, length, generator(seed))
    pred, weights = model.greedy(source.to(device), length)  # (n, L), (n, L, S)
    pred = pred.cpu()
    peak = None
    if weights is not None:
        aligned = torch.arange(length - 1, -1, -1)  # (L,)
        peak = float((weights.cpu().argmax(-1) == aligned).float().mean())
    return LengthScore(
        length,
        float((pred == target).all(1).float().mean()),
        float((pred == target).float().mean()),
        peak,
    )


@torch.no_grad()
def translate(model: Translator, text: str, device: torch.device) -> tuple[str, list[list[float]] | None]:
    """Reverse a learner's letters greedily: the output and its attention matrix ``[L][S]`` (None without)."""
    source = encode_text(text).to(device)  # (1, S)
    pred, weights = model.greedy(source, len(text))
    out = "".join(LETTERS[i] for i in pred[0].tolist())
    return out, None if weights is None else [[round(float(v), 4) for v in row] for row in weights[0].cpu()]


def record(run: AttentionRun) -> dict[str, object]:
    return {"config": asdict(run.config), "state": run.model.state_dict()}


def from_record(rec: dict[str, object], device: torch.device) -> Translator:
    model = build(AttentionConfig(**rec["config"]))  # type: ignore[arg-type]
    model.load_state_dict(rec["state"])  # type: ignore[arg-type]
    return model.to(device).eval()
