"""How convolutions work and what they cost: arithmetic, three ways to compute one, Strassen, efficient blocks,
precision, GPUs and upsampling.

``from demos.conv import output_size, transposed_output_size, receptive_field`` costs no torch (plain Python);
the tensor operations (``conv2d_im2col``, ``conv2d_fft``, ``conv2d_direct``, ``strassen_matmul``) are loaded on
first use, so importing the package for its claims' statements imports no torch either.
"""

from __future__ import annotations

from typing import Any

from demos.conv.arithmetic import output_size, receptive_field, transposed_output_size

_LAZY = {
    "conv2d_direct": "demos.conv.ops",
    "conv2d_im2col": "demos.conv.ops",
    "conv2d_fft": "demos.conv.ops",
    "conv_transpose2d_as_conv": "demos.conv.ops",
    "im2col": "demos.conv.ops",
    "strassen_matmul": "demos.conv.strassen",
    "blocked_matmul": "demos.conv.strassen",
}

__all__ = ["output_size", "receptive_field", "transposed_output_size", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'demos.conv' has no attribute {name!r}")
