"""Drawing helpers for the Quiz page: the diff of a wrong typed answer, the session's pinned question, a
computed question's instance, the retention chart. Text a learner typed is escaped before it is drawn."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from demos.questions.core import Instance
from kb.answers import diff

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")


def escape(text: str) -> str:
    """Markdown-inert text: every character Markdown (or Streamlit's :colour[] syntax) would act on, escaped."""
    return _MARKDOWN.sub(r"\\\1", text)


def diff_markdown(typed: str, expected: str) -> str:
    """The expected answer with the learner's extra letters struck through in red and the missing ones in
    green bold, as Anki shows a wrong typed answer."""
    parts = []
    for kind, text in diff(typed, expected):
        if kind == "same":
            parts.append(escape(text))
        elif kind == "wrong":
            parts.append(f":red[~~{escape(text)}~~]")
        else:
            parts.append(f":green[**{escape(text)}**]")
    return "".join(parts)


@dataclass(frozen=True)
class Current:
    """The question on screen, pinned until it is rated: a new due item never replaces it mid-answer."""

    learner: str
    scope: str  # the scope and mode it was picked for
    item_id: str
    seed: int  # a computed question's numbers (fresh for each time it is asked)


def pinned(learner: str, scope: str, allowed: set[str]) -> Current | None:
    """The pinned question, if it belongs to this learner and scope and is still in it."""
    current: Current | None = st.session_state.get("quiz_current")
    if current is None or current.learner != learner or current.scope != scope or current.item_id not in allowed:
        return None
    return current


def pin(learner: str, scope: str, item_id: str) -> Current:
    current = Current(learner, scope, item_id, secrets.randbelow(2**31))
    st.session_state.quiz_current = current
    for key in ("revealed", "checked", "shown_at"):
        st.session_state.pop(key, None)
    return current


def unpin() -> None:
    for key in ("quiz_current", "revealed", "checked", "shown_at"):
        st.session_state.pop(key, None)


def session_counts(learner: str) -> dict[str, Any]:
    """This browser session's answers for one profile: how many, and the cards of the latest (for siblings)."""
    store: dict[str, dict[str, Any]] = st.session_state.setdefault("quiz_session", {})
    return store.setdefault(learner, {"answered": 0, "recent_cards": []})


@st.cache_data(show_spinner="Computing the question…", max_entries=64)
def instance(template_id: str, seed: int) -> Instance:
    """A computed question's instance (importing torch on first use; cached per seed)."""
    from demos.questions import by_id

    return by_id()[template_id].instance(seed)


def retention_chart(weeks: list[tuple[Any, float, int]], desired: float) -> go.Figure:
    """Bars per week (readable with a single week), the number of reviews on each, the desired retention."""
    labels = [f"week of {w:%d %b}" for w, _, _ in weeks]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=[r for _, r, _ in weeks],
            text=[f"{r:.0%} of {n}" for _, r, n in weeks],
            textposition="outside",
            cliponaxis=False,
            marker_color="#4338CA",
            hovertemplate="%{x}: %{y:.0%}<extra></extra>",
        )
    )
    fig.add_hline(y=desired, line_dash="dot", annotation_text=f"desired {desired:.0%}", annotation_position="top left")
    fig.update_layout(
        height=300,
        yaxis={"range": [0, 1.12], "tickformat": ".0%"},
        xaxis={"type": "category"},
        margin={"l": 10, "r": 10, "t": 20, "b": 10},
        plot_bgcolor="white",
    )
    return fig
