"""Every lab's live training is a background run (``ui.compute.start``): its function takes the run's progress
object, reports through it as it trains, and ends at the report after a Stop. Driven here directly with a fake
progress object (no Streamlit run, no thread), on tiny sizes, and through ``run_job`` with a real queue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
import torch

from ui.compute import Job, Progress, Slots, Stopped, run_job

CPU = torch.device("cpu")


class StopAfter:
    """A stand-in for :class:`ui.compute.Progress` that records each report and acts as if Stop was pressed just
    before report number ``stop_at`` (it raises :class:`Stopped` there, as the real one does)."""

    def __init__(self, stop_at: int) -> None:
        self.stop_at = stop_at
        self.reports: list[tuple[float, str, Any]] = []

    def __call__(self, fraction: float, text: str = "", partial: Any = None) -> None:
        if len(self.reports) + 1 >= self.stop_at:
            raise Stopped
        self.reports.append((fraction, text, partial))

    @property
    def stopped(self) -> bool:
        return len(self.reports) + 1 >= self.stop_at


def _captioning(progress: Any) -> Any:
    from demos.captioning.data import caption_set, make_split, scene_config
    from ui.labs.captioning import live_run

    data = caption_set(make_split("train", 40, scene_config(1, 4)))
    return live_run(progress, steps=20, dev=CPU, data=data)


def _runs() -> dict[str, Callable[[Any], Any]]:
    from functools import partial

    from ui.labs import conv_blocks, conv_precision, conv_upsampling, optim, train

    p5 = {"train_images": 128, "test_images": 100, "epochs": 1}
    return {
        "optimiser race": partial(optim._race_run, rules=["sgd", "adam"], scale=1.0, steps=40, device=CPU),
        "learning rates": partial(optim._lr_run, steps=40, range_steps=20, device=CPU),
        "stale gradients": partial(optim._stale_run, tau=4, lr=0.1, steps=150, device=CPU),
        "batch norm": partial(train._bn_run, lr=1.0, steps=40, device=CPU),
        "regularisation": partial(train._reg_run, methods=["none", "l2"], epochs=3, device=CPU),
        "loss functions": partial(train._losses_run, steps=40, device=CPU),
        "embedding": partial(train._embed_run, loss="contrastive", steps=48, device=CPU),
        "Program #5": partial(conv_blocks.program5_run, seed=1, sizes=p5, dev=CPU),
        "float16 training": partial(conv_precision.train_run, seed=1, steps=12, dev=CPU),
        "upsamplers": partial(conv_upsampling.train_run, seed=1, steps=12, dev=CPU),
        "captioner": _captioning,
    }


RUNS = sorted(_runs())


@pytest.mark.parametrize("name", RUNS)
def test_a_live_training_reports_progress_and_ends_at_the_report_after_a_stop(name: str) -> None:
    progress = StopAfter(stop_at=4)
    with pytest.raises(Stopped):
        _runs()[name](progress)
    fractions = [f for f, _, _ in progress.reports]
    assert len(fractions) == 3  # nothing reported (nor trained on) after the Stop
    assert all(0.0 <= f <= 1.0 for f in fractions) and fractions == sorted(fractions)
    assert all(text for _, text, _ in progress.reports)  # the learner reads what is going on


def test_a_stopped_run_through_the_queue_ends_stopped_and_hands_its_slot_back() -> None:
    pool, job = Slots(1), Job("the loss-function runs")
    reports: list[float] = []

    def fn(progress: Any) -> Any:
        def stop_after_two(fraction: float, text: str = "", partial: Any = None) -> None:
            progress(fraction, text, partial)
            reports.append(fraction)
            if len(reports) == 2:
                job.stop.set()  # the learner presses Stop while the run goes on

        return _runs()["loss functions"](stop_after_two)

    run_job(job, fn, pool)
    assert job.state == "stopped" and job.result is None and len(reports) == 2
    assert pool.running == 0 and pool.try_start(pool.join())  # the slot is free for the next learner


def test_a_finished_live_run_returns_what_the_panel_keeps() -> None:
    from ui.labs.train import _losses_run

    reports: list[tuple[float, str, Any]] = []

    def record(fraction: float, text: str = "", partial: Any = None) -> None:
        reports.append((fraction, text, partial))

    runs = _losses_run(cast(Progress, record), steps=20, device=CPU)
    assert [(r["loss"], r["lr"]) for r in runs] == [("cross_entropy", 0.3), ("mse", 0.3), ("mse", 10.0)]
    assert all(len(r["test_acc"]) == len(r["eval_steps"]) > 0 for r in runs)
    live = reports[-1][2]  # the partial result: each run's smoothed loss so far
    assert set(live) == {"cross-entropy, lr 0.3", "MSE, lr 0.3", "MSE, lr 10"}
    assert reports[-1][0] == pytest.approx(1.0)
