"""The frame around every lab panel: title, summary, the panel itself (a fragment, so it reruns alone), the lab's
claims as measured, and the code that ran.

A panel is ``panel(lab, key)`` in ``ui/labs/<family>.py``. It must draw its shipped result without importing
torch (the card page opens without it) and compute on the learner's first interaction. Keys of its widgets start
with ``key`` so that two panels on one page never collide.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from demos.claims import shipped, shipped_claims, specs
from demos.registry import Lab, resolve, source

LAB_PAGE = "pages/lab.py"


def lab_url_params(lab: Lab) -> dict[str, str]:
    """Query parameters of the link to a lab: its own page needs none, the shared lab page needs its name."""
    return {} if lab.page else {"name": lab.name}


def render_panel(lab: Lab, key: str, full: bool = False, card: str | None = None) -> None:
    """A lab's panel in a bordered box: on a card (``full=False``, with a link to the whole lab; the claims about
    ``card`` first, the lab's others folded away) or on its page (every claim)."""
    with st.container(border=True, key=f"lab-{key}-{lab.name}"):
        head, link = st.columns([3, 1.2], vertical_alignment="center")
        head.markdown(f"#### {lab.icon} {'Try it: ' if not full else ''}{lab.title}")
        if not full:
            link.page_link(
                lab.page or LAB_PAGE,
                label="Full lab" if lab.page else "Full page",
                icon=":material/open_in_full:",
                query_params=lab_url_params(lab),
            )
        st.caption(lab.summary)
        st.fragment(resolve(lab.panel))(lab, f"{key}-{lab.name}")
        claims_block(lab, card)
        code_block(lab)


def _number(value: Any, digits: int) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        text = f"{value:.{digits}g}"
        if float(text) != value and float(text).is_integer() and abs(value) < 1e6:  # 0.99995 is not 1
            text = f"{value:.{digits + 2}g}"
        return text
    return None


def _short(key: str, value: Any) -> str | None:
    if value is None:  # a count that never got there is recorded as null
        return "never" if key.startswith(("steps", "updates")) else "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if (number := _number(value, 4)) is not None:
        return number
    if isinstance(value, str) and len(value) <= 40:
        return value
    if isinstance(value, list) and 0 < len(value) <= 4:
        # a short series as a → b → c; a pair (two seeds, a field's height and width) as a, b
        items = [_number(v, 3) for v in value]
        if all(items):
            return (" → " if len(items) > 2 else ", ").join(str(i) for i in items)
    return None  # longer lists and tables stay in the JSON record


def metric_name(key: str) -> str:
    """A measured key as words: two numeric parts in a row are one decimal (``t_0_05`` -> ``t 0.05``, ``at_1_3``
    -> ``at 1.3``); every other underscore is a space (``conv5_3`` and ``1x7_7x1`` keep their parts apart)."""
    words: list[str] = []
    for part in key.split("_"):
        if part.isdigit() and words and words[-1].isdigit():
            words[-1] = f"{words[-1]}.{part}"
        else:
            words.append(part)
    return " ".join(words)


def measured_text(measured: Mapping[str, Any], limit: int = 6) -> str:
    """The numbers behind a claim, as ``name 0.83 · other 12 · series 1 → 0.88 → 0.77``."""
    parts = [f"{metric_name(k)} **{v}**" for k, raw in measured.items() if (v := _short(k, raw)) is not None]
    return " · ".join(parts[:limit])


def claims_block(lab: Lab, card: str | None = None) -> None:
    """The lab's claims with their shipped measurements: what holds, what does not, and the command to rerun.
    With ``card``, the claims about that card come first and the rest are folded into an expander."""
    statements = specs(lab)
    if not statements:
        return
    record = shipped(lab.family)
    measured = {c["id"]: c for c in shipped_claims(lab)}
    mine = [s for s in statements if card is None or card in s.cards]
    others = [s for s in statements if s not in mine]
    if not mine:
        mine, others = others, []
    st.markdown("**What this lab shows, measured**")
    for spec in mine:
        _claim(spec.statement, measured.get(spec.id))
    if others:
        with st.expander(f"The lab's {len(others)} other claim{'s' if len(others) > 1 else ''}"):
            for spec in others:
                _claim(spec.statement, measured.get(spec.id))
    if record:
        st.caption(protocol_text(lab.family, record))
    else:
        st.caption(f"Not measured yet: run `python -m demos.{lab.family} eval --json --save`.")


def protocol_text(family: str, record: Mapping[str, Any]) -> str:
    """One sentence saying which run measured the claims; a fast record says its numbers differ from the figures."""
    hw = record.get("hardware", {})
    where = hw.get("device", record.get("device", "?")) if isinstance(hw, dict) else record.get("device", "?")
    full = record.get("mode") == "full"
    command = str(record.get("command") or f"python -m demos.{family} eval --json{' --full' if full else ''}")
    how = (
        "full protocol"
        if full
        else "fast protocol: a smaller, quicker run than the figures above, so its numbers can differ from theirs"
    )
    return f"Measured by `{command}` ({how}) on {where}, {str(record.get('created', ''))[:10]}."


def _claim(statement: str, got: Mapping[str, Any] | None) -> None:
    if got is None:
        st.markdown(f":gray[:material/pending:] {statement} :gray[(not measured yet)]")
        return
    mark = ":green[:material/check_circle:]" if got["holds"] else ":red[:material/cancel:]"
    st.markdown(f"{mark} {statement}")
    if text := measured_text(got.get("measured", {})):
        st.caption(text)


def code_block(lab: Lab) -> None:
    """The source of the functions that produced the panel's numbers, read from their files as they are."""
    if not lab.code:
        return
    with st.expander("The code that ran", icon=":material/code:"):
        for dotted in lab.code:
            try:
                path, code = source(dotted)
            except LookupError as exc:
                st.warning(f"Cannot show {dotted}: {exc}")
                continue
            st.caption(f"`{path}` · `{dotted.partition(':')[2]}`")
            st.code(code, language="python", line_numbers=False)
