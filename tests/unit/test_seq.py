"""The sequence labs on tiny configurations: shapes, losses that fall, and library operations as oracles."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from threadpoolctl import threadpool_limits
from torch.nn import functional as F

from demos.common import generator
from demos.seq import attention, lm, memory, wordvec

CPU = torch.device("cpu")


@pytest.fixture(autouse=True)
def _one_blas_thread() -> Iterator[None]:
    """numpy's BLAS on one thread for each test, as torch is (tests/conftest.py): on the busy 2-core machine two
    threads made scikit-learn's PCA of 300 digits take 13 s instead of 0.2 s."""
    with threadpool_limits(1):
        yield


def falls(losses: list[float], factor: float = 0.8) -> bool:
    """The mean of the last quarter is below ``factor`` times the mean of the first quarter."""
    q = max(1, len(losses) // 4)
    return sum(losses[-q:]) / q < factor * sum(losses[:q]) / q


# ------------------------------------------------------------------------------------------------ memory


def test_recall_batches_put_the_answer_first_and_distractors_after() -> None:
    x, y = memory.make_batch(16, 7, generator(0))
    assert x.shape == (16, 7) and y.shape == (16,)
    assert torch.equal(x[:, 0], y)
    assert (x[:, 1:] >= memory.SYMBOLS).all() and (x[:, 1:] < memory.SYMBOLS + memory.DISTRACTORS).all()


@pytest.mark.parametrize("cell", memory.CELLS)
def test_recaller_shapes_gate_bias_and_a_falling_loss(cell: memory.Cell) -> None:
    config = memory.MemoryConfig(cell=cell, length=2, hidden=8, steps=60, batch=32, lr=0.03)
    run = memory.train(config, CPU)
    assert run.model(torch.zeros(5, 3, dtype=torch.long)).shape == (5, memory.SYMBOLS)
    assert falls(run.losses)
    h = config.hidden
    bias = memory.build(config).rnn.bias_hh_l0.detach()
    if cell == "lstm":
        assert torch.all(bias[h : 2 * h] == 3) and torch.all(bias[:h] == -3)
    elif cell == "gru":
        assert torch.all(bias[h : 2 * h] == 3)
    grads = memory.input_gradients(run.model, 6, 16, 1, CPU)
    assert len(grads) == 6 and all(g >= 0 for g in grads)


def test_rnn_gradient_decays_backwards_at_initialisation() -> None:
    model = memory.build(memory.MemoryConfig(cell="rnn", length=30))
    grads = memory.input_gradients(model, 30, 64, 0, CPU)
    assert grads[0] < 1e-3 * grads[-1]


def test_training_stops_when_asked() -> None:
    run = memory.train(memory.MemoryConfig(cell="rnn", length=3, steps=500), CPU, should_stop=lambda: True)
    assert run.stopped and len(run.losses) == 1


def test_memory_config_reports_every_bad_value() -> None:
    with pytest.raises(ValueError, match=r"cell must be one of.*length must be between"):
        memory.MemoryConfig(cell="tcn", length=1)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------ language model

TEXT = "the cat sat on the mat. the dog sat on the log. " * 12


def test_corpus_split_holds_out_every_tenth_block() -> None:
    text = "".join(chr(65 + i % 26) * lm.BLOCK for i in range(25))
    train, val = lm.split(text)
    assert len(val) == 2 * lm.BLOCK and len(train) + len(val) == len(text)
    assert val == text[9 * lm.BLOCK : 10 * lm.BLOCK] + text[19 * lm.BLOCK : 20 * lm.BLOCK]
    corpus = lm.assemble_corpus(" notes ", [("A", "first. "), ("B", "second.")])
    assert corpus == "notes\n\nA\nfirst.\n\nB\nsecond.\n"


def test_vocab_round_trip_and_unknown_characters() -> None:
    vocab = lm.Vocab.of(TEXT)
    assert vocab.decode(vocab.encode("the dog").tolist()) == "the dog"
    with pytest.raises(ValueError, match="not in the model's vocabulary: 'Zbr'"):
        vocab.encode("Zebra")


@pytest.mark.parametrize("kind", lm.KINDS)
def test_language_models_shapes_and_a_falling_loss(kind: lm.Kind) -> None:
    config = lm.LMConfig(kind=kind, hidden=32, embed=8, layers=1, heads=2, context=16, steps=80, batch=16, lr=0.01)
    vocab = lm.Vocab.of(TEXT)
    run = lm.train(config, TEXT, CPU, vocab=vocab, val_text=TEXT[:200], eval_every=40)
    logits = run.model(vocab.encode("the cat")[None])[0]
    assert logits.shape == (1, 7, len(vocab))
    assert falls([v for _, v in run.losses], 0.7)
    assert run.val_losses[-1][1] < math.log(len(vocab))
    text = lm.sample(run.model, vocab, "the ", 30, 0.8, generator(1), CPU)
    assert len(text) == 30 and set(text) <= set(vocab.chars)
    assert text == lm.sample(run.model, vocab, "the ", 30, 0.8, generator(1), CPU)


def test_transformer_is_causal_and_evaluate_is_cross_entropy() -> None:
    vocab = lm.Vocab.of(TEXT)
    model = lm.build(lm.LMConfig(kind="transformer", hidden=16, layers=2, heads=2, context=16), len(vocab)).eval()
    a, b = vocab.encode("the cat sat"), vocab.encode("the cat mat")
    with torch.no_grad():
        la, lb = model(a[None])[0], model(b[None])[0]
    assert torch.allclose(la[0, :8], lb[0, :8], atol=1e-6) and not torch.allclose(la[0, 8:], lb[0, 8:])
    text = TEXT[:129]
    ids = vocab.encode(text)
    with torch.no_grad():
        manual = F.cross_entropy(model(ids[:-1].view(8, 16))[0].reshape(-1, len(vocab)), ids[1:])
    assert lm.evaluate(model, vocab, text, CPU, window=16) == pytest.approx(float(manual), rel=1e-5)


def test_bigram_baseline_matches_counting_by_hand() -> None:
    vocab = lm.Vocab.of("abab")
    uni, big = lm.unigram_bigram_nats("abab", "ab", vocab)
    assert uni == pytest.approx(-math.log(0.5))
    assert big == pytest.approx(-math.log((2 + 1) / (2 + 2)))  # a->b seen twice, add-one over 2 symbols


def test_hidden_states_one_row_per_character() -> None:
    vocab = lm.Vocab.of(TEXT)
    model = lm.build(lm.LMConfig(kind="lstm", hidden=10, embed=4), len(vocab))
    assert isinstance(model, lm.CharRNN)
    h = lm.hidden_states(model, vocab, "the dog", CPU)
    assert h.shape == (7, 10) and h.abs().max() <= 1


def test_shipped_language_model_was_trained_on_the_shipped_corpus() -> None:
    from demos.seq.panels import STORE

    meta = STORE.meta("lm")
    assert meta["corpus"]["sha256"] == lm.text_hash(lm.load_corpus())
    assert meta["corpus"]["characters"] == len(lm.load_corpus())


# ------------------------------------------------------------------------------------------------ attention


def test_reversal_batches_and_typed_text() -> None:
    source, target = attention.make_batch(4, 6, generator(0))
    assert source.shape == (4, 7) and (source[:, -1] == attention.EOS).all()
    assert torch.equal(target, source[:, :-1].flip(1))
    assert attention.encode_text("abc").tolist() == [[0, 1, 2, attention.EOS]]
    with pytest.raises(ValueError, match="'z'"):
        attention.encode_text("abz")


@settings(max_examples=25, deadline=None)
@given(b=st.integers(1, 3), tq=st.integers(1, 6), tk=st.integers(1, 6), heads=st.sampled_from([1, 2, 4]))
def test_multi_head_attention_matches_torch(b: int, tq: int, tk: int, heads: int) -> None:
    """Our attention against torch's scaled_dot_product_attention, the library oracle."""
    mha = attention.MultiHeadAttention(8, heads)
    x, mem = torch.randn(b, tq, 8), torch.randn(b, tk, 8)
    out, weights = mha(x, mem)
    split = lambda t, n: t.view(b, n, heads, 8 // heads).transpose(1, 2)  # noqa: E731
    ref = F.scaled_dot_product_attention(split(mha.q(x), tq), split(mha.k(mem), tk), split(mha.v(mem), tk))
    assert torch.allclose(out, mha.proj(ref.transpose(1, 2).reshape(b, tq, 8)), atol=1e-5)
    assert weights.shape == (b, heads, tq, tk) and torch.allclose(weights.sum(-1), torch.ones(b, heads, tq))
    if tq == tk:
        causal, cw = mha(x, x, causal=True)
        assert torch.all(cw.triu(1) == 0)
        ref = F.scaled_dot_product_attention(
            split(mha.q(x), tq), split(mha.k(x), tq), split(mha.v(x), tq), is_causal=True
        )
        assert torch.allclose(causal, mha.proj(ref.transpose(1, 2).reshape(b, tq, 8)), atol=1e-5)


@pytest.mark.parametrize(
    ("kind", "positions"),
    [("seq2seq", "start"), ("attention", "start"), ("transformer", "start"), ("transformer", "end")],
)
def test_translators_shapes_and_a_falling_loss(kind: attention.Kind, positions: attention.Positions) -> None:
    config = attention.AttentionConfig(
        kind=kind,
        width=16,
        heads=2,
        layers=1,
        steps=60,
        batch=32,
        min_length=3,
        max_length=4,
        lr=0.01,
        positions=positions,
    )
    run = attention.train(config, CPU)
    assert falls([v for _, v in run.losses], 0.9)
    source, target = attention.make_batch(2, 5, generator(3))
    logits, weights = run.model(source, attention.shifted(target))
    assert logits.shape == (2, 5, len(attention.LETTERS))
    if kind == "seq2seq":
        assert weights is None
    else:
        assert weights is not None and weights.shape == (2, 5, 6)
    out, maps = attention.translate(run.model, "abcd", CPU)
    assert len(out) == 4 and (maps is None) == (kind == "seq2seq")
    if isinstance(run.model, attention.TransformerSeq2Seq):
        assert run.model.from_end == (positions == "end")


def test_score_counts_a_peak_on_the_aligned_letter() -> None:
    class Perfect(torch.nn.Module):
        def greedy(self, source: torch.Tensor, length: int) -> tuple[torch.Tensor, torch.Tensor]:
            weights = torch.zeros(len(source), length, length + 1)
            weights[:, torch.arange(length), torch.arange(length - 1, -1, -1)] = 1
            return source[:, :-1].flip(1), weights

    got = attention.score(Perfect(), 5, 10, 0, CPU)  # type: ignore[arg-type]
    assert (got.sequence_accuracy, got.token_accuracy, got.peak_on_source) == (1.0, 1.0, 1.0)


# ------------------------------------------------------------------------------------------------ word vectors


def test_words_vocabulary_and_pairs() -> None:
    assert wordvec.words("The LSTM's gates; max-pooling 2x2!") == ["the", "lstm", "s", "gates", "max-pooling", "x2"]
    assert wordvec.vocabulary(["b", "a", "b", "a", "c"], 2) == ["a", "b"]
    pairs = wordvec.pairs_of(np.array([0, 1, -1, 2]), 1)
    assert sorted(map(tuple, pairs.tolist())) == [(0, 1), (1, 0)]


@settings(max_examples=40, deadline=None)
@given(word=st.sampled_from(sorted(set(wordvec.words(lm.NOTES.read_text(encoding="utf-8"))))))
def test_word_pieces_match_the_tokenizers_library(word: str) -> None:
    """Our greedy WordPiece split against the HuggingFace tokenizer that ships with the model."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(wordvec.minilm_dir() / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    _, pieces = wordvec.minilm_table()
    if "-" in word:  # the tokenizer splits punctuation first; the lab only looks words up whole
        return
    assert wordvec.word_pieces(word, pieces) == tok.encode(word, add_special_tokens=False).tokens


def test_space_neighbours_analogy_and_rank() -> None:
    vocab = ["king", "queen", "man", "woman", "apple"]
    vectors = np.array([[1, 1, 0], [1, -1, 0], [0, 1, 0.1], [0, -1, 0.1], [0, 0, 1]], dtype=np.float32)
    space = wordvec.Space.of("toy", vocab, vectors)
    assert space.neighbours("king", 1)[0][0] == "man"
    assert space.analogy("man", "woman", "king", 1)[0][0] == "queen"
    assert space.rank("king", "man") == 1
    with pytest.raises(KeyError, match="not among"):
        space.neighbours("pear")


def test_skipgram_tiny_run_learns_and_minilm_vectors_have_the_table_width() -> None:
    import random

    rng = random.Random(0)
    topics = (["red", "apple", "sweet", "fruit", "juice"], ["blue", "sky", "wide", "air", "cloud"])
    text = " ".join(" ".join(rng.sample(words, 5)) for words in topics for _ in range(80))  # 80 of one, then 80
    config = wordvec.SkipGramConfig(dim=8, window=2, epochs=6, batch=64, min_count=2, subsample=1.0)
    run = wordvec.train_skipgram(text, config)
    assert run.vectors.shape == (len(run.vocab), 8)
    assert run.losses[-1] < run.losses[0]
    space = wordvec.Space.of("sg", run.vocab, run.vectors)
    assert space.rank("apple", "fruit") < space.rank("apple", "sky")
    mini, counts = wordvec.minilm_vectors(["image", "lstm"])
    assert mini.shape == (2, 384) and counts == [1, 3]


def test_gpu_check_runs_on_the_cpu_with_tiny_sizes() -> None:
    from demos.seq.gpu import gpu_check

    out = gpu_check(CPU, steps=2)
    assert {"memory_lstm_2_steps_s", "lm_transformer_2_steps_s", "attention_transformer_2_steps_s"} <= set(out)
    assert out["memory_lstm_40_accuracy_device"] == out["memory_lstm_40_accuracy_cpu"] >= 0.9
    assert out["lm_lstm_val_nats_device"] == out["lm_lstm_val_nats_cpu"] < 2.0
