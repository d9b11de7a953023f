"""What the language-model lab claims, measured on the shipped checkpoints and the shipped corpus's held-out
blocks (so the claims do not depend on how the cards read today)."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "lstm-beats-rnn",
        ("lstm", "rnn-language-model", "recurrent-neural-network"),
        "On the held-out tenth of the corpus the LSTM's perplexity per character is lower than the vanilla RNN's "
        "(same hidden size 128, same 1,000 training steps).",
    ),
    ClaimSpec(
        "every-model-beats-bigram",
        ("rnn-language-model",),
        "Every model (RNN, GRU, LSTM, Transformer) has less than half the perplexity of a character bigram "
        "model counted on the same training text.",
    ),
    ClaimSpec(
        "transformer-not-best-here",
        ("transformer", "cnn-rnn-transformer"),
        "The small Transformer does not beat the LSTM here: on 126,000 training characters and 1,000 steps its "
        "held-out perplexity is higher than the LSTM's (Transformers pay off with more data and compute).",
    ),
    ClaimSpec(
        "temperature-trades-words",
        ("rnn-language-model",),
        "Sampling temperature trades safety for variety: at temperature 0.5 more of the LSTM's sampled words are "
        "real words of the corpus than at temperature 1.3.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    import math

    from demos.common import generator
    from demos.seq import lm, wordvec
    from demos.seq.panels import EVAL_SEED, STORE, lm_models

    models, vocab = lm_models(ctx.device)
    text = lm.load_corpus()
    shipped_hash = STORE.meta("lm")["corpus"]["sha256"]
    same_corpus = lm.text_hash(text) == shipped_hash
    train_text, val_text = lm.split(text)
    if not ctx.full:
        val_text = val_text[:6000]
    ppl = {k: math.exp(lm.evaluate(m, vocab, val_text, ctx.device)) for k, m in models.items()}
    _, bigram = lm.unigram_bigram_nats(train_text, val_text, vocab)
    bigram_ppl = math.exp(bigram)
    known = set(wordvec.words(text))
    length = 1200 if ctx.full else 400
    share = {}
    for t in (0.5, 1.3):
        sampled = lm.sample(models["lstm"], vocab, "The ", length, t, generator(EVAL_SEED + ctx.seed), ctx.device)
        found = wordvec.words(sampled)
        share[t] = sum(w in known for w in found) / max(1, len(found))
    common = {"validation_characters": len(val_text), "corpus_is_the_trained_one": same_corpus}
    return {
        "lstm-beats-rnn": outcome(
            same_corpus and ppl["lstm"] < ppl["rnn"],
            lstm_perplexity=round(ppl["lstm"], 3),
            rnn_perplexity=round(ppl["rnn"], 3),
            gru_perplexity=round(ppl["gru"], 3),
            **common,
        ),
        "every-model-beats-bigram": outcome(
            same_corpus and max(ppl.values()) < bigram_ppl / 2,
            bigram_perplexity=round(bigram_ppl, 3),
            worst_model_perplexity=round(max(ppl.values()), 3),
            perplexities={k: round(v, 3) for k, v in ppl.items()},
            **common,
        ),
        "transformer-not-best-here": outcome(
            same_corpus and ppl["transformer"] > ppl["lstm"],
            transformer_perplexity=round(ppl["transformer"], 3),
            lstm_perplexity=round(ppl["lstm"], 3),
            **common,
        ),
        "temperature-trades-words": outcome(
            share[0.5] > share[1.3],
            real_word_share_at_0_5=round(share[0.5], 3),
            real_word_share_at_1_3=round(share[1.3], 3),
            sampled_characters=length,
        ),
    }
