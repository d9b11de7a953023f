"""A family's shipped files, written and read one way: ``checkpoints/<name>.pt`` (weights), ``checkpoints/<name>.json``
(the seeded command that made them, its seconds and hardware, what they were trained on) and
``results/<name>.json`` (what a panel draws without importing torch).

``Store(family)`` for ``demos/<family>/``; torch is imported only to read or write weights.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEMOS = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Store:
    family: str  # the package under demos/
    train_hint: str = "train"  # the sub-command that makes a checkpoint: python -m demos.<family> <hint> <name>

    @property
    def checkpoints(self) -> Path:
        return DEMOS / self.family / "checkpoints"

    @property
    def results(self) -> Path:
        return DEMOS / self.family / "results"

    def path(self, name: str, suffix: str = ".pt") -> Path:
        return self.checkpoints / f"{name}{suffix}"

    def save(self, name: str, payload: dict[str, Any], meta: dict[str, Any]) -> Path:
        """Write the weights and their record (atomically: a reader never sees half a file)."""
        import torch

        out = self.path(name)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        torch.save(payload, tmp)
        tmp.replace(out)
        _write_json(self.path(name, ".json"), meta, indent=1)
        return out

    def write_meta(self, name: str, meta: dict[str, Any]) -> Path:
        """The record alone, for a checkpoint written another way (a numpy ``.npz``, say)."""
        return _write_json(self.path(name, ".json"), meta, indent=1)

    def load(self, name: str) -> dict[str, Any]:
        """The checkpoint's payload; a missing file is a ``FileNotFoundError`` naming the command that makes it."""
        import torch

        src = self.path(name)
        if not src.is_file():
            raise FileNotFoundError(f"{src} is missing: run python -m demos.{self.family} {self.train_hint} {name}")
        data: dict[str, Any] = torch.load(src, map_location="cpu", weights_only=True)
        return data

    def meta(self, name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.path(name, ".json").read_text())
        return data

    def write_result(self, name: str, data: dict[str, Any]) -> Path:
        return _write_json(self.results / f"{name}.json", data, indent=None)

    def result(self, name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.results / f"{name}.json").read_text())
        return data


def _write_json(path: Path, data: dict[str, Any], indent: int | None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    text = json.dumps(data, indent=indent) if indent else json.dumps(data, separators=(",", ":"))
    tmp.write_text(text + "\n")
    tmp.replace(path)
    return path
