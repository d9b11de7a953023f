"""Browse: every card, grouped by post and section, filtered by text, post and tag."""

import streamlit as st

from demos.registry import cards_with_labs
from kb.browse import filter_cards, group_by_post_and_section, tag_counts
from ui.boot import ensure_router
from ui.data import content
from ui.state import from_url, kept
from ui.widgets import card_grid, post_label

ensure_router()

posts, cards = content()
labels = {p.slug: post_label(p) for p in posts}
counts = tag_counts(cards)

# Filters start from the URL (?q=...&post=...&tag=...), so links from Home and from cards open pre-filtered,
# and a filtered view can be shared. Coming back without them (Back, the sidebar) restores this session's filters.
# Unknown values in the URL are ignored.
from_url("q", st.query_params.get("q", "")[:200], "")
from_url("post", [s for s in st.query_params.get_all("post") if s in labels], [])
from_url("tag", [t for t in st.query_params.get_all("tag") if t in counts], [])
from_url("has_lab", st.query_params.get("lab") == "1" or None, False)

st.title("Browse cards")
text_col, post_col, tag_col = st.columns([3, 3, 3])
with text_col:
    text = st.text_input(
        "Find in cards", placeholder="e.g. optical flow, dropout, im2col", max_chars=200, **kept("q", "")
    )
with post_col:
    chosen_posts = st.multiselect(
        "Posts", options=[p.slug for p in posts], format_func=labels.get, placeholder="All posts", **kept("post", [])
    )
with tag_col:
    chosen_tags = st.multiselect(
        "Tags",
        options=sorted(counts),
        format_func=lambda t: f"{t} ({counts[t]})",
        placeholder="Any tag",
        **kept("tag", []),
    )
has_lab = st.toggle("Only cards with a lab", help="cards that show a live lab panel", **kept("has_lab", False))
params = {"q": text, "post": chosen_posts, "tag": chosen_tags, "lab": "1" if has_lab else ""}
st.query_params.from_dict({k: v for k, v in params.items() if v})

shown = filter_cards(
    cards, text=text, posts=chosen_posts, tags=chosen_tags, only=cards_with_labs() if has_lab else None
)
st.caption(f"Showing {len(shown)} of {len(cards)} cards")

if not shown:
    st.info(
        "No card matches all of these filters. Remove a tag or a post, or try fewer words.",
        icon=":material/filter_alt_off:",
    )

for post, sections in group_by_post_and_section(shown, posts):
    st.header(post_label(post), divider="gray")
    for section, section_cards in sections:
        st.markdown(f"**{section}**")
        card_grid(section_cards)
