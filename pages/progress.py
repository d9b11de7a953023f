"""Progress: what a profile has studied, how well it is remembered, and what comes due next."""

import datetime as dt

import plotly.graph_objects as go
import streamlit as st

from kb.progress import due_forecast, load_history, mastery, retention_by_week, reviews_per_day, started, streak
from ui.boot import ensure_router
from ui.class_view import class_view
from ui.data import content, item_set, session
from ui.identity import is_teacher, profile_bar
from ui.quiz_view import retention_chart
from ui.text import md_escape
from ui.widgets import post_label

ensure_router()

posts, cards = content()
labels = {p.slug: post_label(p, short=True) for p in posts}

st.title("Progress")
if is_teacher():
    class_view(cards, labels)
learner = profile_bar()  # only the signed-in learner's, or the profile picked in this session
if learner is None:
    st.stop()
pool = item_set(learner.id)  # the quiz's items with this learner's imports, as the quiz counts them
items = pool.pool()  # mastery and "items started" count this one set
with session() as db:
    reviews, states = load_history(learner.id, session=db)
if not reviews:
    st.info(f"{md_escape(learner.name)} has not answered any question yet.", icon=":material/hourglass_empty:")
    st.page_link("pages/quiz.py", label="Start a quiz", icon=":material/quiz:")
    st.stop()

now = dt.datetime.now(dt.UTC)
today = now.date()
per_day = reviews_per_day(reviews)
weeks = retention_by_week(reviews)
m1, m2, m3, m4 = st.columns(4)
m1.metric("Reviews", len(reviews))
m2.metric("Items started", started(items, states), help=f"of {len(pool)} quiz items")
m3.metric("Streak", f"{streak(reviews, today)} d")
m4.metric("Due now", sum(1 for s in states if s.due <= now))

# Calendar heat-map of the last 26 weeks: columns are weeks, rows are weekdays.
st.subheader("Reviews per day")
start = today - dt.timedelta(days=today.weekday() + 7 * 25)
days = [start + dt.timedelta(days=i) for i in range((today - start).days + 1)]
z = [[None] * 26 for _ in range(7)]
text = [[""] * 26 for _ in range(7)]
for d in days:
    w, wd = (d - start).days // 7, d.weekday()
    z[wd][w] = per_day.get(d, 0)
    text[wd][w] = f"{d:%a %d %b %Y}: {per_day.get(d, 0)} reviews"
heat = go.Figure(
    go.Heatmap(
        z=z,
        text=text,
        hoverinfo="text",
        colorscale=[[0, "#F3F4FA"], [0.001, "#C7C4F5"], [1, "#4338CA"]],
        xgap=3,
        ygap=3,
        showscale=False,
        x=[(start + dt.timedelta(weeks=i)).strftime("%d %b") for i in range(26)],
        y=["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    )
)
heat.update_layout(
    height=230, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis={"autorange": "reversed"}, plot_bgcolor="white"
)
st.plotly_chart(heat, width="stretch")

left, right = st.columns(2)
with left:
    st.subheader("Retention over time")
    if weeks:
        st.plotly_chart(retention_chart(weeks, learner.desired_retention), width="stretch")
        st.caption(
            "Each bar: the share of scheduled reviews of items you had already learnt that you did not rate Again, "
            "that week, with the number of such reviews. New items, cram answers and same-day retries (a relearning "
            "step minutes after seeing the answer) are left out."
        )
    else:
        st.caption("Appears once items you have learnt come back for review on a later day.")
with right:
    st.subheader("Due in the next 30 days")
    forecast = due_forecast(states, now)
    fig = go.Figure(go.Bar(x=[d for d, _ in forecast], y=[n for _, n in forecast], marker_color="#4338CA"))
    fig.update_layout(height=300, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    st.plotly_chart(fig, width="stretch")

st.subheader("Mastery")
group = st.segmented_control("By", ["post", "tag"], default="post", required=True, key="mastery_group")
rows = mastery(items, states, group)
names_shown = [labels.get(k, k) if group == "post" else k for k, *_ in rows]
fig = go.Figure()
fig.add_bar(name="mastered (stability ≥ 21 d)", x=names_shown, y=[m for *_, m in rows], marker_color="#4338CA")
fig.add_bar(name="seen", x=names_shown, y=[s - m for _, _, s, m in rows], marker_color="#A5A0EE")
fig.add_bar(name="not started", x=names_shown, y=[t - s for _, t, s, _ in rows], marker_color="#E3E5F0")
fig.update_layout(
    barmode="stack", height=340, margin={"l": 10, "r": 10, "t": 10, "b": 10}, legend={"orientation": "h", "y": 1.12}
)
st.plotly_chart(fig, width="stretch")
