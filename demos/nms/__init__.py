"""Non-max suppression lab: ``from demos.nms import nms, batched_nms, soft_nms, box_iou``.

The names are loaded on first use, so importing the package (for its claims' statements, say) costs no torch.
"""

from __future__ import annotations

from typing import Any

__all__ = ["batched_nms", "box_area", "box_iou", "nms", "soft_nms"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from demos.nms import ops

        return getattr(ops, name)
    raise AttributeError(f"module 'demos.nms' has no attribute {name!r}")
