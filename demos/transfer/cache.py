"""A cache of frozen-stem outputs, per image, in memory and on disk.

The frozen part of a pretrained network gives the same output for an image however the head trains, so a
run computes it only for images no earlier run has seen: the first run with 10 labels per class extracts
100 training and 1,000 test images; the next run, or a sweep, reuses them. Entries are keyed by everything
that changes the numbers (dataset, image size, how many modules are frozen, augmented view, weights digest).

Every learner's session is a thread of one server process, and they share :func:`default_store`: a store's
tables change only under its lock, and a table file is written to a temporary file of its own (process, thread
and a random part in the name) and renamed into place, so two sessions or two processes never write the same
file and a reader never sees half of one. Two processes filling one table at once keep whichever wrote last;
the other's rows are recomputed when next asked for.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import torch

CACHE_ENV = "TRANSFER_CACHE_DIR"
log = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "dl-notes-study" / "transfer")


class FeatureStore:
    """``get(key, size, indices, compute)``: rows ``indices`` of a ``size``-row table, computing missing rows.

    ``root=None`` keeps the tables in memory only. A table file that cannot be read is recomputed."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._tables: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}  # key -> (values (N, ...), have (N,))
        self._lock = threading.Lock()  # held while a table is read, filled or written
        self.computed = 0  # rows computed by this store (the rest were hits)

    def _path(self, key: str) -> Path | None:
        return None if self.root is None else self.root / f"{key}.pt"

    def _load(self, key: str, size: int) -> tuple[torch.Tensor, torch.Tensor] | None:
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            data = torch.load(path, map_location="cpu", weights_only=True)
            values, have = data["values"], data["have"]
        except (OSError, RuntimeError, KeyError, EOFError) as exc:
            log.warning("ignoring unreadable feature cache %s: %s", path, exc)
            return None
        if have.shape != (size,) or values.shape[0] != size:
            return None
        return values, have

    def _save(self, key: str, values: torch.Tensor, have: torch.Tensor) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex[:8]}.tmp")
            torch.save({"values": values, "have": have}, tmp)
            tmp.replace(path)
        except OSError as exc:  # a read-only home still runs, just without the disk cache
            log.warning("cannot write feature cache %s: %s", path, exc)

    def get(
        self, key: str, size: int, indices: torch.Tensor, compute: Callable[[torch.Tensor], torch.Tensor]
    ) -> torch.Tensor:
        """Rows ``indices`` (int64, values in [0, size)) of table ``key``; ``compute(missing_indices)`` must
        return those rows as a CPU float tensor (M, ...). Holds the store's lock throughout, so a second session
        asking for the same rows waits and then finds them computed."""
        with self._lock:
            return self._get(key, size, indices, compute)

    def _get(
        self, key: str, size: int, indices: torch.Tensor, compute: Callable[[torch.Tensor], torch.Tensor]
    ) -> torch.Tensor:
        entry = self._tables.get(key) or self._load(key, size)
        have = entry[1] if entry else torch.zeros(size, dtype=torch.bool)
        missing = torch.unique(indices[~have[indices]])
        values = entry[0] if entry else None
        if missing.numel():
            new = compute(missing).float().cpu()
            if values is None:
                values = torch.zeros(size, *new.shape[1:])
            values[missing] = new
            have = have.clone()
            have[missing] = True
            self.computed += int(missing.numel())
            self._save(key, values, have)
        assert values is not None
        self._tables[key] = (values, have)
        return values[indices]


_DEFAULT: dict[Path, FeatureStore] = {}
_DEFAULT_LOCK = threading.Lock()


def default_store() -> FeatureStore:
    """One shared store per cache folder for this process (the page's reruns reuse its memory)."""
    root = default_cache_dir()
    with _DEFAULT_LOCK:
        if root not in _DEFAULT:
            _DEFAULT[root] = FeatureStore(root)
        return _DEFAULT[root]
