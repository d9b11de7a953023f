"""The sequence labs' GPU path, run once by ``python -m demos.gpu_check``: a few training steps of every model on
the device, the shipped checkpoints evaluated there, and how far the device's numbers are from the CPU's."""

from __future__ import annotations

import time

import torch

from demos.common import sync
from demos.seq import attention, lm, memory


def _timed(fn: object) -> tuple[object, float]:
    t0 = time.perf_counter()
    out = fn()  # type: ignore[operator]
    return out, time.perf_counter() - t0


def gpu_check(device: torch.device, steps: int = 30, shipped: bool = True) -> dict[str, object]:
    """``steps`` training steps of each model (small sizes) on ``device``; with ``shipped``, the shipped memory and
    language models evaluated on the device and on the CPU (their difference shows the device computes the same)."""
    out: dict[str, object] = {}
    for cell in memory.CELLS:
        run, s = _timed(lambda c=cell: memory.train(memory.MemoryConfig(cell=c, length=20, steps=steps), device))
        sync(device)
        out[f"memory_{cell}_{steps}_steps_s"] = round(s, 3)
        out[f"memory_{cell}_final_loss"] = run.losses[-1]  # type: ignore[attr-defined]
    text = lm.NOTES.read_text(encoding="utf-8")[:20_000]
    vocab = lm.Vocab.of(text)
    for lm_kind in lm.KINDS:
        lm_config = lm.LMConfig(kind=lm_kind, hidden=64, context=64, steps=steps, batch=32)
        _, s = _timed(lambda c=lm_config: lm.train(c, text, device, vocab=vocab))
        sync(device)
        out[f"lm_{lm_kind}_{steps}_steps_s"] = round(s, 3)
    for att_kind in attention.KINDS:
        att_config = attention.AttentionConfig(kind=att_kind, width=32, steps=steps)
        _, s = _timed(lambda c=att_config: attention.train(c, device))
        sync(device)
        out[f"attention_{att_kind}_{steps}_steps_s"] = round(s, 3)
    if shipped:
        from demos.seq.panels import EVAL_SEED, lm_models, memory_models

        on_device = memory_models(device)["lstm-40"]
        on_cpu = memory_models(torch.device("cpu"))["lstm-40"]
        out["memory_lstm_40_accuracy_device"] = memory.accuracy(on_device, 40, 1000, EVAL_SEED, device)
        out["memory_lstm_40_accuracy_cpu"] = memory.accuracy(on_cpu, 40, 1000, EVAL_SEED, torch.device("cpu"))
        models, vocab = lm_models(device)
        cpu_models, _ = lm_models(torch.device("cpu"))
        val = lm.split(lm.load_corpus())[1][:6000]
        out["lm_lstm_val_nats_device"] = round(lm.evaluate(models["lstm"], vocab, val, device), 5)
        out["lm_lstm_val_nats_cpu"] = round(lm.evaluate(cpu_models["lstm"], vocab, val, torch.device("cpu")), 5)
    return out
