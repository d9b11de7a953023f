"""Every lab, in one place: what it is called, which family package computes it, which cards it illustrates,
which function draws its panel, its full page (if any), its claims and its GPU check.

Adding a lab is a package (or a module of a family package) under ``demos/`` plus one :class:`Lab` entry in
:data:`LABS`. Nothing else registers a lab: the card page, Browse's "has a lab" filter, the navigation,
``python -m demos list``, ``python -m demos claims``, ``python -m demos.gpu_check`` and ``python -m kb check``
(which reports a lab naming a card that does not exist, with this file's line) all read this list.

Plain Python with no imports beyond the standard library: the app reads it at start without importing torch.
Functions are named by dotted path (``"package.module:function"``), so demos/ never imports streamlit.
"""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_DOTTED = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*(:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)?$")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Lab:
    """One lab. ``family`` is the package under demos/ whose ``eval`` command measures the lab's claims."""

    name: str  # unique slug, used in URLs (/lab?name=...) and in claim records
    title: str  # shown on cards, in the navigation and on the lab page
    family: str  # package demos/<family>/; `python -m demos.<family> eval --json` measures its labs
    icon: str  # a Material icon, ":material/<name>:"
    cards: tuple[str, ...]  # ids of the cards it illustrates (the only place this link is made)
    summary: str  # one sentence: what a learner sees and learns
    panel: str  # "ui.labs.<family>:<function>" drawing the inline panel; takes (lab, key_prefix)
    claims: str | None = None  # "demos.<family>.<module>": SPECS and measure(ctx), see demos/claims.py
    page: str | None = None  # "pages/<file>.py" for a lab with its own full page
    gpu_check: str | None = None  # "demos.<family>.gpu:gpu_check", run by `python -m demos.gpu_check`
    code: tuple[str, ...] = field(default_factory=tuple)  # "module:function" shown under "The code that ran"

    @property
    def cli(self) -> str:
        return f"python -m demos.{self.family}"


LABS: tuple[Lab, ...] = (
    Lab(
        name="nms",
        title="Non-max suppression",
        family="nms",
        icon=":material/select_all:",
        cards=("non-max-suppression", "intersection-over-union", "sliding-windows"),
        summary="A real detector's raw boxes, suppressed greedily, per class or softly, with AP against the truth.",
        panel="ui.labs.nms:panel",
        claims="demos.nms.claims",
        page="pages/demo_nms.py",
        gpu_check="demos.nms.gpu:gpu_check",
        code=("demos.nms.ops:nms", "demos.nms.ops:_greedy_cpu", "demos.nms.ops:box_iou"),
    ),
    Lab(
        name="transfer",
        title="Transfer learning",
        family="transfer",
        icon=":material/move_down:",
        cards=(
            "transfer-learning",
            "fine-tuning",
            "cnn-feature-extractor",
            "transferable-low-level-features",
            "data-augmentation",
            "color-jitter",
            "random-crops-and-scales",
        ),
        summary="ImageNet MobileNetV2 features against the same network trained from scratch, at 1 to 400 labels.",
        panel="ui.labs.transfer:panel",
        claims="demos.transfer.claims",
        page="pages/demo_transfer.py",
        gpu_check="demos.transfer.gpu:gpu_check",
        code=("demos.transfer.models:TransferNet", "demos.transfer.models:param_groups", "demos.transfer.train:run"),
    ),
    Lab(
        name="captioning",
        title="Captioning with soft attention",
        family="captioning",
        icon=":material/subtitles:",
        cards=("attention-captioning", "rnn-image-captioning", "soft-vs-hard-attention"),
        summary="A CNN + LSTM that captions rendered scenes and shows where it looked for every word.",
        panel="ui.labs.captioning:panel",
        page="pages/demo_captioning.py",
        gpu_check="demos.captioning.gpu:gpu_check",
        code=("demos.captioning.model:AdditiveAttention", "demos.captioning.model:greedy"),
    ),
    Lab(
        name="bayesian",
        title="Bayesian CNN uncertainty",
        family="bayesian",
        icon=":material/blur_on:",
        cards=("bayesian-cnn", "bayesian-cnn-tradeoffs", "dropout", "l1-regularization", "l2-regularization"),
        summary="MC dropout, Bayes by Backprop and an ensemble against one CNN: do they know when they do not know?",
        panel="ui.labs.bayesian:panel",
        claims="demos.bayesian.claims",
        page="pages/demo_bayesian.py",
        gpu_check="demos.bayesian.gpu:gpu_check",
        code=(
            "demos.bayesian.explore:angle_report",
            "demos.bayesian.models:sample_probs",
            "demos.bayesian.models:dropout",
            "demos.bayesian.uncertainty:mutual_information",
        ),
    ),
)


# ------------------------------------------------------------------------------------------------ lookups


def by_name() -> dict[str, Lab]:
    return {lab.name: lab for lab in LABS}


def labs_for_card(card_id: str) -> list[Lab]:
    """The labs that illustrate a card, in registry order."""
    return [lab for lab in LABS if card_id in lab.cards]


def cards_with_labs() -> set[str]:
    return {card for lab in LABS for card in lab.cards}


def families() -> list[str]:
    """Family packages in registry order, each once."""
    return list(dict.fromkeys(lab.family for lab in LABS))


def labs_in(family: str) -> list[Lab]:
    return [lab for lab in LABS if lab.family == family]


def resolve(dotted: str) -> Any:
    """Import ``"package.module:attr"`` (or a bare module path) and return the object it names."""
    module, _, attr = dotted.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


ROOT = Path(__file__).resolve().parent.parent


def source(dotted: str) -> tuple[str, str]:
    """The source of ``"module:function"`` (or ``"module:Class.method"``) as it is in its file, and that file's
    path relative to the project, read with ``ast`` so that nothing is imported (the card page shows the code
    before any torch import). Raises ``LookupError`` if the file or the name is not there."""
    module, _, qualname = dotted.partition(":")
    base = ROOT / Path(*module.split("."))
    path = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
    if not path.is_file() or not qualname:
        raise LookupError(f"no source file for {dotted!r}")
    text = path.read_text(encoding="utf-8")
    body: list[ast.stmt] = ast.parse(text).body
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | None = None
    for part in qualname.split("."):
        node = next(
            (
                n
                for n in body
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.name == part
            ),
            None,
        )
        if node is None:
            raise LookupError(f"{qualname!r} is not defined in {path.relative_to(ROOT)}")
        body = node.body
    assert node is not None
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    lines = text.splitlines()[start - 1 : node.end_lineno]
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return path.relative_to(ROOT).as_posix(), "\n".join(line[indent:] for line in lines)


def problems() -> list[str]:
    """What is wrong with the registry itself (duplicate names, malformed paths); empty when it is sound.
    Whether the cards exist is for ``python -m kb check``, which knows the content."""
    out: list[str] = []
    seen: set[str] = set()
    for lab in LABS:
        if lab.name in seen:
            out.append(f"lab {lab.name!r} is registered twice")
        seen.add(lab.name)
        if not _NAME.match(lab.name) or not _NAME.match(lab.family.replace("_", "-")):
            out.append(f"lab {lab.name!r}: name and family must be lowercase slugs")
        if not lab.cards:
            out.append(f"lab {lab.name!r} illustrates no card")
        if len(set(lab.cards)) != len(lab.cards):
            out.append(f"lab {lab.name!r} names a card twice")
        if not lab.icon.startswith(":material/"):
            out.append(f"lab {lab.name!r}: icon must be ':material/<name>:'")
        for what, dotted in (("panel", lab.panel), ("claims", lab.claims), ("gpu_check", lab.gpu_check)):
            if dotted is not None and not _DOTTED.match(dotted):
                out.append(f"lab {lab.name!r}: {what} {dotted!r} is not a dotted path")
        for dotted in lab.code:
            if ":" not in dotted or not _DOTTED.match(dotted):
                out.append(f"lab {lab.name!r}: code {dotted!r} must be 'module:function'")
        if lab.page is not None and not (lab.page.startswith("pages/") and lab.page.endswith(".py")):
            out.append(f"lab {lab.name!r}: page {lab.page!r} must be pages/<file>.py")
    return out
