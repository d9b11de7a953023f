"""What the convolution labs' panels share: their shipped records (read without torch), the device a live
computation runs on, and the sentence that says where a number was measured."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import streamlit as st

RESULTS = Path(__file__).resolve().parents[2] / "demos" / "conv" / "results"
SHARED_CPU = "the CPU was shared with other work, so times are upper bounds"
PLOT_CONFIG = {"displayModeBar": False}
COLOURS = {
    "im2col": "#2563EB",
    "fft": "#D97706",
    "library": "#059669",
    "strassen": "#C026D3",
    "blocked": "#64748B",
    "float32": "#2563EB",
    "float16": "#DC2626",
    "float16-scaled": "#059669",
    "bfloat16": "#D97706",
    "int8": "#7C3AED",
    "transposed": "#DC2626",
    "resize-conv": "#059669",
}


@st.cache_data(show_spinner=False)
def shipped(name: str) -> dict[str, Any] | None:
    """``demos/conv/results/<name>.json`` as saved by ``python -m demos.conv <name> --save``; None if missing."""
    try:
        data = json.loads((RESULTS / f"{name}.json").read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def missing(name: str) -> None:
    st.info(
        f"No shipped result yet: run `python -m demos.conv {name} --save` to make it.",
        icon=":material/pending:",
    )


def where(record: dict[str, Any], timed: bool = True) -> str:
    """'Shipped result: `command` on <hardware>, <date>' (+ the shared-CPU note for timings on a CPU)."""
    hw = record.get("hardware", {})
    machine = hw.get("device", record.get("device", "?")) if isinstance(hw, dict) else record.get("device", "?")
    threads = hw.get("torch_threads") if isinstance(hw, dict) else None
    text = f"Shipped result of `{record.get('command', '?')}` on {machine}"
    if threads and "CPU" in str(machine):
        text += f" ({threads} torch thread{'s' if threads != 1 else ''})"
    text += f", {str(record.get('created', ''))[:10]}"
    if timed and "CPU" in str(machine):
        text += f"; {SHARED_CPU}"
    return text + "."


@st.cache_resource(show_spinner="Loading PyTorch…")
def device() -> Any:
    from demos.common import pick_device

    return pick_device("auto")


def device_label() -> str:
    from demos.common import label

    return str(label(device()))


@st.cache_resource(show_spinner=False)
def _figures() -> tuple[threading.Lock, OrderedDict[Hashable, Any]]:
    return threading.Lock(), OrderedDict()


def figure(key: Hashable, build: Callable[[], Any], keep: int = 256) -> Any:
    """The plotly figure ``build()`` makes, built once per ``key`` for the whole server (building and validating
    a figure costs tens of ms, more than the rest of a rerun). ``key`` must name everything the figure shows, e.g.
    the record's creation time and the widget values; figures are shared, so callers never modify them."""
    lock, memo = _figures()
    with lock:
        if key in memo:
            memo.move_to_end(key)
            return memo[key]
    made = build()
    with lock:
        memo[key] = made
        while len(memo) > keep:
            memo.popitem(last=False)
    return made
