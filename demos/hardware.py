"""One description of the machine a demo ran on, for the JSON records its commands write."""

from __future__ import annotations

import os
import platform

import torch


def describe(device: torch.device, threads: bool = False) -> str:
    """The GPU's name for a CUDA device, else e.g. '2-core x86_64 CPU' (plus torch's thread count if asked)."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    text = f"{os.cpu_count()}-core {platform.machine()} CPU"
    return f"{text}, {torch.get_num_threads()} torch threads" if threads else text


def label(device: torch.device) -> str:
    """How a page names the device its compute runs on: 'CPU', or 'CUDA (<GPU name>)'."""
    return f"CUDA ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else "CPU"
