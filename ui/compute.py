"""Live compute shared fairly: a process-wide limit on concurrent live trainings, first come first served, and
runs a learner can watch and stop.

Every learner's session is a thread of one Streamlit process, and a training run keeps the CPU (or GPU) busy for
up to 30 s. :class:`Slots` admits at most ``limit`` runs at once and queues the rest in arrival order.

A lab panel starts a live run with :func:`start`: the run's function goes to a background thread that waits for
a slot, runs, and reports progress (and partial results) through its :class:`Progress`; it never touches
Streamlit. :func:`watch` draws the run where the panel wants it: the learner's place in line while waiting, a
progress bar, partial results and a Stop button while it runs (redrawn twice a second), and once it ends, the
whole page reruns so the panel can draw the result. Stop sets a flag the run sees at its next progress report.
The run and its result belong to the learner's session (``st.session_state``), so they survive a visit to
another page. Every lab's live run goes through :func:`start`/:func:`watch`.

The limit is ``LAB_TRAINING_SLOTS`` if set, else half the CPU cores (at least one).
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import streamlit as st

SLOTS_ENV = "LAB_TRAINING_SLOTS"


class Slots:
    """A FIFO admission queue: ``join`` takes a ticket, ``try_start`` admits it when it is among the first free
    places, ``release`` hands the place back (from the queue or from a running slot)."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"the number of training slots must be at least 1, got {limit}")
        self.limit = limit
        self._lock = threading.Lock()
        self._tickets = itertools.count(1)
        self._waiting: list[int] = []
        self._running: set[int] = set()

    def join(self) -> int:
        with self._lock:
            ticket = next(self._tickets)
            self._waiting.append(ticket)
            return ticket

    def try_start(self, ticket: int) -> bool:
        """Admit ``ticket`` if a slot is free and nobody who came earlier is still waiting for one."""
        with self._lock:
            if ticket in self._running:
                return True
            if ticket not in self._waiting:
                raise ValueError(f"ticket {ticket} is not waiting; join() first")
            if len(self._running) < self.limit and self._waiting[0] == ticket:
                self._waiting.pop(0)
                self._running.add(ticket)
                return True
            return False

    def position(self, ticket: int) -> int:
        """0 if running, else 1 for the first in line, 2 for the second, ..."""
        with self._lock:
            return 0 if ticket in self._running else self._waiting.index(ticket) + 1

    def release(self, ticket: int) -> None:
        with self._lock:
            self._running.discard(ticket)
            if ticket in self._waiting:
                self._waiting.remove(ticket)

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._running)


def default_limit() -> int:
    raw = os.environ.get(SLOTS_ENV, "")
    if raw.strip():
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"{SLOTS_ENV} must be a whole number of concurrent trainings, got {raw!r}") from None
        if value < 1:
            raise ValueError(f"{SLOTS_ENV} must be at least 1, got {value}")
        return value
    return max(1, (os.cpu_count() or 2) // 2)


@st.cache_resource(show_spinner=False)
def slots() -> Slots:
    """The one queue of this server process."""
    return Slots(default_limit())


# ------------------------------------------------------------------------------------------------ background runs

JobState = Literal["waiting", "running", "done", "stopped", "failed"]
POLL_S = 0.5  # how often a watched run is redrawn


class Stopped(Exception):
    """Raised inside a run by :class:`Progress` when the learner pressed Stop."""


@dataclass
class Job:
    """One live run: its state, progress and result. Written by its thread, read by the session's redraws."""

    what: str
    state: JobState = "waiting"
    fraction: float = 0.0
    text: str = ""
    partial: Any = None  # the latest partial result the run reported (a curve so far, say)
    result: Any = None
    error: str | None = None
    seconds: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)
    ticket: int | None = None

    @property
    def active(self) -> bool:
        return self.state in ("waiting", "running")


class Progress:
    """What a run's function receives: call it to report progress; it raises :class:`Stopped` after a Stop."""

    def __init__(self, job: Job) -> None:
        self._job = job

    def __call__(self, fraction: float, text: str = "", partial: Any = None) -> None:
        if self._job.stop.is_set():
            raise Stopped
        self._job.fraction = min(max(float(fraction), 0.0), 1.0)
        self._job.text = text
        if partial is not None:
            self._job.partial = partial

    @property
    def stopped(self) -> bool:
        return self._job.stop.is_set()


def run_job(job: Job, fn: Callable[[Progress], Any], pool: Slots, poll_s: float = 0.1) -> None:
    """Wait for a slot of ``pool`` (or a Stop), run ``fn``, record how it ended, and always give the slot back.
    This is the body of a run's thread; it is separate so that tests can drive it directly."""
    ticket = job.ticket if job.ticket is not None else pool.join()
    job.ticket = ticket
    t0 = time.perf_counter()
    try:
        while not pool.try_start(ticket):
            if job.stop.is_set():
                job.state = "stopped"
                return
            time.sleep(poll_s)
        job.state = "running"
        t0 = time.perf_counter()
        job.result = fn(Progress(job))
        job.fraction = 1.0
        job.state = "done"
    except Stopped:
        job.state = "stopped"
    except Exception as exc:  # the learner sees what went wrong; the server keeps running
        job.error = f"{type(exc).__name__}: {exc}"
        job.state = "failed"
        traceback.print_exc()
    finally:
        job.seconds = time.perf_counter() - t0
        pool.release(ticket)


def start(key: str, what: str, fn: Callable[[Progress], Any]) -> Job:
    """Queue ``fn`` (a live run, e.g. a training) for a training slot and run it in a background thread. The run
    is kept in ``st.session_state[key]``; :func:`watch` draws it. A run already active under ``key`` is stopped
    first. ``fn`` must not call Streamlit: it reports through the :class:`Progress` it is given."""
    old: Job | None = st.session_state.get(key)
    if old is not None and old.active:
        old.stop.set()
    pool = slots()
    job = Job(what=what, ticket=pool.join())
    st.session_state[key] = job
    threading.Thread(target=run_job, args=(job, fn, pool), name=f"lab-run:{what}", daemon=True).start()
    return job


def job(key: str) -> Job | None:
    """The run kept under ``key`` in this session, if any."""
    found: Job | None = st.session_state.get(key)
    return found


def watch(key: str, show_partial: Callable[[Any], None] | None = None) -> Job | None:
    """Draw the run kept under ``key``: while it waits, the learner's place in line; while it runs, a progress bar,
    a Stop button and (through ``show_partial``) its partial result, redrawn every half second; after it ends, a
    note if it was stopped or failed. Returns the run (None if none was started), so the caller can draw
    ``job.result`` once ``job.state == "done"``."""
    current = job(key)
    if current is None:
        return None
    if current.active:
        st.fragment(_live_view, run_every=POLL_S)(key, show_partial)
    elif current.state == "stopped":
        st.info(f"Stopped {current.what} after {current.seconds:.1f} s.", icon=":material/stop_circle:")
    elif current.state == "failed":
        st.error(f"{current.what.capitalize()} failed: {current.error}", icon=":material/error:")
    return current


def _live_view(key: str, show_partial: Callable[[Any], None] | None) -> None:
    current = job(key)
    if current is None:
        return
    if not current.active:  # it ended since the last redraw: rerun the page once, so the panel shows the result
        st.rerun(scope="app")
    if current.state == "waiting" and current.ticket is not None:
        pool = slots()
        try:
            place = pool.position(current.ticket)
        except ValueError:  # admitted between the two looks
            place = 0
        if place:
            st.info(
                f"Waiting for a free slot to run {current.what}: you are number {place} in line "
                f"({pool.running} of {pool.limit} running). It starts by itself.",
                icon=":material/hourglass_top:",
            )
    bar, stop = st.columns([5, 1], vertical_alignment="center")
    bar.progress(current.fraction, text=current.text or f"Running {current.what}…")
    if stop.button("Stop", icon=":material/stop:", key=f"{key}-stop"):
        current.stop.set()
    if show_partial is not None and current.partial is not None:
        show_partial(current.partial)
