"""Show, Attend and Tell on a small scale: a CNN grid encoder and an LSTM decoder with soft additive attention.

At every word the decoder scores each of the L grid cells against its previous hidden state
(``e_l = w·tanh(W a_l + U h)``), turns the scores into a distribution ``alpha = softmax(e)`` over the grid, and
reads the context ``z = sum_l alpha_l a_l`` (optionally scaled by a learned gate ``beta = sigmoid(f(h))``).
The word is predicted from the new hidden state and that context, so ``alpha`` at step t is where the model
looked when it chose word t.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from demos.captioning.captions import END, START, WORD_ID, WORDS, decode

Feedback = Literal["context", "where"]


@dataclass(frozen=True)
class ModelConfig:
    """The shipped model (its defaults), small enough to train in minutes on two CPU cores. The switches marked
    (ablation) name the departures from Show, Attend and Tell as published; ``demos.captioning.train.ABLATIONS``
    holds the named variants the README compares."""

    vocab: int = len(WORDS)  # output words, the special tokens included
    image_size: int = 64  # input side in pixels; the grid is image_size / 8 cells a side
    channels: tuple[int, int, int] = (16, 32, 64)  # encoder widths at 1/2, 1/4 and 1/8 resolution
    full_res_stem: bool = False  # first convolution at full resolution (finer shape edges, costs more)
    mid_kernel: int = 3  # kernel of the convolution at 1/4 resolution (1 narrows a cell's view to ~12 px)
    head_kernel: int = 1  # kernel of the two convolutions at 1/8 resolution: 1 keeps a cell's view local (~20 px),
    # so the model must look at an object to name it; 3 widens every cell's view to ~52 px (ablation)
    feature_dim: int = 64  # D: size of each grid cell's feature vector
    coords: bool = True  # give every cell its (x, y) position, so the context says where the model looked
    embed_dim: int = 32  # word embedding size
    hidden_dim: int = 128  # LSTM state size
    attention_dim: int = 64  # size of the additive attention's hidden layer
    gate: bool = True  # Show-Attend-Tell gating scalar on the context
    init_from_image: bool = False  # start the LSTM from zeros, so everything the decoder knows about the image
    # arrives through attention; True starts it from the mean grid feature (Show, Attend and Tell; ablation)
    look_after_word: bool = True  # read the previous word first, then attend with the new state (Luong et al.
    # 2015; the context still reaches the next step's LSTM input). False: attend with the state before reading
    # the previous word and feed the context into the LSTM (Show, Attend and Tell; ablation)
    feedback: Feedback = "where"  # what the LSTM reads of where it attended: only the attended position,
    # sum_l alpha_l (x_l, y_l), so colour, size and shape never enter the recurrent state and every word about
    # how an object looks is read through that word's own attention; "context": the attended features, as in
    # Show, Attend and Tell (ablation)
    dropout: float = 0.2  # before the output layer, training only

    @property
    def grid(self) -> int:
        return self.image_size // 8


def _conv(cin: int, cout: int, stride: int = 1, kernel: int = 3) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


def grid_positions(grid: int, like: torch.Tensor) -> torch.Tensor:
    """(x, y) centre of every grid cell in row-major order, scaled to (-1, 1): (L, 2) on ``like``'s device."""
    centres = (torch.arange(grid, device=like.device, dtype=like.dtype) + 0.5) / grid * 2 - 1  # (G,)
    ys, xs = torch.meshgrid(centres, centres, indexing="ij")  # (G, G) each
    return torch.stack([xs, ys], dim=-1).view(grid * grid, 2)  # (L, 2)


class Encoder(nn.Module):
    """Image (B, 3, S, S) -> grid features (B, L, D), L = (S/8)^2, cells in row-major order (top row first)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        c1, c2, c3 = config.channels
        self.body = nn.Sequential(
            *([_conv(3, c1), nn.MaxPool2d(2)] if config.full_res_stem else [_conv(3, c1, stride=2)]),  # 1/2
            _conv(c1, c1),
            nn.MaxPool2d(2),  # 1/4
            _conv(c1, c2, kernel=config.mid_kernel),
            nn.MaxPool2d(2),  # 1/8
            _conv(c2, c3, kernel=config.head_kernel),
            _conv(c3, c3, kernel=config.head_kernel),
        )
        self.coords = config.coords
        self.project = nn.Linear(c3 + (2 if config.coords else 0), config.feature_dim)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.body(images)  # (B, C, G, G)
        b, _, g, _ = x.shape
        x = x.flatten(2).transpose(1, 2)  # (B, L, C)
        if self.coords:
            pos = grid_positions(g, x).unsqueeze(0).expand(b, -1, -1)  # (B, L, 2)
            x = torch.cat([x, pos], dim=-1)  # (B, L, C + 2)
        return F.relu(self.project(x))  # (B, L, D)


class AdditiveAttention(nn.Module):
    """Bahdanau attention: alpha = softmax_l(w · tanh(W a_l + U h)); context = sum_l alpha_l a_l."""

    def __init__(self, feature_dim: int, hidden_dim: int, attention_dim: int) -> None:
        super().__init__()
        self.features = nn.Linear(feature_dim, attention_dim)
        self.hidden = nn.Linear(hidden_dim, attention_dim)
        self.score = nn.Linear(attention_dim, 1)

    def forward(
        self, features: torch.Tensor, projected: torch.Tensor, h: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """features (B, L, D), projected = self.features(features) (B, L, A), h (B, H) ->
        context (B, D), alpha (B, L) with every row summing to 1."""
        e = self.score(torch.tanh(projected + self.hidden(h).unsqueeze(1))).squeeze(-1)  # (B, L)
        alpha = torch.softmax(e, dim=1)  # (B, L)
        context = torch.bmm(alpha.unsqueeze(1), features).squeeze(1)  # (B, D)
        return context, alpha


State = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # LSTM h (B, H), c (B, H), feedback (B, D or 2)


class Captioner(nn.Module):
    def __init__(self, config: ModelConfig = ModelConfig()) -> None:
        super().__init__()
        self.config = config
        d, h = config.feature_dim, config.hidden_dim
        self.encoder = Encoder(config)
        self.attention = AdditiveAttention(d, h, config.attention_dim)
        self.embed = nn.Embedding(config.vocab, config.embed_dim)
        self.init_h, self.init_c = nn.Linear(d, h), nn.Linear(d, h)
        self.gate = nn.Linear(h, 1) if config.gate else None
        if config.feedback not in ("context", "where"):
            raise ValueError(f"feedback must be 'context' or 'where', got {config.feedback!r}")
        self.lstm = nn.LSTMCell(config.embed_dim + (d if config.feedback == "context" else 2), h)
        self.out = nn.Linear(h + d, config.vocab)

    def start(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, State]:
        """images (B, 3, S, S) -> features (B, L, D), their attention projection (B, L, A), initial state."""
        features = self.encoder(images)  # (B, L, D)
        mean = features.mean(dim=1)  # (B, D)
        if self.config.init_from_image:
            h, c = torch.tanh(self.init_h(mean)), torch.tanh(self.init_c(mean))  # (B, H) each
        else:
            h = c = mean.new_zeros(mean.shape[0], self.config.hidden_dim)  # (B, H)
        fed = mean.new_zeros(mean.shape[0], mean.shape[1] if self.config.feedback == "context" else 2)  # (B, D|2)
        return features, self.attention.features(features), (h, c, fed)

    def step(
        self,
        words: torch.Tensor,
        state: State,
        features: torch.Tensor,
        projected: torch.Tensor,
        masks: torch.Generator | None = None,
    ) -> tuple[torch.Tensor, State, torch.Tensor]:
        """One word: previous words (B,), state -> logits (B, V) for the next word, new state, alpha (B, L).
        In training mode the dropout mask is drawn from ``masks`` (torch's global generator if None)."""
        h, c, fed = state
        if self.config.look_after_word:
            h, c = self.lstm(torch.cat([self.embed(words), fed], dim=1), (h, c))  # (B, H) each
            context, alpha = self.attention(features, projected, h)  # (B, D), (B, L)
            if self.gate is not None:
                context = torch.sigmoid(self.gate(h)) * context  # (B, D)
            fed = self._feedback(context, alpha)
        else:
            context, alpha = self.attention(features, projected, h)  # (B, D), (B, L)
            if self.gate is not None:
                context = torch.sigmoid(self.gate(h)) * context  # (B, D)
            h, c = self.lstm(torch.cat([self.embed(words), self._feedback(context, alpha)], dim=1), (h, c))
        logits = self.out(self._dropout(torch.cat([h, context], dim=1), masks))  # (B, V)
        return logits, (h, c, fed), alpha

    def _dropout(self, x: torch.Tensor, masks: torch.Generator | None) -> torch.Tensor:
        """Inverted dropout while training, the mask drawn from ``masks``: the same numbers ``nn.Dropout`` draws
        on the CPU from a generator in the same state, without touching torch's global one."""
        p = self.config.dropout
        if not self.training or p == 0:
            return x
        keep = torch.empty_like(x).bernoulli_(1 - p, generator=masks)  # (B, H + D) of 0 and 1
        return x * keep.div_(1 - p)

    def _feedback(self, context: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        """What the LSTM reads of this step's attention: the context (B, D) or the attended position (B, 2)."""
        if self.config.feedback == "context":
            return context
        return alpha @ grid_positions(self.config.grid, alpha)  # (B, L) @ (L, 2) -> (B, 2)

    def forward(
        self, images: torch.Tensor, tokens: torch.Tensor, masks: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher forcing. images (B, 3, S, S), tokens (B, T) from <start> to <end> then padding ->
        logits (B, T-1, V) predicting tokens[:, 1:], alphas (B, T-1, L). Dropout masks come from ``masks``."""
        features, projected, state = self.start(images)
        logits, alphas = [], []
        for t in range(tokens.shape[1] - 1):
            step_logits, state, alpha = self.step(tokens[:, t], state, features, projected, masks)
            logits.append(step_logits)
            alphas.append(alpha)
        return torch.stack(logits, dim=1), torch.stack(alphas, dim=1)


def caption_loss(
    logits: torch.Tensor,
    alphas: torch.Tensor,
    tokens: torch.Tensor,
    doubly_stochastic: float,
    entropy: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy of the next word plus ``doubly_stochastic * sum_l (1 - sum_t alpha_tl)^2`` (mean over the
    batch) plus ``entropy`` times the mean entropy of each step's attention, ``-sum_l alpha_l log alpha_l``
    (a push towards looking at few cells); padded steps excluded. logits (B, T-1, V), alphas (B, T-1, L),
    tokens (B, T) -> (total loss, cross-entropy alone), both scalars."""
    targets = tokens[:, 1:]  # (B, T-1)
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=WORD_ID["<pad>"])
    total = ce
    valid = (targets != WORD_ID["<pad>"]).unsqueeze(-1).to(alphas.dtype)  # (B, T-1, 1)
    if doubly_stochastic:
        coverage = (alphas * valid).sum(dim=1)  # (B, L)
        total = total + doubly_stochastic * ((1 - coverage) ** 2).sum(dim=1).mean()
    if entropy:
        h = -(alphas * torch.log(alphas.clamp_min(1e-12))).sum(dim=-1, keepdim=True)  # (B, T-1, 1)
        total = total + entropy * (h * valid).sum() / valid.sum().clamp_min(1)
    return total, ce


@dataclass(frozen=True)
class Decoded:
    words: list[str]  # the caption, without start/end
    alphas: torch.Tensor  # (len(words), L) float32 on the CPU: attention when each word was chosen
    log_prob: float  # sum of the chosen words' log-probabilities, the end token included


@torch.no_grad()
def greedy(model: Captioner, images: torch.Tensor, max_len: int = 30) -> list[Decoded]:
    """Most likely word at every step, for a batch. images (B, 3, S, S) on the model's device."""
    model.eval()
    features, projected, state = model.start(images)
    b = images.shape[0]
    words = torch.full((b,), WORD_ID[START], dtype=torch.long, device=images.device)
    done = torch.zeros(b, dtype=torch.bool, device=images.device)
    chosen, alphas, logps = [], [], []
    for _ in range(max_len):
        logits, state, alpha = model.step(words, state, features, projected)
        logp = torch.log_softmax(logits, dim=1)  # (B, V)
        best, words = logp.max(dim=1)  # (B,), (B,)
        chosen.append(words)
        alphas.append(alpha)
        logps.append(torch.where(done, torch.zeros_like(best), best))
        done = done | (words == WORD_ID[END])
        if bool(done.all()):
            break
    ids = torch.stack(chosen, dim=1).cpu()  # (B, T)
    att = torch.stack(alphas, dim=1).float().cpu()  # (B, T, L)
    total = torch.stack(logps, dim=1).sum(dim=1).cpu()  # (B,)
    out = []
    for i in range(b):
        caption = decode(ids[i].tolist())
        out.append(Decoded(caption, att[i, : len(caption)], float(total[i])))
    return out


@torch.no_grad()
def beam_search(model: Captioner, image: torch.Tensor, width: int = 3, max_len: int = 30) -> Decoded:
    """Highest-probability caption found by a beam of ``width`` for one image (3, S, S), with the attention
    maps of that caption's own path. Width 1 is greedy decoding. Finished captions compete on their summed
    log-probability; the search stops once no open beam can beat the best finished one."""
    if width < 1:
        raise ValueError(f"beam width must be at least 1, got {width}")
    model.eval()
    features, projected, state = model.start(image.unsqueeze(0))  # (1, L, D), (1, L, A), state rows (1, ...)
    end = WORD_ID[END]
    words = torch.tensor([WORD_ID[START]], device=image.device)  # (k,)
    scores = torch.zeros(1, device=image.device)  # (k,) summed log-probability of each open beam
    paths: list[list[int]] = [[]]
    maps: list[list[torch.Tensor]] = [[]]
    finished: list[tuple[float, list[int], list[torch.Tensor]]] = []
    for _ in range(max_len):
        k = words.shape[0]
        logits, state, alpha = model.step(
            words, state, features.expand(k, -1, -1), projected.expand(k, -1, -1)
        )  # (k, V), state rows (k, ...), (k, L)
        total = (scores.unsqueeze(1) + torch.log_softmax(logits, dim=1)).flatten()  # (k * V,)
        top, index = total.topk(min(width, total.numel()))
        open_beams: list[tuple[int, int, float, list[int], list[torch.Tensor]]] = []  # beam, word, score, path
        for score, flat in zip(top.tolist(), index.tolist(), strict=True):
            beam, word = divmod(flat, logits.shape[1])
            path, att = [*paths[beam], word], [*maps[beam], alpha[beam]]
            if word == end:
                finished.append((score, path, att))
            else:
                open_beams.append((beam, word, score, path, att))
        best_done = max((f[0] for f in finished), default=float("-inf"))
        if not open_beams or best_done >= max(o[2] for o in open_beams):
            break
        rows = torch.tensor([o[0] for o in open_beams], device=image.device)
        state = (state[0][rows], state[1][rows], state[2][rows])
        words = torch.tensor([o[1] for o in open_beams], device=image.device)
        scores = torch.tensor([o[2] for o in open_beams], device=image.device)
        paths, maps = [o[3] for o in open_beams], [o[4] for o in open_beams]
    if not finished:  # ran out of length: take the best open beam as it stands
        best = int(torch.argmax(scores))
        finished.append((float(scores[best]), paths[best], maps[best]))
    score, path, att = max(finished, key=lambda f: f[0])
    caption = decode(path)
    alphas = torch.stack(att[: len(caption)]).float().cpu() if caption else torch.zeros(0, features.shape[1])
    return Decoded(caption, alphas, score)
