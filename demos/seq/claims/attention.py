"""What the attention lab claims, measured on the shipped translators with fresh sequences."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "attention-survives-length",
        ("attention-translation", "sequence-to-sequence", "sequence-encoder"),
        "Reversing 20 letters, the GRU with attention gets at least 80 % of whole sequences right; the same "
        "encoder-decoder without attention, squeezing the source through one vector, gets fewer than 10 %.",
    ),
    ClaimSpec(
        "peak-on-aligned-letter",
        ("attention-translation",),
        "For lengths 8 to 24, the attention peak of at least 90 % of the output letters sits on exactly the source "
        "letter that output copies (the known alignment).",
    ),
    ClaimSpec(
        "short-is-easy-without-attention",
        ("sequence-to-sequence", "sequence-encoder"),
        "Without attention the encoder-decoder still reverses most 4-letter sequences (at least 80 %): the fixed "
        "vector is enough for short inputs and fails as they grow.",
    ),
    ClaimSpec(
        "self-attention-vs-recurrence",
        ("transformer", "cnn-rnn-transformer"),
        "A two-layer Transformer (self-attention, no recurrence) trained for the same steps reverses at least as "
        "many 12-letter sequences as the GRU seq2seq without attention.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.seq import attention
    from demos.seq.panels import EVAL_SEED, attention_models

    n = 1000 if ctx.full else 200
    models = attention_models(ctx.device)

    def at(kind: str, length: int) -> attention.LengthScore:
        return attention.score(models[kind], length, n, EVAL_SEED + ctx.seed + length, ctx.device)

    att20, plain20 = at("attention", 20), at("seq2seq", 20)
    peaks = {length: at("attention", length).peak_on_source or 0.0 for length in (8, 16, 24)}
    plain4 = at("seq2seq", 4)
    tr12, plain12 = at("transformer", 12), at("seq2seq", 12)
    return {
        "attention-survives-length": outcome(
            att20.sequence_accuracy >= 0.8 and plain20.sequence_accuracy < 0.1,
            with_attention=round(att20.sequence_accuracy, 4),
            without_attention=round(plain20.sequence_accuracy, 4),
            sequences=n,
        ),
        "peak-on-aligned-letter": outcome(
            min(peaks.values()) >= 0.9,
            **{f"peak_on_source_length_{k}": round(v, 4) for k, v in peaks.items()},
            sequences_per_length=n,
        ),
        "short-is-easy-without-attention": outcome(
            plain4.sequence_accuracy >= 0.8,
            without_attention_length_4=round(plain4.sequence_accuracy, 4),
            sequences=n,
        ),
        "self-attention-vs-recurrence": outcome(
            tr12.sequence_accuracy >= plain12.sequence_accuracy,
            transformer_length_12=round(tr12.sequence_accuracy, 4),
            gru_without_attention_length_12=round(plain12.sequence_accuracy, 4),
            transformer_peak_on_source=round(tr12.peak_on_source or 0.0, 4),
            sequences=n,
        ),
    }
