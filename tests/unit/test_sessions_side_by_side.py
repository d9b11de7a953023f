"""No cross-session side effects: Streamlit serves every learner from one process, one thread per session. A seeded
lab run must give the same result alone and side by side with another session's run, while a third session does
other seeded work. Each lab's seeded entry point is run alone, then twice at once in threads beside a thread that
keeps seeding and drawing from torch's global generator the one way project code may (under
``demos.common.seeded``), and the results must be bit-identical; torch's thread count must be what it was.

Project code draws from the global generator only under that lock (model construction); everything else takes a
private ``torch.Generator``. A static check below keeps it that way: nothing outside ``demos/common.py`` seeds the
global generator."""

from __future__ import annotations

import ast
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import torch

CPU = torch.device("cpu")
ROOT = Path(__file__).resolve().parents[2]


def _side_by_side(run: Callable[[], torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    alone = run()
    results: list[torch.Tensor] = []
    done = threading.Event()
    errors: list[BaseException] = []

    def disturb() -> None:
        from demos.common import seeded

        i = 0
        while not done.is_set():
            with seeded(i):  # another learner building a model
                torch.nn.Linear(64, 64)
            i += 1

    def session() -> None:
        try:
            results.append(run())
        except BaseException as exc:  # reported below
            errors.append(exc)

    noise = threading.Thread(target=disturb)
    sessions = [threading.Thread(target=session) for _ in range(2)]
    noise.start()
    for t in sessions:
        t.start()
    for t in sessions:
        t.join()
    done.set()
    noise.join()
    assert not errors, errors
    return alone, results


def _flat(model: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in model.state_dict().values() if p.is_floating_point()])


def nms_detector() -> torch.Tensor:
    from demos.nms.detector import TrainConfig, train

    return _flat(train(TrainConfig(train_scenes=16, epochs=1, batch_size=8), device=CPU).model)


def captioner() -> torch.Tensor:
    from demos.captioning.train import LIVE, train

    model, _ = train(replace(LIVE, train_scenes=64, steps=3, warmup=1, batch=8), CPU)
    return _flat(model)


def _tiny_digits(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` noisy 28x28 images ``(n, 28, 28)`` in [0, 1] whose class is a bright square at a class-specific
    place, and their labels ``(n,)``: learnable and cheap."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 10
    images = torch.rand(n, 28, 28, generator=g) * 0.25
    for i, c in enumerate(labels.tolist()):
        r, col = divmod(c, 5)
        images[i, 4 + 12 * r : 12 + 12 * r, 1 + 5 * col : 5 + 5 * col] = 1.0
    return images, labels


def bayesian_mc_dropout() -> torch.Tensor:
    """MC dropout trained for a few steps (dropout masks from the run's generator), then a seeded prediction."""
    from demos.bayesian.data import Split
    from demos.bayesian.models import NetConfig, sample_probs
    from demos.bayesian.train import TrainConfig, train_model

    x, y = _tiny_digits(64, seed=0)
    net = NetConfig(channels=(4, 8), hidden=16, dropout=0.2)
    model = train_model("mc_dropout", Split(x[:, None], y), CPU, TrainConfig(epochs=2, batch_size=16), net).model
    probs = sample_probs(model, x[:8, None], 10, generator=torch.Generator().manual_seed(3))  # (10, 8, 10)
    return torch.cat([_flat(model), probs.flatten()])


def transfer_tiny_cnn() -> torch.Tensor:
    """The transfer lab's tiny CNN on 20 tiny images: weights built under ``seeded``, batch order and dropout masks
    from the run's generators. (MobileNetV2 from scratch runs the same code path but takes seconds a step here.)"""
    from demos.transfer.cache import FeatureStore
    from demos.transfer.data import Split
    from demos.transfer.train import RunConfig, run

    x, y = _tiny_digits(40, seed=1)
    images = (x * 255).to(torch.uint8)  # (40, 28, 28)
    split = Split("mnist", images[:20], y[:20], images[20:], y[20:], tuple("0123456789"))
    config = RunConfig(strategy="tiny-cnn", labels_per_class=2, epochs=3, batch_size=8)
    result = run(config, CPU, store=FeatureStore(None), split=split)
    return torch.cat([_flat(result.model), result.predictions.float()])


SEEDED_RUNS: dict[str, Callable[[], torch.Tensor]] = {
    "nms detector training": nms_detector,
    "captioner training": captioner,
    "bayesian mc-dropout training and prediction": bayesian_mc_dropout,
    "transfer tiny-cnn run": transfer_tiny_cnn,
}


@pytest.mark.parametrize("name", list(SEEDED_RUNS))
def test_a_seeded_run_is_the_same_alone_and_side_by_side(name: str) -> None:
    threads = torch.get_num_threads()
    alone, together = _side_by_side(SEEDED_RUNS[name])
    assert len(together) == 2
    for result in together:
        assert torch.equal(result, alone), f"{name}: a concurrent session changed a seeded result"
    assert torch.get_num_threads() == threads


# Calls that seed or restore torch's, NumPy's or Python's process-wide generators (other sessions draw from them).
GLOBAL_SEEDING = {
    "torch.manual_seed",
    "torch.seed",
    "torch.set_rng_state",
    "torch.random.manual_seed",
    "torch.random.seed",
    "torch.random.set_rng_state",
    "torch.cuda.manual_seed",
    "torch.cuda.manual_seed_all",
    "torch.cuda.seed",
    "torch.cuda.seed_all",
    "torch.cuda.set_rng_state",
    "torch.cuda.set_rng_state_all",
    "numpy.random.seed",
    "numpy.random.set_state",
    "random.seed",
    "random.setstate",
}
SCANNED = ("demos", "ui", "pages")
ALLOWED = {"demos/common.py"}  # the one place that seeds the global generator, under its lock


def global_seed_calls(source: str, filename: str) -> list[str]:
    """``file:line name`` for every call in ``source`` that resolves (through imports and aliases) to one of
    :data:`GLOBAL_SEEDING`; a method of a private generator (``torch.Generator().manual_seed``) does not."""
    tree = ast.parse(source, filename)
    aliases: dict[str, str] = {}  # local name -> dotted module path or object
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"

    def dotted(expr: ast.expr) -> str | None:
        if isinstance(expr, ast.Name):
            return aliases.get(expr.id, expr.id)
        if isinstance(expr, ast.Attribute) and (base := dotted(expr.value)) is not None:
            return f"{base}.{expr.attr}"
        return None

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (name := dotted(node.func)) is not None:
            name = "numpy" + name[2:] if name.startswith("np.") else name
            if name in GLOBAL_SEEDING:
                found.append(f"{filename}:{node.lineno} {name}")
    return found


def test_the_scan_finds_global_seeding_through_aliases_but_not_private_generators() -> None:
    source = """
import random
import numpy as np
import torch
import torch.cuda
from torch import manual_seed as ms
from numpy import random as npr

torch.manual_seed(0)
np.random.seed(1)
random.seed(2)
ms(3)
npr.seed(4)
torch.cuda.manual_seed_all(5)
torch.random.set_rng_state(torch.get_rng_state())
g = torch.Generator().manual_seed(6)
g.manual_seed(7)
random.Random(8).seed(9)
np.random.default_rng(10)
"""
    found = [f.split(" ", 1)[1] for f in global_seed_calls(source, "x.py")]
    assert found == [
        "torch.manual_seed",
        "numpy.random.seed",
        "random.seed",
        "torch.manual_seed",
        "numpy.random.seed",
        "torch.cuda.manual_seed_all",
        "torch.random.set_rng_state",
    ]


def test_no_library_or_page_code_seeds_a_process_wide_generator() -> None:
    found = []
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel not in ALLOWED:
                found += global_seed_calls(path.read_text(encoding="utf-8"), rel)
    assert not found, "seed a private torch.Generator (or build under demos.common.seeded) instead:\n" + "\n".join(
        found
    )
