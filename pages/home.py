"""Home: what the app holds, where to start, and the posts as a timeline."""

import streamlit as st

from demos.registry import LABS, cards_with_labs
from kb.browse import tag_counts
from ui.boot import ensure_router
from ui.data import content, item_set, startup_problem
from ui.widgets import BROWSE_PAGE, LABS_PAGE, post_label, tag_badges

ensure_router()

posts, cards = content()

with st.container(key="hero"):
    st.title("Deep-learning study notes")
    st.markdown(
        "Six posts of CS231n-style notes from December 2018, turned into study cards: the author's own bullets, "
        "a plain explanation of what they leave out, and questions to check yourself."
    )
    with st.container(horizontal=True):
        st.page_link("pages/search.py", label="Ask the notes a question in your own words", icon=":material/search:")
        st.page_link("pages/quiz.py", label="Quiz yourself with spaced repetition", icon=":material/quiz:")
        st.page_link(LABS_PAGE, label="Run the labs: every concept measured", icon=":material/science:")

items = item_set()
kinds = items.counts()
with_lab = len(cards_with_labs() & {c.id for c in cards})
m1, m2, m3, m4, m5 = st.columns(5)
m1.metric("Cards", len(cards))
m2.metric("Posts", len(posts))
m3.metric(
    "Quiz questions",
    len(items),
    help=f"{kinds['authored']} written on the cards, {kinds['generated']} multiple-choice versions of them and "
    f"{kinds['computed']} computed questions with fresh numbers each time (blog trivia not counted)",
)
m4.metric("Tags", len(tag_counts(cards)))
m5.metric("Labs", len(LABS))
m5.page_link(BROWSE_PAGE, label=f"{with_lab} cards with a lab", query_params={"lab": "1"}, icon=":material/science:")

if problem := startup_problem():
    st.error(problem, icon=":material/database:")
if not cards:
    st.warning(
        "No cards are in the database yet. Run `make run` (or `python -m db sync`) to build it from `content/`, "
        "then reload this page.",
        icon=":material/database:",
    )
    st.stop()

start = next((p for p in posts if p.start_here), None)
if start is not None:
    with st.container(border=True):
        st.markdown(f"#### :material/flag: Where to start: {post_label(start)}")
        st.markdown(start.start_here or "")
        st.page_link(
            BROWSE_PAGE, label="Open its cards", icon=":material/arrow_forward:", query_params={"post": start.slug}
        )

st.subheader("Browse by topic")
with st.container(horizontal=True, gap="small", key="topics"):
    for tag, count in tag_counts(cards).most_common():
        st.page_link(BROWSE_PAGE, label=f"{tag} · {count}", query_params={"tag": tag})

st.subheader("The posts")
by_post: dict[str, int] = {}
for c in cards:
    by_post[c.post_slug] = by_post.get(c.post_slug, 0) + 1

for post in sorted(posts, key=lambda p: (p.date, p.day or 0)):
    post_cards = [c for c in cards if c.post_slug == post.slug]
    top_tags = [t for t, _ in tag_counts(post_cards).most_common(5)]
    date_col, body_col = st.columns([1, 6], vertical_alignment="top")
    with date_col:
        st.markdown(f"**{post.date.strftime('%d %b %Y')}**")
        st.caption(post_label(post, short=True))
    with body_col, st.container(border=True, key=f"post-{post.slug}"):
        st.markdown(f"##### {post.title}")
        st.markdown(post.blurb)
        sections = len({c.section for c in post_cards})
        st.caption(f"{by_post.get(post.slug, 0)} cards · {sections} sections")
        st.markdown(tag_badges(top_tags))
        st.page_link(
            BROWSE_PAGE, label="Browse these cards", icon=":material/arrow_forward:", query_params={"post": post.slug}
        )
