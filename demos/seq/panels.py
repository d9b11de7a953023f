"""The shipped configurations of the sequence labs, and the results their panels draw without torch.

``write_<lab>(device)`` loads the lab's checkpoint, measures what the panel shows and writes
``results/<lab>.json``; ``python -m demos.seq results`` runs them all, ``train`` runs its lab's after training.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import torch

from demos.common import generator, label
from demos.records import Store
from demos.seq import attention, lm, memory, wordvec

STORE = Store("seq")
EVAL_SEED = 12_345  # held-out sequences: a seed no training run draws from

LM_CONFIGS: dict[str, lm.LMConfig] = {
    "rnn": lm.LMConfig(kind="rnn", hidden=128, context=64, steps=1000, lr=0.01),
    "gru": lm.LMConfig(kind="gru", hidden=128, context=64, steps=1000, lr=0.01),
    "lstm": lm.LMConfig(kind="lstm", hidden=128, context=64, steps=1000, lr=0.01),
    "transformer": lm.LMConfig(kind="transformer", hidden=64, layers=2, heads=4, context=64, steps=1000, lr=0.005),
}
ATTENTION_CONFIGS: dict[str, attention.AttentionConfig] = {
    "seq2seq": attention.AttentionConfig(kind="seq2seq", width=32, steps=1200),
    "attention": attention.AttentionConfig(kind="attention", width=32, steps=1200),
    "transformer": attention.AttentionConfig(
        kind="transformer", width=32, heads=4, layers=2, steps=1200, lr=1e-3, positions="end"
    ),
    "transformer-start": attention.AttentionConfig(
        kind="transformer", width=32, heads=4, layers=2, steps=1200, lr=1e-3, positions="start"
    ),
}
SKIPGRAM = wordvec.SkipGramConfig(epochs=10, batch=1024)
TEMPERATURES = (0.3, 0.6, 0.8, 1.0, 1.3)
PROMPT = "An LSTM "
SAMPLE_LENGTH = 240
HIDDEN_PASSAGE = 360  # characters of validation text whose hidden states the panel colours


# ------------------------------------------------------------------------------------------------ memory


def memory_models(device: torch.device) -> dict[str, memory.Recaller]:
    models = STORE.load("memory")["models"]
    return {key: memory.from_record(rec, device) for key, rec in models.items()}


def write_memory(device: torch.device) -> dict[str, Any]:
    models = memory_models(device)
    meta = STORE.meta("memory")
    acc: dict[str, list[float]] = {c: [] for c in memory.CELLS}
    grads: dict[str, dict[str, list[float]]] = {c: {} for c in memory.CELLS}
    grads_init: dict[str, dict[str, list[float]]] = {c: {} for c in memory.CELLS}
    for length in memory.LENGTHS:
        for cell in memory.CELLS:
            model = models[f"{cell}-{length}"]
            acc[cell].append(round(memory.accuracy(model, length, 1000, EVAL_SEED, device), 4))
            grads[cell][str(length)] = [
                float(f"{v:.3e}") for v in memory.input_gradients(model, length, 256, EVAL_SEED, device)
            ]
            fresh = memory.build(memory.MemoryConfig(cell=cell, length=length, seed=meta["seed"])).to(device)
            grads_init[cell][str(length)] = [
                float(f"{v:.3e}") for v in memory.input_gradients(fresh, length, 256, EVAL_SEED, device)
            ]
    data = {
        "lengths": list(memory.LENGTHS),
        "cells": list(memory.CELLS),
        "names": memory.CELL_NAMES,
        "chance": 1 / memory.SYMBOLS,
        "accuracy": acc,
        "gradients": grads,
        "gradients_init": grads_init,
        "losses": {f"{r['cell']}-{r['length']}": r["losses"] for r in meta["runs"]},
        "config": meta["config"],
        "command": meta["command"],
        "train_seconds": meta["seconds"],
        "device": label(device),
        "held_out": 1000,
    }
    STORE.write_result("memory", data)
    return data


# ------------------------------------------------------------------------------------------------ language model


def lm_models(device: torch.device) -> tuple[dict[str, lm.LanguageModel], lm.Vocab]:
    payload = STORE.load("lm")
    out, vocab = {}, None
    for kind, rec in payload["models"].items():
        out[kind], vocab = lm.from_record(rec, device)
    assert vocab is not None
    return out, vocab


def _units(hidden: torch.Tensor, text: str) -> dict[str, dict[str, Any]]:
    """For a few properties of each character, the unit whose state follows it best (Pearson correlation)."""
    depth, inside = [], 0
    for ch in text:
        inside += ch == "("
        depth.append(1.0 if inside > 0 else 0.0)
        inside -= ch == ")" and inside > 0
    features = {
        "inside parentheses": depth,
        "inside a word": [1.0 if ch.isalpha() else 0.0 for ch in text],
        "a space": [1.0 if ch == " " else 0.0 for ch in text],
    }
    h = hidden.numpy().astype(np.float64)  # (T, H)
    hc = h - h.mean(0)
    out = {}
    for name, values in features.items():
        f = np.array(values) - np.mean(values)
        denom = np.sqrt((hc**2).sum(0) * (f**2).sum()) + 1e-12
        corr = (hc * f[:, None]).sum(0) / denom  # (H,)
        best = int(np.argmax(np.abs(corr)))
        out[name] = {"unit": best, "correlation": round(float(corr[best]), 3)}
    return out


def write_lm(device: torch.device) -> dict[str, Any]:
    models, vocab = lm_models(device)
    meta = STORE.meta("lm")
    text = lm.load_corpus()
    if lm.text_hash(text) != meta["corpus"]["sha256"]:
        raise ValueError("data/corpus.txt is not the corpus the checkpoint was trained on: retrain the language model")
    train_text, val_text = lm.split(text)
    uni, big = lm.unigram_bigram_nats(train_text, val_text, vocab)
    entries = {}
    samples: dict[str, dict[str, str]] = {}
    for kind, model in models.items():
        nats = lm.evaluate(model, vocab, val_text, device)
        run = meta["runs"][kind]
        entries[kind] = {
            "name": lm.KIND_NAMES[kind],
            "parameters": run["parameters"],
            "val_nats": round(nats, 4),
            "perplexity": round(float(np.exp(nats)), 3),
            "seconds": run["seconds"],
            "val_curve": run["val_losses"],
            "train_curve": run["losses"],
        }
        samples[kind] = {
            str(t): lm.sample(model, vocab, PROMPT, SAMPLE_LENGTH, t, generator(EVAL_SEED), device)
            for t in TEMPERATURES
        }
    opening = val_text.find("(", 120)  # a passage with a bracket in it, so "inside parentheses" can show
    start = max(0, opening - 120) if opening >= 0 else 0
    passage = val_text[start : start + HIDDEN_PASSAGE]
    lstm_model = models["lstm"]
    assert isinstance(lstm_model, lm.CharRNN)
    hidden = lm.hidden_states(lstm_model, vocab, passage, device)  # (T, H)
    quant = (hidden.clamp(-1, 1) * 127).round().to(torch.int8).numpy()  # (T, H)
    data = {
        "models": entries,
        "baselines": {"unigram": round(float(np.exp(uni)), 3), "bigram": round(float(np.exp(big)), 3)},
        "samples": samples,
        "temperatures": list(TEMPERATURES),
        "prompt": PROMPT,
        "hidden": {
            "text": passage,
            "units": int(quant.shape[1]),
            "int8_base64": base64.b64encode(quant.tobytes()).decode("ascii"),
            "scale": 127,
            "model": "lstm",
            "interesting": _units(hidden, passage),
        },
        "corpus": meta["corpus"],
        "command": meta["command"],
        "device": label(device),
    }
    STORE.write_result("lm", data)
    return data


# ------------------------------------------------------------------------------------------------ attention


def attention_models(device: torch.device) -> dict[str, attention.Translator]:
    return {k: attention.from_record(rec, device) for k, rec in STORE.load("attention")["models"].items()}


def write_attention(device: torch.device, n: int = 500) -> dict[str, Any]:
    models = attention_models(device)
    meta = STORE.meta("attention")
    scores: dict[str, dict[str, list[Any]]] = {}
    models = {k: models[k] for k in attention.MODEL_NAMES if k in models}  # a fixed order
    for kind, model in models.items():
        got = [attention.score(model, length, n, EVAL_SEED + length, device) for length in attention.TEST_LENGTHS]
        scores[kind] = {
            "sequence_accuracy": [round(s.sequence_accuracy, 4) for s in got],
            "token_accuracy": [round(s.token_accuracy, 4) for s in got],
            "peak_on_source": [None if s.peak_on_source is None else round(s.peak_on_source, 4) for s in got],
        }
    gen = generator(EVAL_SEED)
    examples = []
    for length in (8, 16, 24):
        letters = torch.randint(0, len(attention.LETTERS), (length,), generator=gen)
        text = "".join(attention.LETTERS[i] for i in letters.tolist())
        ex: dict[str, Any] = {"source": text}
        for kind, model in models.items():
            out, weights = attention.translate(model, text, device)
            ex[kind] = {"output": out, "attention": weights}
        examples.append(ex)
    data = {
        "lengths": list(attention.TEST_LENGTHS),
        "train_lengths": list(attention.TRAIN_LENGTHS),
        "names": {k: attention.MODEL_NAMES[k] for k in models},
        "scores": scores,
        "examples": examples,
        "held_out_per_length": n,
        "seconds": {k: r["seconds"] for k, r in meta["runs"].items()},
        "command": meta["command"],
        "device": label(device),
    }
    STORE.write_result("attention", data)
    return data


# ------------------------------------------------------------------------------------------------ word vectors

QUERY_WORDS = (
    "lstm",
    "rnn",
    "gradient",
    "dropout",
    "image",
    "images",
    "convolution",
    "pooling",
    "attention",
    "gan",
    "generator",
    "latent",
    "softmax",
    "anchor",
    "learning",
    "network",
    "video",
    "optical",
    "embedding",
    "loss",
)


def word_spaces() -> tuple[wordvec.Space, wordvec.Space, list[int]]:
    """(MiniLM, skip-gram) over the skip-gram vocabulary, and how many word pieces MiniLM splits each word into."""
    vocab, vectors = wordvec.load_skipgram(STORE.path("skipgram", ".npz"))
    mini, pieces = wordvec.minilm_vectors(vocab)
    return wordvec.Space.of("MiniLM", vocab, mini), wordvec.Space.of("skip-gram", vocab, vectors), pieces


def word_scores(mini: wordvec.Space, sg: wordvec.Space) -> dict[str, Any]:
    vocab = list(sg.vocab)
    form, topic = wordvec.usable(wordvec.FORM_PAIRS, vocab), wordvec.usable(wordvec.TOPIC_PAIRS, vocab)
    analogies = wordvec.usable(wordvec.ANALOGIES, vocab)
    return {
        "form_pairs": len(form),
        "topic_pairs": len(topic),
        "analogies": len(analogies),
        "form_top10": {
            "minilm": round(wordvec.pair_hits(mini, form), 4),
            "skipgram": round(wordvec.pair_hits(sg, form), 4),
        },
        "topic_top10": {
            "minilm": round(wordvec.pair_hits(mini, topic), 4),
            "skipgram": round(wordvec.pair_hits(sg, topic), 4),
        },
        "analogy_top1": {
            "minilm": round(wordvec.analogy_hits(mini, analogies), 4),
            "skipgram": round(wordvec.analogy_hits(sg, analogies), 4),
        },
    }


def write_wordvec() -> dict[str, Any]:
    mini, sg, pieces = word_spaces()
    meta = STORE.meta("skipgram")
    _, piece_of = wordvec.minilm_table()
    words = [w for w in QUERY_WORDS if w in sg.vocab]
    analogies = wordvec.usable(wordvec.ANALOGIES, list(sg.vocab))
    data = {
        "words": words,
        "neighbours": {w: {"minilm": mini.neighbours(w), "skipgram": sg.neighbours(w)} for w in words},
        "pieces": {w: wordvec.word_pieces(w, piece_of) for w in words},
        "vocabulary": list(sg.vocab),
        "single_piece_share": round(sum(p == 1 for p in pieces) / len(pieces), 4),
        "scores": word_scores(mini, sg),
        "analogies": [
            {"items": list(a), "minilm": mini.analogy(a[0], a[1], a[2]), "skipgram": sg.analogy(a[0], a[1], a[2])}
            for a in analogies
        ],
        "form_pairs": wordvec.usable(wordvec.FORM_PAIRS, list(sg.vocab)),
        "topic_pairs": wordvec.usable(wordvec.TOPIC_PAIRS, list(sg.vocab)),
        "skipgram": {k: meta[k] for k in ("config", "seconds", "words", "vocabulary", "losses", "command")},
    }
    STORE.write_result("wordvec", data)
    return data
