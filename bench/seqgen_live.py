"""The sequence and generative labs' live runs, timed as a panel runs them: wall and CPU seconds of each, with the
machine's load (targets: a live training within 30 s; a redraw or a sample within 300 ms).

    python bench/seqgen_live.py [--threads N]   # prints one JSON object; nothing is asserted

Torch's thread count is the server's default unless ``--threads`` is given (a Streamlit server never sets it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def timed(fn: Callable[[], Any], repeat: int = 1) -> dict[str, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    walls.sort()
    return {"wall_s": round(walls[len(walls) // 2], 3), "cpu_s": round(sorted(cpus)[len(cpus) // 2], 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    from demos.common import generator
    from demos.gen import autoencoders as ae
    from demos.gen import dcgan, gan2d
    from demos.gen.data import mnist_split
    from demos.gen.panels import GAN2D, autoencoders, classifier, dcgan_generator, examples, paths_for
    from demos.seq import attention, lm, memory
    from demos.seq.panels import attention_models, lm_models
    from ui.labs.gen import LIVE_VAE_EPOCHS
    from ui.labs.seq import LIVE_LM_SECONDS, LIVE_MEMORY_STEPS

    cpu = torch.device("cpu")
    out: dict[str, Any] = {
        "load_average_1min_before": round(os.getloadavg()[0], 2),
        "torch_threads": torch.get_num_threads(),
    }
    train, _ = mnist_split()
    text = lm.load_corpus()
    tr, _ = lm.split(text)
    vocab = lm.Vocab.of(text)

    def memory_live() -> None:
        for cell in memory.CELLS:
            memory.train(memory.MemoryConfig(cell=cell, length=40, steps=LIVE_MEMORY_STEPS), cpu)

    out["live_memory_three_cells_length_40"] = timed(memory_live)
    t0 = time.perf_counter()
    run = lm.train(
        lm.LMConfig(kind="lstm", hidden=64, context=64, batch=32, steps=400, lr=0.01),
        tr,
        cpu,
        vocab=vocab,
        should_stop=lambda: time.perf_counter() - t0 > LIVE_LM_SECONDS,
    )
    out["live_lm_small_lstm"] = {"wall_s": round(time.perf_counter() - t0, 3), "steps": run.losses[-1][0]}
    out["live_vae_8_epochs"] = timed(
        lambda: ae.train_autoencoder(train.flat, ae.AEConfig(kind="vae", latent=8, epochs=LIVE_VAE_EPOCHS), cpu)
    )
    out["live_gan2d"] = timed(lambda: gan2d.train_gan2d(replace(GAN2D, target="ring"), cpu))
    models, _ = lm_models(cpu)
    out["sample_240_characters_lstm"] = timed(
        lambda: lm.sample(models["lstm"], vocab, "An LSTM ", 240, 0.8, generator(1), cpu), repeat=3
    )
    out["sample_240_characters_transformer"] = timed(
        lambda: lm.sample(models["transformer"], vocab, "An LSTM ", 240, 0.8, generator(1), cpu), repeat=3
    )
    translators = attention_models(cpu)
    out["translate_24_letters_all_models"] = timed(
        lambda: [attention.translate(m, "abcdefghijklmnopqrstabcd", cpu) for m in translators.values()], repeat=3
    )
    aes, judge = autoencoders(cpu), classifier(cpu)
    typical = examples(judge, aes)  # found once per server by the panel
    out["interpolation_paths_new_pair"] = timed(lambda: paths_for(0, 3, aes, judge, typical), repeat=3)
    g = dcgan_generator(cpu)
    out["dcgan_new_samples"] = timed(lambda: dcgan.quality(judge, dcgan.sample(g, 500, 3)), repeat=3)
    out["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    out["cpu"] = f"{os.cpu_count()}-core CPU"
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
