"""Search: ask in your own words; hybrid (meaning + keywords) ranking over every card."""

import streamlit as st

from db import fts
from kb.browse import filter_cards, tag_counts
from kb.search import MODES, QueryError, highlight, search
from ui.boot import ensure_router
from ui.data import content, embedder, semantic_index, session
from ui.state import from_url, kept, remember
from ui.text import md_escape
from ui.widgets import CARD_PAGE, post_label, tag_badges

ensure_router()

EXAMPLES = (
    "how do I stop my model overfitting?",
    "why does a detector draw several boxes around one dog?",
    "im2col",
    "can a network say it is unsure?",
)
MODE_LABELS = {"hybrid": "Hybrid", "semantic": "Meaning", "keyword": "Keywords"}
RESULTS = 10

posts, cards = content()
labels = {p.slug: post_label(p) for p in posts}
counts = tag_counts(cards)
by_id = {c.id: c for c in cards}

# Everything the learner chose lives in the URL (?q=...&mode=...&post=...&tag=...), so a reload or a shared link
# shows the same results; coming back without them (Back, the sidebar) restores this session's last search.
from_url("sq", st.query_params.get("q", "")[:1000], "")
from_url("mode", st.query_params.get("mode") if st.query_params.get("mode") in MODES else None, "hybrid")
from_url("s_post", [s for s in st.query_params.get_all("post") if s in labels], [])
from_url("s_tag", [t for t in st.query_params.get_all("tag") if t in counts], [])


def use_example(text: str) -> None:
    st.session_state.sq = text
    remember("sq", text)


st.title("Search")
st.caption(
    "Ask in your own words. Hybrid ranking fuses meaning (MiniLM sentence embeddings) with exact terms "
    "(SQLite full-text search, BM25)."
)
query = st.text_input(
    "Question or term",
    **kept("sq", ""),
    placeholder="e.g. why does my training loss stop going down?",
    label_visibility="collapsed",
)
mode_col, post_col, tag_col = st.columns(3, vertical_alignment="bottom")
with mode_col:
    mode = st.segmented_control(
        "Ranking", options=list(MODES), format_func=MODE_LABELS.get, required=True, **kept("mode", "hybrid")
    )
with post_col:
    chosen_posts = st.multiselect(
        "Posts", options=[p.slug for p in posts], format_func=labels.get, placeholder="All posts", **kept("s_post", [])
    )
with tag_col:
    chosen_tags = st.multiselect("Tags", options=sorted(counts), placeholder="Any tag", **kept("s_tag", []))
params = {"q": query.strip(), "mode": mode if mode != "hybrid" else "", "post": chosen_posts, "tag": chosen_tags}
st.query_params.from_dict({k: v for k, v in params.items() if v})

if not query.strip():
    st.info("Type a question in your own words, or a term like *im2col*. Try one of these:", icon=":material/search:")
    with st.container(horizontal=True):
        for example in EXAMPLES:
            st.button(example, on_click=use_example, args=(example,), icon=":material/arrow_outward:")
    st.stop()

allowed = None
if chosen_posts or chosen_tags:
    allowed = {c.id for c in filter_cards(cards, posts=chosen_posts, tags=chosen_tags)}
    if not allowed:
        st.info("No card is in all of the chosen posts and tags; remove a filter.", icon=":material/filter_alt_off:")
        st.stop()

try:
    index = semantic_index() if mode != "keyword" else None
    model = embedder() if mode != "keyword" else None
    with session() as db:
        result = search(
            query, cards=by_id, session=db, index=index, embedder=model, mode=mode, k=RESULTS, allowed=allowed
        )
except QueryError as exc:
    st.info(str(exc), icon=":material/search:")
    st.stop()
except (RuntimeError, OSError) as exc:
    st.error(f"Search is not available: {exc}", icon=":material/error:")
    st.stop()

device = getattr(model, "device", "cpu") if model is not None else "no model"
st.caption(f"{len(result.hits)} results · {result.elapsed_ms:.0f} ms · {MODE_LABELS[mode]} ranking · {device}")
if result.notice:
    st.warning(result.notice, icon=":material/content_cut:")

terms = fts.query_terms(result.query)


def show(hits: list) -> None:  # type: ignore[type-arg]
    for hit in hits:
        with st.container(border=True, key=f"hit-{hit.id}"):
            st.page_link(CARD_PAGE, label=hit.title, query_params={"id": hit.id})
            st.markdown(highlight(hit.snippet, terms))
            scores = []
            if hit.semantic is not None:
                scores.append(f"meaning {hit.semantic:.2f}")
            if hit.keyword is not None:
                scores.append(f"BM25 {hit.keyword:.1f}")
            st.caption(f"{labels.get(hit.post_slug, hit.post_slug)} · " + " · ".join(scores))
            st.markdown(tag_badges(hit.tags))


if result.weak or not result.hits:
    st.warning(
        f"Nothing in the notes matches “{md_escape(result.query[:80])}” closely. Check the spelling, ask about a "
        "deep-learning idea in other words, or browse by topic.",
        icon=":material/help:",
    )
    if result.hits:
        with st.expander("The closest cards anyway"):
            show(result.hits)
else:
    show(result.hits)
