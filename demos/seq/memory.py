"""Memory over time: a vanilla RNN, a GRU and an LSTM on a long-range recall task, and backprop through time.

The task: a sequence of ``length`` symbols whose first symbol is one of ``SYMBOLS`` (8) "data" symbols and whose
other ``length - 1`` symbols are random distractors from a separate alphabet. After reading the whole sequence
the network must name the first symbol. Chance is 1/8. Nothing but the recurrent state can carry the first symbol
to the end, so the task measures how far back a cell can remember; the gradient of the loss with respect to each
step's input (:func:`input_gradients`) shows how much the last step's error still reaches step 0.

Shapes: B batch, T sequence length, E embedding size, H hidden size.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal, cast

import torch
from torch import nn
from torch.nn import functional as F

from demos.common import generator, seeded

Cell = Literal["rnn", "gru", "lstm"]
CELLS: tuple[Cell, ...] = ("rnn", "gru", "lstm")
CELL_NAMES = {"rnn": "Vanilla RNN", "gru": "GRU", "lstm": "LSTM"}
SYMBOLS = 8  # data symbols: the answer is one of these, chance is 1/8
DISTRACTORS = 8  # distractor symbols that fill steps 1..T-1
LENGTHS: tuple[int, ...] = (5, 10, 20, 40, 80)  # the shipped sweep


@dataclass(frozen=True)
class MemoryConfig:
    cell: Cell = "lstm"
    length: int = 20  # T: symbols per sequence, the first one is the one to recall
    hidden: int = 32  # H
    embed: int = 8  # E
    steps: int = 1000  # optimiser steps
    batch: int = 64
    lr: float = 5e-3  # Adam
    clip: float = 1.0  # gradient-norm clipping, as is usual for recurrent nets
    gate_bias: float = 3.0  # gated cells start remembering: LSTM forget bias +3 and input bias -3, GRU update +3
    seed: int = 0  # model initialisation and training data

    def __post_init__(self) -> None:
        problems = []
        if self.cell not in CELLS:
            problems.append(f"cell must be one of {', '.join(CELLS)}, got {self.cell!r}")
        if not 2 <= self.length <= 1000:
            problems.append(f"length must be between 2 and 1000, got {self.length}")
        if not 1 <= self.hidden <= 1024 or not 1 <= self.embed <= 256:
            problems.append("hidden must be in 1..1024 and embed in 1..256")
        if self.steps < 1 or self.batch < 1:
            problems.append("steps and batch must be at least 1")
        if problems:
            raise ValueError("; ".join(problems))


def make_batch(batch: int, length: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``batch`` sequences ``(B, T)`` of symbol ids and their answers ``(B,)``: the first symbol of each.
    Data symbols are ids ``0..SYMBOLS-1``, distractors ``SYMBOLS..SYMBOLS+DISTRACTORS-1``."""
    answers = torch.randint(0, SYMBOLS, (batch,), generator=gen)  # (B,)
    noise = torch.randint(SYMBOLS, SYMBOLS + DISTRACTORS, (batch, length - 1), generator=gen)  # (B, T-1)
    return torch.cat([answers[:, None], noise], dim=1), answers  # (B, T), (B,)


class Recaller(nn.Module):
    """Embedding -> one recurrent layer (``nn.RNN`` with tanh, ``nn.GRU`` or ``nn.LSTM``) -> a linear read-out
    of the last hidden state."""

    def __init__(self, cell: Cell, hidden: int = 32, embed: int = 8, gate_bias: float = 0.0) -> None:
        super().__init__()
        self.cell = cell
        self.embed = nn.Embedding(SYMBOLS + DISTRACTORS, embed)
        kinds: dict[str, Callable[..., nn.RNNBase]] = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
        self.rnn = kinds[cell](embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, SYMBOLS)
        self.gate_bias = gate_bias
        if gate_bias:
            self._bias_gates(gate_bias)

    @torch.no_grad()
    def _bias_gates(self, value: float) -> None:
        """Start the gated cells remembering: the LSTM's forget gate at bias +value and its input gate at -value
        (rows H..2H and 0..H of PyTorch's i, f, g, o layout: keep the cell, let little in, as in the "chrono"
        initialisation of Tallec and Ollivier 2018), the GRU's update gate at +value (rows H..2H of r, z, n;
        h' = (1 - z) n + z h). A vanilla RNN has no gate, so nothing changes for it."""
        h = self.rnn.hidden_size
        bias = cast(torch.Tensor, self.rnn.bias_hh_l0)  # (4H,) for the LSTM, (3H,) for the GRU
        if self.cell in ("lstm", "gru"):
            bias[h : 2 * h].fill_(value)
        if self.cell == "lstm":
            bias[:h].fill_(-value)

    def forward_embedded(self, e: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, SYMBOLS)`` from embedded inputs ``e (B, T, E)``."""
        out, _ = self.rnn(e)  # (B, T, H)
        return self.head(out[:, -1])  # (B, SYMBOLS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_embedded(self.embed(x))  # (B, SYMBOLS)


def build(config: MemoryConfig) -> Recaller:
    with seeded(config.seed):
        return Recaller(config.cell, config.hidden, config.embed, config.gate_bias)


@dataclass
class MemoryRun:
    config: MemoryConfig
    model: Recaller
    losses: list[float] = field(default_factory=list)  # one per logged step (every 10 steps)
    seconds: float = 0.0
    stopped: bool = False


def train(
    config: MemoryConfig,
    device: torch.device,
    on_step: Callable[[int, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> MemoryRun:
    """Train one cell on the recall task at ``config.length``; data drawn from a private generator."""
    model = build(config).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    gen = generator(config.seed + 1)
    run = MemoryRun(config, model)
    t0 = time.perf_counter()
    model.train()
    for step in range(config.steps):
        x, y = make_batch(config.batch, config.length, gen)
        loss = F.cross_entropy(model(x.to(device)), y.to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        opt.step()
        if step % 10 == 0 or step == config.steps - 1:
            run.losses.append(round(loss.item(), 4))
            if on_step is not None:
                on_step(step + 1, loss.item())
        if should_stop is not None and should_stop():
            run.stopped = True
            break
    model.eval()
    run.seconds = time.perf_counter() - t0
    return run


@torch.no_grad()
def accuracy(model: Recaller, length: int, n: int, seed: int, device: torch.device) -> float:
    """Share of ``n`` fresh sequences (drawn from ``seed``) whose first symbol the model names."""
    x, y = make_batch(n, length, generator(seed))
    return float((model(x.to(device)).argmax(-1).cpu() == y).float().mean())


def input_gradients(model: Recaller, length: int, n: int, seed: int, device: torch.device) -> list[float]:
    """Backprop through time made visible: the mean norm of d loss / d x_t over ``n`` sequences, for every step
    ``t`` (a list of ``length`` floats, step 0 first). Step 0 holds the symbol to recall; a cell whose value at
    step 0 is many orders of magnitude below its value at the last step cannot learn from that far back."""
    x, y = make_batch(n, length, generator(seed))
    e = model.embed(x.to(device)).detach().requires_grad_(True)  # (B, T, E)
    loss = F.cross_entropy(model.forward_embedded(e), y.to(device))
    (grad,) = torch.autograd.grad(loss, e)  # (B, T, E)
    return [float(v) for v in grad.norm(dim=-1).mean(0).cpu()]  # (T,)


def state_dict_record(run: MemoryRun) -> dict[str, object]:
    return {"config": asdict(run.config), "state": run.model.state_dict()}


def from_record(record: dict[str, object], device: torch.device) -> Recaller:
    config = MemoryConfig(**record["config"])  # type: ignore[arg-type]
    model = Recaller(config.cell, config.hidden, config.embed, config.gate_bias)
    model.load_state_dict(record["state"])  # type: ignore[arg-type]
    return model.to(device).eval()
