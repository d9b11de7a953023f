"""What the memory-over-time lab claims, measured on the shipped checkpoints (fresh held-out sequences)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

LONG = 40  # the length the headline claim is about

SPECS = (
    ClaimSpec(
        "gated-cells-remember",
        ("lstm", "gru", "recurrent-neural-network"),
        f"At sequence length {LONG} the LSTM and the GRU name the first symbol of at least 90 % of held-out "
        "sequences, while the vanilla RNN stays within 5 points of chance (12.5 %).",
    ),
    ClaimSpec(
        "rnn-fine-when-short",
        ("recurrent-neural-network",),
        "At length 5 all three cells name the first symbol of at least 95 % of held-out sequences: the vanilla "
        "RNN's failure is one of distance, not of capacity.",
    ),
    ClaimSpec(
        "rnn-gradient-vanishes",
        ("backprop-through-time", "recurrent-neural-network", "lstm"),
        f"Backprop through time at length {LONG}: the gradient of the loss that reaches step 0 is less than a "
        "thousandth of the gradient at the last step for the trained vanilla RNN, and more than a hundredth of it "
        "for the trained LSTM.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.seq import memory
    from demos.seq.panels import EVAL_SEED, memory_models

    n = 4000 if ctx.full else 1000
    models = memory_models(ctx.device)
    acc = {
        (cell, length): memory.accuracy(models[f"{cell}-{length}"], length, n, EVAL_SEED + ctx.seed, ctx.device)
        for cell in memory.CELLS
        for length in (5, LONG)
    }
    ratio = {}
    for cell in memory.CELLS:
        g = memory.input_gradients(models[f"{cell}-{LONG}"], LONG, 256, EVAL_SEED + ctx.seed, ctx.device)
        ratio[cell] = g[0] / g[-1]
    chance = 1 / memory.SYMBOLS
    return {
        "gated-cells-remember": outcome(
            acc["lstm", LONG] >= 0.9 and acc["gru", LONG] >= 0.9 and abs(acc["rnn", LONG] - chance) <= 0.05,
            lstm_accuracy=round(acc["lstm", LONG], 4),
            gru_accuracy=round(acc["gru", LONG], 4),
            rnn_accuracy=round(acc["rnn", LONG], 4),
            chance=chance,
            held_out_sequences=n,
        ),
        "rnn-fine-when-short": outcome(
            all(acc[c, 5] >= 0.95 for c in memory.CELLS),
            rnn_accuracy=round(acc["rnn", 5], 4),
            gru_accuracy=round(acc["gru", 5], 4),
            lstm_accuracy=round(acc["lstm", 5], 4),
            held_out_sequences=n,
        ),
        "rnn-gradient-vanishes": outcome(
            ratio["rnn"] < 1e-3 and ratio["lstm"] > 1e-2,
            rnn_step0_over_last=float(f"{ratio['rnn']:.3e}"),
            lstm_step0_over_last=float(f"{ratio['lstm']:.3e}"),
            gru_step0_over_last=float(f"{ratio['gru']:.3e}"),
            sequences=256,
        ),
    }
