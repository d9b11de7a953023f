"""Check the lab registry against the cards: every card a lab or one of its claims names must exist.

The registry (``demos/registry.py``) is the one place that says which cards a lab illustrates; this module
reports its mistakes as :class:`~kb.cards.Problem` s with the registry's (or the claims module's) file and line,
the way card problems are reported. It imports the registry and the claims modules, neither of which imports
torch.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterable
from pathlib import Path

from kb.cards import Problem

ROOT = Path(__file__).resolve().parent.parent


def _string_lines(path: Path) -> dict[str, list[int]]:
    """Every string constant in a Python file and the lines it appears on."""
    lines: dict[str, list[int]] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            lines.setdefault(node.value, []).append(node.lineno)
    return lines


def _lab_lines(path: Path) -> dict[str, tuple[int, int]]:
    """For each ``Lab(name=...)`` call in the registry, the first and last line of the call."""
    spans: dict[str, tuple[int, int]] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Lab":
            for kw in node.keywords:
                if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                    spans[str(kw.value.value)] = (node.lineno, node.end_lineno or node.lineno)
    return spans


def _line_in(candidates: Iterable[int], span: tuple[int, int]) -> int | None:
    return next((n for n in candidates if span[0] <= n <= span[1]), None)


def lab_problems(card_ids: set[str]) -> list[Problem]:
    """Problems of the registry against ``card_ids``: unknown cards in labs and claims, and malformed entries."""
    from demos import registry
    from demos.claims import specs

    reg_path = Path(inspect.getfile(registry))
    rel = reg_path.relative_to(ROOT).as_posix() if reg_path.is_relative_to(ROOT) else str(reg_path)
    strings, spans = _string_lines(reg_path), _lab_lines(reg_path)
    out = [Problem(rel, "labs", message) for message in registry.problems()]
    for lab in registry.LABS:
        span = spans.get(lab.name, (0, 0))
        for card in lab.cards:
            if card not in card_ids:
                out.append(
                    Problem(
                        rel,
                        f"{lab.name}.cards",
                        f"no card with id {card!r}; fix the id or add the card to content/",
                        _line_in(strings.get(card, []), span),
                    )
                )
        if lab.claims is None:
            continue
        try:
            claim_specs = specs(lab)
        except (ImportError, AttributeError) as exc:
            out.append(Problem(rel, f"{lab.name}.claims", f"cannot read {lab.claims}.SPECS: {exc}", span[0] or None))
            continue
        module_path = ROOT / (lab.claims.replace(".", "/") + ".py")
        claim_rel = module_path.relative_to(ROOT).as_posix()
        claim_strings = _string_lines(module_path) if module_path.is_file() else {}
        seen: set[str] = set()
        for spec in claim_specs:
            line = min(claim_strings.get(spec.id, [0])) or None
            if spec.id in seen:
                out.append(Problem(claim_rel, spec.id, "claim id used twice in this lab", line))
            seen.add(spec.id)
            for card in spec.cards:
                if card not in lab.cards:
                    out.append(
                        Problem(
                            claim_rel,
                            spec.id,
                            f"card {card!r} is not one of lab {lab.name!r}'s cards; add it to the lab in "
                            "demos/registry.py or name another",
                            line,
                        )
                    )
    return out
