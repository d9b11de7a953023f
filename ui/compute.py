"""Live compute shared fairly: a process-wide limit on concurrent live trainings, first come first served.

Every learner's session is a thread of one Streamlit process, and a training run keeps the CPU (or GPU) busy for
up to 30 s. :class:`Slots` admits at most ``limit`` runs at once and queues the rest in arrival order;
:func:`training_slot` is what a lab panel wraps its run in: while the learner waits it shows "waiting for a free
slot" and their place in line, and it always gives the slot back (also when the learner stops the run or leaves).

The limit is ``LAB_TRAINING_SLOTS`` if set, else half the CPU cores (at least one).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time
from collections.abc import Iterator

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


@contextlib.contextmanager
def training_slot(what: str, poll_s: float = 0.4) -> Iterator[None]:
    """Hold a training slot for the block; wait for one first, showing the learner's place in line."""
    pool = slots()
    ticket = pool.join()
    note = st.empty()
    try:
        while not pool.try_start(ticket):
            place = pool.position(ticket)
            note.info(
                f"Waiting for a free slot to run {what}: you are number {place} in line "
                f"({pool.running} of {pool.limit} running). It starts by itself.",
                icon=":material/hourglass_top:",
            )
            time.sleep(poll_s)
        note.empty()
        yield
    finally:
        pool.release(ticket)
