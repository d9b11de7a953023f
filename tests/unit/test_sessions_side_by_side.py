"""No cross-session side effects: Streamlit serves every learner from one process, one thread per session. A seeded
lab run must give the same result alone and side by side with another session's run, while a third session does
other seeded work. Each lab's seeded entry point is run alone, then twice at once in threads beside a thread that
keeps seeding and drawing from torch's global generator the one way project code may (under
``demos.common.seeded``), and the results must be bit-identical; torch's thread count must be what it was.

Project code draws from the global generator only under that lock (model construction); everything else takes a
private ``torch.Generator``. A static check below keeps it that way: nothing outside ``demos/common.py`` seeds the
global generator."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

import pytest
import torch

CPU = torch.device("cpu")


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


SEEDED_RUNS: dict[str, Callable[[], torch.Tensor]] = {
    "nms detector training": nms_detector,
    "captioner training": captioner,
}


@pytest.mark.parametrize("name", list(SEEDED_RUNS))
def test_a_seeded_run_is_the_same_alone_and_side_by_side(name: str) -> None:
    threads = torch.get_num_threads()
    alone, together = _side_by_side(SEEDED_RUNS[name])
    assert len(together) == 2
    for result in together:
        assert torch.equal(result, alone), f"{name}: a concurrent session changed a seeded result"
    assert torch.get_num_threads() == threads
