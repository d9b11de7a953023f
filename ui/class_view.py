"""The class in aggregate, for teachers: how much the group studies and remembers, never who answered what."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
import streamlit as st

from kb.cards import Card
from kb.learners import MIN_CLASS, class_summary
from ui.data import session


def class_view(cards: Sequence[Card], labels: Mapping[str, str]) -> None:
    """Draw the class summary in a bordered box (for a teacher; the caller checks the role)."""
    now = dt.datetime.now(dt.UTC)
    with session() as db:
        summary = class_summary(cards, now, session=db)
    with st.container(border=True, key="class-view"):
        st.subheader(":material/groups: Your class")
        if not summary.enough:
            st.caption(
                f"{summary.learners} learner(s) have answered so far. The class view appears once {MIN_CLASS} "
                "have, so that no figure describes one person."
            )
            return
        c1, c2, c3 = st.columns(3)
        c1.metric("Learners", summary.learners)
        c2.metric("Active in the last 7 days", summary.active_7d)
        c3.metric("Answers", summary.reviews)
        days = [now.date() - dt.timedelta(days=i) for i in range(29, -1, -1)]
        fig = go.Figure(go.Bar(x=days, y=[summary.per_day.get(d, 0) for d in days], marker_color="#4338CA"))
        fig.update_layout(height=220, margin={"l": 10, "r": 10, "t": 10, "b": 10})
        st.plotly_chart(fig, width="stretch", key="class-per-day")
        st.caption("Answers per day over the last 30 days, all learners together.")
        if summary.by_post:
            posts = [labels.get(p, p) for p, _, _ in summary.by_post]
            bars = go.Figure()
            bars.add_bar(name="started", x=posts, y=[s for _, s, _ in summary.by_post], marker_color="#A5A0EE")
            bars.add_bar(name="mastered", x=posts, y=[m for _, _, m in summary.by_post], marker_color="#4338CA")
            bars.update_layout(height=260, barmode="group", margin={"l": 10, "r": 10, "t": 10, "b": 10})
            st.plotly_chart(bars, width="stretch", key="class-by-post")
            st.caption(
                "Quiz items started and mastered (FSRS stability of three weeks or more) per learner, on average, "
                "by post."
            )
        if summary.retention:
            last = summary.retention[-1]
            st.caption(
                f"Retention in the week of {last[0]:%d %b}: {last[1]:.0%} of {last[2]} reviews of known items "
                "were not rated Again (all learners together)."
            )
