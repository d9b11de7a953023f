"""How optimisers move: seven update rules written out (:data:`RULES`), loss surfaces to race them on
(:data:`SURFACES`), :func:`trajectory`, the learning rate, and synchronous against asynchronous SGD.

``from demos.optim import trajectory, SURFACES, RULES`` costs no torch: the races are numpy. The names are loaded
on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["RULES", "SURFACES", "trajectory"]


def __getattr__(name: str) -> Any:
    if name == "RULES":
        from demos.optim.rules import RULES

        return RULES
    if name == "SURFACES":
        from demos.optim.surfaces import SURFACES

        return SURFACES
    if name == "trajectory":
        from demos.optim.race import trajectory

        return trajectory
    raise AttributeError(f"module 'demos.optim' has no attribute {name!r}")
