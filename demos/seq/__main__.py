"""Command line for the sequence labs.

``python -m demos.seq train memory``     RNN, GRU and LSTM at every length of the sweep -> checkpoints/memory.*
``python -m demos.seq train lm``         the corpus from the notes and the cards (saved to data/corpus.txt), then the
                                         four character models -> checkpoints/lm.*; ``--saved-corpus`` trains on
                                         the shipped data/corpus.txt instead (to reproduce the checkpoint exactly)
``python -m demos.seq train attention``  the three reversal translators -> checkpoints/attention.*
``python -m demos.seq train wordvec``    skip-gram on the saved corpus -> checkpoints/skipgram.*
``python -m demos.seq results``          rebuild results/<lab>.json (what the panels draw) from the checkpoints
``python -m demos.seq eval --json``      measure the labs' claims from the checkpoints (``--full``, ``--save``)

Every command takes ``--device --threads --seed --json``; shipped checkpoints were made with ``--threads 1``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from typing import Any

from demos.claims import add_eval_command, run_cli
from demos.common import LabError, add_common_args, bounded, check_common_args, hardware

WHAT = ("memory", "lm", "attention", "wordvec")
SHARED = "the 2-core CPU was shared with other jobs while this ran, so the seconds are an upper bound"


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _every(n: int, what: str) -> Callable[[int, float], None]:
    """A progress callback that logs every ``n`` steps."""

    def log(step: int, loss: float) -> None:
        if step % n == 0:
            _log(f"{what} step {step}: {loss:.4f}")

    return log


def _meta(args: argparse.Namespace, command: str, seconds: float, **extra: Any) -> dict[str, Any]:
    device = check_common_args(args)
    if args.seed:
        command += f" --seed {args.seed}"
    return {
        "command": command,
        "seed": args.seed,
        "seconds": round(seconds, 1),
        "hardware": hardware(device),
        "note": SHARED if device.type == "cpu" else "",
        **extra,
    }


def train_memory(args: argparse.Namespace) -> dict[str, Any]:
    from demos.seq import memory, panels

    device = check_common_args(args)
    steps = args.steps or memory.MemoryConfig().steps
    bounded("--steps", steps, 1, 100_000)
    runs, t0, models = [], time.perf_counter(), {}
    for length in memory.LENGTHS:
        for cell in memory.CELLS:
            config = memory.MemoryConfig(cell=cell, length=length, steps=steps, seed=args.seed)
            run = memory.train(config, device)
            models[f"{cell}-{length}"] = memory.state_dict_record(run)
            runs.append({"cell": cell, "length": length, "seconds": round(run.seconds, 1), "losses": run.losses})
            _log(f"memory {cell} length {length}: loss {run.losses[-1]:.4f} ({run.seconds:.0f} s)")
    command = "python -m demos.seq train memory --threads 1" + (f" --steps {steps}" if args.steps else "")
    shared = {k: v for k, v in asdict(config).items() if k not in ("cell", "length")}  # the same for every run
    meta = _meta(args, command, time.perf_counter() - t0, config=shared, lengths=list(memory.LENGTHS), runs=runs)
    panels.STORE.save("memory", {"models": models}, meta)
    panels.write_memory(device)
    return {k: v for k, v in meta.items() if k != "runs"}


def train_lm(args: argparse.Namespace) -> dict[str, Any]:
    from demos.seq import lm, panels

    device = check_common_args(args)
    if args.saved_corpus:
        text = lm.load_corpus()
        source = "the shipped data/corpus.txt"
    else:
        text = lm.corpus_from_content()
        lm.CORPUS.write_text(text, encoding="utf-8")
        source = "data/notes.txt and every card's Explained section, via kb.cards.load_content()"
    train_text, val_text = lm.split(text)
    vocab = lm.Vocab.of(text)
    models, runs, t0 = {}, {}, time.perf_counter()
    for kind in args.kinds or lm.KINDS:
        config = panels.LM_CONFIGS[kind]
        config = replace(config, seed=args.seed, steps=args.steps or config.steps)
        run = lm.train(config, train_text, device, vocab=vocab, val_text=val_text, on_step=_every(250, f"lm {kind}"))
        models[kind] = lm.record(run)
        runs[kind] = {
            "config": asdict(config),
            "seconds": round(run.seconds, 1),
            "losses": run.losses,
            "val_losses": run.val_losses,
            "parameters": sum(p.numel() for p in run.model.parameters()),
        }
    command = "python -m demos.seq train lm --threads 1" + (" --saved-corpus" if args.saved_corpus else "")
    meta = _meta(
        args,
        command,
        time.perf_counter() - t0,
        corpus={
            "source": source,
            "file": "demos/seq/data/corpus.txt",
            "sha256": lm.text_hash(text),
            "characters": len(text),
            "train_characters": len(train_text),
            "validation_characters": len(val_text),
            "split": f"blocks of {lm.BLOCK} characters, every {lm.VAL_EVERY}th held out",
            "vocabulary": len(vocab),
        },
        reproduce="python -m demos.seq train lm --threads 1 --saved-corpus",
        runs=runs,
    )
    panels.STORE.save("lm", {"models": models, "corpus_sha256": lm.text_hash(text)}, meta)
    panels.write_lm(device)
    return {k: v for k, v in meta.items() if k != "runs"} | {
        "seconds_per_model": {k: r["seconds"] for k, r in runs.items()}
    }


def train_attention(args: argparse.Namespace) -> dict[str, Any]:
    from demos.seq import attention, panels

    device = check_common_args(args)
    names = args.kinds or list(panels.ATTENTION_CONFIGS)
    unknown = sorted(set(names) - set(panels.ATTENTION_CONFIGS))
    if unknown:
        raise LabError(f"no translator called {', '.join(unknown)}: choose from {', '.join(panels.ATTENTION_CONFIGS)}")
    models: dict[str, Any] = {}
    runs: dict[str, Any] = {}
    if args.kinds and panels.STORE.path("attention").is_file():  # retrain some, keep the others
        models = panels.STORE.load("attention")["models"]
        runs = panels.STORE.meta("attention")["runs"]
    t0 = time.perf_counter()
    for name in names:
        config = replace(panels.ATTENTION_CONFIGS[name], seed=args.seed)
        if args.steps:
            config = replace(config, steps=args.steps)
        run = attention.train(config, device, on_step=_every(250, name))
        models[name] = attention.record(run)
        runs[name] = {
            "config": asdict(config),
            "seconds": round(run.seconds, 1),
            "losses": run.losses,
            "command": "python -m demos.seq train attention --threads 1" + (f" --kinds {name}" if args.kinds else ""),
        }
    meta = _meta(args, "python -m demos.seq train attention --threads 1", time.perf_counter() - t0, runs=runs)
    panels.STORE.save("attention", {"models": models}, meta)
    panels.write_attention(device)
    return {k: v for k, v in meta.items() if k != "runs"}


def train_wordvec(args: argparse.Namespace) -> dict[str, Any]:
    from demos.seq import lm, panels, wordvec

    check_common_args(args)
    text = lm.load_corpus()
    config = replace(panels.SKIPGRAM, seed=args.seed)
    run = wordvec.train_skipgram(text, config, on_epoch=lambda e, loss: _log(f"skip-gram epoch {e}: {loss:.4f}"))
    meta = _meta(
        args,
        "python -m demos.seq train wordvec --threads 1",
        run.seconds,
        config=asdict(config),
        corpus_sha256=lm.text_hash(text),
        words=len(wordvec.words(text)),
        vocabulary=len(run.vocab),
        pairs_per_epoch=run.pairs,
        losses=run.losses,
    )
    panels.STORE.checkpoints.mkdir(parents=True, exist_ok=True)
    wordvec.save_skipgram(run, panels.STORE.path("skipgram", ".npz"))
    panels.STORE.write_meta("skipgram", meta)
    panels.write_wordvec()
    return meta


def results_command(args: argparse.Namespace) -> dict[str, Any]:
    from demos.seq import panels

    device = check_common_args(args)
    unknown = sorted(set(args.labs) - set(WHAT))
    if unknown:
        raise LabError(f"no lab called {', '.join(unknown)}: choose from {', '.join(WHAT)}")
    done = {}
    for what in args.labs or WHAT:
        t0 = time.perf_counter()
        if what == "memory":
            panels.write_memory(device)
        elif what == "lm":
            panels.write_lm(device)
        elif what == "attention":
            panels.write_attention(device)
        else:
            panels.write_wordvec()
        done[what] = round(time.perf_counter() - t0, 1)
    return {"written": done}


TRAINERS = {"memory": train_memory, "lm": train_lm, "attention": train_attention, "wordvec": train_wordvec}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.seq", description="The sequence labs' tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a lab's shipped models (seeded) and write its checkpoint and results")
    t.add_argument("what", choices=WHAT)
    add_common_args(t)
    t.add_argument("--steps", type=int, help="override the number of training steps")
    t.add_argument("--kinds", nargs="+", help="lm / attention: only these models")
    t.add_argument("--saved-corpus", action="store_true", help="lm: train on the shipped data/corpus.txt")
    r = sub.add_parser("results", help="rebuild results/<lab>.json from the checkpoints")
    r.add_argument("labs", nargs="*", help=f"any of {', '.join(WHAT)} (default: all)")
    add_common_args(r)
    add_eval_command(sub)
    args = parser.parse_args(argv)
    return run_cli(
        "seq", args, argv, {"train": lambda a: TRAINERS[a.what](a), "results": results_command}, errors=(ValueError,)
    )


if __name__ == "__main__":
    sys.exit(main())
