"""Computed quiz questions: templates whose answers the project's own code computes on fresh numbers.

``from demos.questions import TEMPLATES, by_id`` lists every template without importing torch; a template's
``instance(seed)`` draws its numbers and computes the answer (importing torch when it needs it).
"""

from __future__ import annotations

from demos.questions import boxes, conv, learning, numerics
from demos.questions.core import Instance, Template

TEMPLATES: tuple[Template, ...] = (*conv.TEMPLATES, *numerics.TEMPLATES, *boxes.TEMPLATES, *learning.TEMPLATES)


def by_id() -> dict[str, Template]:
    return {t.id: t for t in TEMPLATES}


__all__ = ["TEMPLATES", "Instance", "Template", "by_id"]
