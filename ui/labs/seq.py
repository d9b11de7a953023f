"""Panels of the sequence labs: memory over time, the notes' language model, attention, word vectors.

Each draws its shipped result (``demos/seq/results/<lab>.json``) at once, without torch; the learner's first
interaction that needs a model loads it (cached) and computes.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from demos.claims import shipped as shipped_record
from demos.registry import Lab
from ui.compute import Progress
from ui.labs.seg_view import record_hardware
from ui.labs.seqgen import (
    COLOURS,
    FIG,
    device,
    device_label,
    live_result,
    shipped,
    small_layout,
    start_live,
    unpack_int8,
)
from ui.state import kept, recall, remember

# ------------------------------------------------------------------------------------------------ memory

LIVE_MEMORY_STEPS = 300


def memory_panel(lab: Lab, key: str) -> None:
    data = shipped("seq", "memory")
    lengths: list[int] = data["lengths"]
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    length = c1.select_slider("Sequence length", options=lengths, **kept(f"{key}-length", 40))
    live_runs: dict[str, dict[str, Any]] = recall(f"{key}-live", {})
    if c2.button(
        f"Train all three live at length {length}",
        key=f"{key}-train",
        icon=":material/play_arrow:",
        help=f"{LIVE_MEMORY_STEPS} steps each, fewer than the shipped runs' 1,000",
    ):
        start_live(key, f"the recall task at length {length}", _memory_job(length))
    done = live_result(key)
    if done is not None:
        live_runs[str(done["length"])] = done
        remember(f"{key}-live", live_runs)
    left, right = st.columns(2)
    fig = go.Figure()
    for cell in data["cells"]:
        fig.add_scatter(
            x=lengths,
            y=data["accuracy"][cell],
            name=data["names"][cell],
            mode="lines+markers",
            line={"color": COLOURS[cell]},
        )
        mine = sorted((r["length"], r["accuracy"][cell]) for r in live_runs.values())
        if mine:
            fig.add_scatter(
                x=[m[0] for m in mine],
                y=[m[1] for m in mine],
                name=f"{data['names'][cell]} (your run)",
                mode="markers",
                marker={"symbol": "x", "size": 11, "color": COLOURS[cell]},
            )
    fig.add_hline(y=data["chance"], line_dash="dot", line_color="#999", annotation_text="chance")
    fig.add_vline(x=length, line_color="#CCC")
    fig.update_xaxes(type="log", title="sequence length", tickvals=lengths)
    fig.update_yaxes(title="held-out accuracy", range=[0, 1.05])
    left.plotly_chart(small_layout(fig, "Recall the first symbol"), key=f"{key}-acc", config=FIG)
    left.caption(
        f"Accuracy on {data['held_out']:,} fresh sequences of each length, {data['config']['steps']:,} training "
        "steps per cell and length. Chance is 1 in 8."
    )
    when = right.segmented_control(
        "Gradient", ["after training", "at initialisation"], **kept(f"{key}-when", "after training")
    )
    grads = data["gradients" if when != "at initialisation" else "gradients_init"]
    gfig = go.Figure()
    for cell in data["cells"]:
        g = np.asarray(grads[cell][str(length)])
        gfig.add_scatter(
            x=list(range(length)), y=g / g[-1], name=data["names"][cell], mode="lines", line={"color": COLOURS[cell]}
        )
    gfig.update_yaxes(type="log", title="|dL/dx_t| ÷ its value at the last step", exponentformat="power")
    gfig.update_xaxes(title="time step t (the symbol to recall is at t = 0)")
    right.plotly_chart(small_layout(gfig, f"Backprop through time, length {length}"), key=f"{key}-grad", config=FIG)
    right.caption(
        "How much of the loss's gradient reaches each step's input, relative to the last step (256 held-out "
        "sequences). Where a curve falls by orders of magnitude towards t = 0, the error at the end can no longer "
        "tell the cell what to keep from the start."
    )
    st.caption(
        "The LSTM and GRU start with their keep-gates open (forget bias +3, input bias −3; GRU update bias +3), "
        "the usual initialisation for long memory; the vanilla RNN has no gate to open. "
        f"Shipped by `{data['command']}` ({data['train_seconds']:.0f} s for all 15 runs on a "
        f"{record_hardware(shipped_record('seq'))} shared with other work, an upper bound)."
    )
    if live_runs:
        last = list(live_runs.values())[-1]
        st.caption(
            f"Your run at length {last['length']} ({LIVE_MEMORY_STEPS} steps, {last['seconds']:.0f} s on "
            f"{last['device']}): "
            + ", ".join(f"{data['names'][c]} {last['accuracy'][c]:.0%}" for c in data["cells"])
            + ". Fewer steps than the shipped runs, so long lengths may not be learned yet."
        )


def _memory_job(length: int) -> Callable[[Progress], dict[str, Any]]:
    """The live run: all three cells at ``length`` (the device is read here, the training runs in the background)."""
    from demos.seq import memory

    dev, where = device(), device_label()
    cells = memory.CELLS

    def job(progress: Progress) -> dict[str, Any]:
        t0 = time.perf_counter()
        acc = {}
        for i, cell in enumerate(cells):
            config = memory.MemoryConfig(cell=cell, length=length, steps=LIVE_MEMORY_STEPS, seed=random.randrange(1000))

            def step(s: int, loss: float, i: int = i, cell: str = cell) -> None:
                progress((i + s / LIVE_MEMORY_STEPS) / len(cells), f"{cell.upper()} step {s}: loss {loss:.3f}")

            run = memory.train(config, dev, on_step=step)
            acc[cell] = memory.accuracy(run.model, length, 1000, 777, dev)
        return {"length": length, "accuracy": acc, "seconds": time.perf_counter() - t0, "device": where}

    return job


# ------------------------------------------------------------------------------------------------ language model


@st.cache_resource(show_spinner="Loading the language models…")
def _lm_models() -> Any:
    from demos.seq.panels import lm_models

    return lm_models(device())


@st.cache_data(max_entries=64, show_spinner=False)
def _sample(kind: str, temperature: float, seed: int) -> str:
    from demos.common import generator
    from demos.seq import lm
    from demos.seq.panels import PROMPT, SAMPLE_LENGTH

    models, vocab = _lm_models()
    return lm.sample(models[kind], vocab, PROMPT, SAMPLE_LENGTH, temperature, generator(seed), device())


def _text_heatmap(text: str, values: np.ndarray, width: int = 60) -> go.Figure:
    rows = [text[i : i + width] for i in range(0, len(text), width)]
    z = np.full((len(rows), width), np.nan)
    chars = [["" for _ in range(width)] for _ in rows]
    for i, ch in enumerate(text):
        r, c = divmod(i, width)
        z[r, c] = values[i]
        chars[r][c] = "⏎" if ch == "\n" else ch
    fig = go.Figure(
        go.Heatmap(
            z=z[::-1],
            text=chars[::-1],
            texttemplate="%{text}",
            textfont={"size": 12, "family": "monospace"},
            colorscale="RdBu",
            zmin=-1,
            zmax=1,
            showscale=True,
            colorbar={"thickness": 8, "len": 0.9},
            hovertemplate="%{text}: %{z:.2f}<extra></extra>",
            xgap=0,
            ygap=2,
        )
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return small_layout(fig, height=34 * len(rows) + 20)


def lm_panel(lab: Lab, key: str) -> None:
    data = shipped("seq", "lm")
    models: dict[str, dict[str, Any]] = data["models"]
    kinds = list(models)
    bars = go.Figure(
        go.Bar(
            x=[models[k]["name"] for k in kinds] + ["bigram counts", "unigram counts"],
            y=[models[k]["perplexity"] for k in kinds] + [data["baselines"]["bigram"], data["baselines"]["unigram"]],
            marker_color=[COLOURS[k] for k in kinds] + ["#CCC", "#DDD"],
            text=[f"{models[k]['perplexity']:.2f}" for k in kinds]
            + [f"{data['baselines']['bigram']:.1f}", f"{data['baselines']['unigram']:.1f}"],
            textposition="outside",
        )
    )
    bars.update_yaxes(title="perplexity per character (lower is better)")
    left, right = st.columns([2, 3])
    left.plotly_chart(small_layout(bars, "Held-out perplexity", height=320), key=f"{key}-ppl", config=FIG)
    corpus = data["corpus"]
    sizes = ", ".join(f"{models[k]['name']} {models[k]['parameters']:,}" for k in kinds)
    left.caption(
        f"Each model predicts every character of the held-out {corpus['validation_characters']:,} characters "
        "from the ones before it (windows of 64). Corpus: the six posts and the cards' explanations, "
        f"{corpus['characters']:,} characters, sha256 {corpus['sha256'][:12]}…. Parameters: {sizes}."
    )
    with right:
        kind = (
            st.segmented_control("Model", kinds, format_func=lambda k: models[k]["name"], **kept(f"{key}-kind", "lstm"))
            or "lstm"
        )
        c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
        temperature = c1.select_slider("Temperature", options=data["temperatures"], **kept(f"{key}-temp", 0.8))
        seed = recall(f"{key}-seed")
        if c2.button("Sample again", key=f"{key}-resample", icon=":material/casino:"):
            seed = random.SystemRandom().randrange(1_000_000)
            remember(f"{key}-seed", seed)
        text = data["samples"][kind][str(temperature)] if seed is None else _sample(kind, temperature, seed)
        st.code(data["prompt"] + text, language=None, wrap_lines=True)
        st.caption(
            f"{models[kind]['name']} continuing “{data['prompt'].strip()}” at temperature {temperature}: low "
            "temperatures repeat safe words, high ones invent. "
            + ("Shipped sample." if seed is None else f"New sample, computed on {device_label()}.")
        )
    hidden = data["hidden"]
    states = unpack_int8(hidden["int8_base64"], (len(hidden["text"]), hidden["units"])) / hidden["scale"]
    interesting = hidden["interesting"]
    default = max(interesting.values(), key=lambda v: abs(v["correlation"]))["unit"]
    unit = st.slider("LSTM hidden unit", 0, hidden["units"] - 1, **kept(f"{key}-unit", default))
    st.plotly_chart(_text_heatmap(hidden["text"], states[:, unit]), key=f"{key}-hidden", config=FIG)
    st.caption(
        f"Unit {unit}'s hidden state after each character of held-out text (blue +1, red −1). Units that follow "
        "something: "
        + "; ".join(
            f"{name}: unit {v['unit']} (correlation {v['correlation']:+.2f})" for name, v in interesting.items()
        )
        + ". Most units mix several things, as Karpathy found."
    )
    _lm_live(key)


LIVE_LM_SECONDS = 20.0


def _lm_live(key: str) -> None:
    if st.button(
        f"Train a small LSTM live for {LIVE_LM_SECONDS:.0f} s", key=f"{key}-train", icon=":material/play_arrow:"
    ):
        start_live(key, "a small language model", _lm_job())
    result = live_result(key)
    if result:
        fig = go.Figure(
            go.Scatter(x=[s for s, _ in result["losses"]], y=[v for _, v in result["losses"]], mode="lines")
        )
        fig.update_xaxes(title="step")
        fig.update_yaxes(title="training loss (nats/char)")
        st.plotly_chart(small_layout(fig, "Your live run", height=240), key=f"{key}-livefig", config=FIG)
        st.code(result["sample"], language=None, wrap_lines=True)
        st.caption(
            f"A 64-unit LSTM, {result['steps']} steps in {result['seconds']:.0f} s on {result['device']}: held-out "
            f"perplexity {result['perplexity']:.1f} (the shipped 128-unit LSTM: 1,000 steps). Its sample at "
            "temperature 0.8."
        )


def _lm_job() -> Callable[[Progress], dict[str, Any]]:
    """The live run: a 64-unit LSTM for :data:`LIVE_LM_SECONDS` (corpus and device read here)."""
    import math

    from demos.common import generator
    from demos.seq import lm

    dev, where = device(), device_label()
    text = lm.load_corpus()
    train_text, val_text = lm.split(text)
    vocab = lm.Vocab.of(text)
    config = lm.LMConfig(kind="lstm", hidden=64, context=64, batch=32, steps=400, lr=0.01, seed=random.randrange(1000))

    def job(progress: Progress) -> dict[str, Any]:
        t0 = time.perf_counter()
        run = lm.train(
            config,
            train_text,
            dev,
            vocab=vocab,
            on_step=lambda s, loss: progress(
                (time.perf_counter() - t0) / LIVE_LM_SECONDS, f"step {s}: training loss {loss:.3f}"
            ),
            should_stop=lambda: time.perf_counter() - t0 > LIVE_LM_SECONDS,
        )
        nats = lm.evaluate(run.model, vocab, val_text[:4000], dev)
        sample = lm.sample(run.model, vocab, "The ", 200, 0.8, generator(config.seed), dev)
        return {
            "losses": run.losses,
            "steps": run.losses[-1][0] if run.losses else 0,
            "seconds": time.perf_counter() - t0,
            "perplexity": math.exp(nats),
            "sample": "The " + sample,
            "device": where,
        }

    return job


# ------------------------------------------------------------------------------------------------ attention


@st.cache_resource(show_spinner="Loading the translators…")
def _translators() -> Any:
    from demos.seq.panels import attention_models

    return attention_models(device())


@st.cache_data(max_entries=64, show_spinner=False)
def _translate(text: str) -> dict[str, Any]:
    from demos.seq import attention

    return {
        kind: dict(zip(("output", "attention"), attention.translate(model, text, device()), strict=True))
        for kind, model in _translators().items()
    }


def _attention_map(source: str, output: str, weights: list[list[float]], title: str) -> go.Figure:
    """Output letters (rows) against source letters and the end marker (columns), on numeric axes labelled with
    the letters (a letter can occur twice)."""
    cols, rows = [*source, "end"], list(output)
    fig = go.Figure(
        go.Heatmap(
            z=weights,
            x=list(range(len(cols))),
            y=list(range(len(rows))),
            customdata=[[[r, c] for c in cols] for r in rows],
            colorscale="Blues",
            zmin=0,
            zmax=1,
            showscale=False,
            hovertemplate="output %{customdata[0]} looks at %{customdata[1]}: %{z:.2f}<extra></extra>",
        )
    )
    n = len(output)
    fig.add_scatter(
        x=list(range(n - 1, -1, -1)),
        y=list(range(n)),
        mode="markers",
        showlegend=False,
        hoverinfo="skip",
        marker={"symbol": "circle-open", "size": 9, "color": "#E4572E"},
    )
    mono = {"family": "monospace"}
    fig.update_xaxes(title="source", tickvals=list(range(len(cols))), ticktext=cols, tickfont=mono)
    fig.update_yaxes(
        title="output", autorange="reversed", tickvals=list(range(n)), ticktext=rows, tickfont=mono, scaleanchor="x"
    )
    return small_layout(fig, title, height=360).update_layout(margin={"b": 45})


def attention_panel(lab: Lab, key: str) -> None:
    data = shipped("seq", "attention")
    names: dict[str, str] = data["names"]
    lengths = data["lengths"]
    fig = go.Figure()
    lo, hi = data["train_lengths"]
    fig.add_vrect(
        x0=lo,
        x1=hi,
        fillcolor="#F2F2F2",
        line_width=0,
        layer="below",
    )
    for kind, s in data["scores"].items():
        fig.add_scatter(
            x=lengths, y=s["sequence_accuracy"], name=names[kind], mode="lines+markers", line={"color": COLOURS[kind]}
        )
        if s["peak_on_source"][0] is not None and kind != "transformer-start":
            fig.add_scatter(
                x=lengths,
                y=s["peak_on_source"],
                name=f"{names[kind]}: peak on the right letter",
                mode="lines",
                line={"color": COLOURS[kind], "dash": "dot"},
            )
    fig.update_xaxes(title="letters to reverse")
    fig.update_yaxes(title="share", range=[0, 1.05])
    st.plotly_chart(
        small_layout(fig, "Reversing a sequence: whole sequences right", height=340), key=f"{key}-acc", config=FIG
    )
    st.caption(
        f"Solid: share of {data['held_out_per_length']} fresh sequences per length reversed without a single wrong "
        "letter (greedy decoding). Dotted: share of output steps whose attention peak sits on the source letter "
        "they should copy. Grey band: the lengths trained on (4 to 24). The Transformer numbers source "
        "positions from the end marker; numbered from the first letter (pale), the letter to copy moves with the "
        "length and it did not learn the task in the same steps."
    )
    examples = {ex["source"]: ex for ex in data["examples"]}
    c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
    choice = c1.selectbox("Example", list(examples), **kept(f"{key}-example", next(iter(examples))))
    typed = c2.text_input("…or type letters a–t to reverse", max_chars=40, **kept(f"{key}-typed", ""))
    where = "shipped"
    if typed.strip():
        from demos.seq.attention import encode_text

        try:
            encode_text(typed.strip())
        except ValueError as exc:
            st.error(f"Cannot translate {typed.strip()!r}: {exc}.", icon=":material/error:")
            return
        source, got = typed.strip(), _translate(typed.strip())
        where = f"computed on {device_label()}"
    else:
        source = choice or next(iter(examples))
        got = examples[source]
    cols = st.columns(2)
    for col, kind in zip(cols, ("attention", "transformer"), strict=True):
        out = got[kind]["output"]
        right = sum(a == b for a, b in zip(out, source[::-1], strict=True))
        col.plotly_chart(
            _attention_map(source, out, got[kind]["attention"], f"{names[kind]}: {right}/{len(source)} letters right"),
            key=f"{key}-map-{kind}",
            config=FIG,
        )
    plain = got["seq2seq"]["output"]
    st.caption(
        f"Attention weights of each output letter (rows) over the source letters and the end marker (columns) "
        f"({where}); circles mark the letter it should copy. The Transformer's map is its last decoder layer's "
        f"cross-attention, averaged over heads. Without attention the GRU wrote `{plain}` (right: "
        f"`{source[::-1]}`)."
    )


# ------------------------------------------------------------------------------------------------ word vectors


@st.cache_resource(show_spinner="Loading MiniLM's embedding table and the skip-gram vectors…")
def _spaces() -> Any:
    from demos.seq.panels import word_spaces

    return word_spaces()


def _neighbour_table(pairs: list[list[Any]]) -> list[dict[str, Any]]:
    return [{"word": w, "cosine": s} for w, s in pairs]


def wordvec_panel(lab: Lab, key: str) -> None:
    data = shipped("seq", "wordvec")
    scores = data["scores"]
    fig = go.Figure()
    tests = [
        (f"same word, other form ({scores['form_pairs']} pairs)", "form_top10"),
        (f"discussed together ({scores['topic_pairs']} pairs)", "topic_top10"),
        (f"analogies ({scores['analogies']})", "analogy_top1"),
    ]
    for space, name in (("minilm", "MiniLM word pieces"), ("skipgram", "skip-gram on the notes")):
        fig.add_bar(
            x=[t for t, _ in tests],
            y=[scores[k][space] for _, k in tests],
            name=name,
            marker_color=COLOURS[space],
            text=[f"{scores[k][space]:.0%}" for _, k in tests],
            textposition="outside",
        )
    fig.update_yaxes(title="share right", range=[0, 1.15], tickformat=".0%")
    st.plotly_chart(small_layout(fig, "What each space gets right", height=300), key=f"{key}-scores", config=FIG)
    st.caption(
        "Pairs: is the partner among the word's 10 nearest words (of the notes' "
        f"{len(data['vocabulary']):,}-word vocabulary)? Analogies: is b − a + c nearest to d? "
        f"{1 - data['single_piece_share']:.0%} of the notes' words are split by MiniLM's vocabulary into pieces "
        "(their vector is the mean of the pieces)."
    )
    vocab: list[str] = data["vocabulary"]
    word = st.selectbox("Word", vocab, **kept(f"{key}-word", "lstm" if "lstm" in vocab else vocab[0]))
    word = word or vocab[0]
    if word in data["neighbours"]:
        near, pieces, where = data["neighbours"][word], data["pieces"][word], "shipped"
    else:
        from demos.seq import wordvec

        mini, sg, _ = _spaces()
        _, piece_of = wordvec.minilm_table()
        near = {"minilm": mini.neighbours(word), "skipgram": sg.neighbours(word)}
        pieces, where = wordvec.word_pieces(word, piece_of), "computed (numpy, no torch)"
    left, right = st.columns(2)
    left.markdown(f"**MiniLM** · `{word}` → {' '.join(f'`{p}`' for p in pieces)}")
    left.dataframe(_neighbour_table(near["minilm"]), hide_index=True, key=f"{key}-ml", height=388)
    right.markdown("**Skip-gram on the notes**")
    right.dataframe(_neighbour_table(near["skipgram"]), hide_index=True, key=f"{key}-sg", height=388)
    st.caption(
        f"The 10 nearest words by cosine similarity ({where}). MiniLM's table, learned from general text, groups "
        "forms and spellings of a word; skip-gram, learned from 22,000 words of these notes, groups the words "
        "the notes use together."
    )
    items = [a["items"] for a in data["analogies"]]
    pick = st.selectbox(
        "Analogy a : b :: c : ?", [" : ".join(i[:3]) for i in items], **kept(f"{key}-analogy", " : ".join(items[0][:3]))
    )
    chosen = next(a for a in data["analogies"] if " : ".join(a["items"][:3]) == pick)
    expected = chosen["items"][3]
    cols = st.columns(2)
    for col, space, name in ((cols[0], "minilm", "MiniLM"), (cols[1], "skipgram", "Skip-gram")):
        answers = [w for w, _ in chosen[space]]
        mark = ":green[:material/check:]" if answers and answers[0] == expected else ":red[:material/close:]"
        col.markdown(f"{mark} **{name}**: {', '.join(answers)}")
    st.caption(f"The five words nearest b − a + c; the answer a reader expects is **{expected}**.")
