"""Search speed: index build time and warm query latency, for the real cards and for a generated corpus.

The generated corpus has N cards (default 10,000) whose titles, bullets and sentences are shuffled, numbered
recombinations of the real cards' text, so every passage is new text that must really be embedded. Queries are
the learner questions in bench/search_questions.yaml, each asked several times after one warm-up. Prints JSON.

    .venv/bin/python bench/search_bench.py [--cards 10000] [--skip-generated] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session

from db.engine import make_engine
from db.sync import sync_content
from kb import search as ks
from kb.cards import Card, LoadResult, QuizItem, load_content
from kb.embed import load_minilm

QUESTIONS = Path(__file__).with_name("search_questions.yaml")


def generated_corpus(real: LoadResult, n: int, seed: int = 0) -> LoadResult:
    rng = random.Random(seed)
    bullets = [b for c in real.cards for b in c.note_bullets]
    sentences = [s for c in real.cards for s in ks.split_sentences(c.explained)]
    words = sorted({w for c in real.cards for w in c.title.split() if w.isalpha() and len(w) > 3})
    post = real.posts[0]
    cards = []
    for i in range(n):
        title = f"{' '.join(rng.sample(words, 3)).capitalize()} {i}"
        notes = "\n".join(f"- {b} ({i})" for b in rng.sample(bullets, 2))
        explained = " ".join(f"{s.rstrip('.')} in case {i}." for s in rng.sample(sentences, 2))
        cards.append(
            Card(
                id=f"gen-{i}",
                title=title,
                post_slug=post.slug,
                section=post.sections[0],
                tags=("generated",),
                related=(),
                notes=notes,
                explained=explained,
                quiz=(QuizItem(kind="qa", prompt=f"What is {title}?", answer=explained[:80]),),
            )
        )
    return LoadResult(posts=real.posts, cards=cards)


def latency(questions: list[str], cards: dict[str, Card], engine, embedder, index, repeat: int) -> dict:
    out = {}
    with Session(engine) as session:
        for mode in ks.MODES:
            ks.search(questions[0], cards=cards, session=session, index=index, embedder=embedder, mode=mode)
            times = []
            for _ in range(repeat):
                for q in questions:
                    t0 = time.perf_counter()
                    ks.search(q, cards=cards, session=session, index=index, embedder=embedder, mode=mode, k=10)
                    times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            out[mode] = {
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
                "queries": len(times),
            }
    return out


def measure(loaded: LoadResult, embedder, questions: list[str], repeat: int, tmp: str, name: str) -> dict:
    engine = make_engine(f"sqlite:///{tmp}/{name}.db")
    with Session(engine) as session:
        t0 = time.perf_counter()
        sync_content(loaded, session=session)
        sync_s = time.perf_counter() - t0
        build = ks.update_index(loaded.cards, embedder, session=session)
        t0 = time.perf_counter()
        index = ks.SemanticIndex.load(embedder.name, session=session)
        load_s = time.perf_counter() - t0
    cards = {c.id: c for c in loaded.cards}
    result = {
        "cards": len(loaded.cards),
        "passages": len(index),
        "sync_s": round(sync_s, 1),
        "embed_s": round(build.seconds, 1),
        "index_load_s": round(load_s, 2),
        "full_build_s": round(sync_s + build.seconds, 1),
        "latency": latency(questions, cards, engine, embedder, index, repeat),
    }
    engine.dispose()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000, help="size of the generated corpus")
    parser.add_argument("--skip-generated", action="store_true", help="only the real cards")
    parser.add_argument("--repeat", type=int, default=3, help="times each question is asked")
    args = parser.parse_args()
    questions = [q["query"] for q in yaml.safe_load(QUESTIONS.read_text())]
    real = load_content()
    t0 = time.perf_counter()
    embedder = load_minilm()
    report: dict[str, object] = {
        "model": embedder.name,
        "device": embedder.device,
        "model_load_s": round(time.perf_counter() - t0, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
    }
    with tempfile.TemporaryDirectory() as tmp:
        report["real_cards"] = measure(real, embedder, questions, args.repeat, tmp, "real")
        if not args.skip_generated:
            report["generated_cards"] = measure(
                generated_corpus(real, args.cards), embedder, questions, args.repeat, tmp, "generated"
            )
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
