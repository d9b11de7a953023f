"""Shipped results of the training labs: a JSON file per figure under ``demos/<family>/results/``, with the
command that made it, its seed, seconds and hardware, so a panel draws it at once (without torch) and anyone can
make it again."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

DEMOS = Path(__file__).resolve().parent.parent


def result_path(family: str, name: str) -> Path:
    return DEMOS / family / "results" / f"{name}.json"


def write(
    family: str, name: str, data: Mapping[str, Any], *, command: str, seed: int, seconds: float, device: torch.device
) -> Path:
    """Write ``data`` with its provenance, atomically."""
    from demos.common import hardware

    record = {
        **data,
        "command": command,
        "seed": seed,
        "seconds": round(seconds, 1),
        "hardware": hardware(device),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    path = result_path(family, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, separators=(",", ":")) + "\n")
    tmp.replace(path)
    return path


def read(family: str, name: str) -> dict[str, Any]:
    """A shipped record; ``FileNotFoundError`` names the command that makes it when it is missing."""
    path = result_path(family, name)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run python -m demos.{family} {name} --save")
    data = json.loads(path.read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return data
