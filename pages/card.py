"""One card: the author's notes, the explanation and its labs' panels, related cards and its post."""

import streamlit as st

from demos.registry import labs_for_card
from kb.quiz import card_history
from ui.boot import ensure_router
from ui.data import cards_by_id, content, imported_items, quiz_items, session, similar_cards
from ui.identity import current_learner
from ui.labs.frame import lab_url_params, render_panel
from ui.state import came_from
from ui.text import md_escape
from ui.widgets import BROWSE_PAGE, CARD_PAGE, LAB_PAGE, post_label

ensure_router()

posts, cards = content()
by_id = cards_by_id()
post_by_slug = {p.slug: p for p in posts}

card_id = st.query_params.get("id", "")
card = by_id.get(card_id)

if card is None:
    if card_id:
        st.warning(
            f"There is no card with id “{md_escape(card_id[:80])}”. It may have been renamed or removed; "
            "pick one below or browse all cards.",
            icon=":material/search_off:",
        )
    else:
        st.title("Open a card")
    choice = st.selectbox(
        "Card",
        options=[c.id for c in cards],
        index=None,
        placeholder="Type to find a card",
        format_func=lambda i: by_id[i].title,
    )
    if choice:
        st.query_params["id"] = choice
        st.rerun()
    st.page_link(BROWSE_PAGE, label="Browse all cards", icon=":material/style:")
    st.stop()

# A link from one card to another stays on this page and leaves the address bar as it was: write the id back so
# a copied link or a reload names the card on screen. Only then: after a link from another page the address is
# already right, and a write racing that navigation can land on the previous page's history entry (turning
# /search?q=... into /search?id=...), so that Back would lose the search.
if came_from() == "card":
    st.query_params["id"] = card.id

post = post_by_slug[card.post_slug]
st.caption(f"{post_label(post)} › {card.section}")
st.title(card.title)

main, side = st.columns([5, 2], gap="large")
with main:
    st.subheader(":material/edit_note: From the notes")
    with st.container(border=True, key=f"notes-{card.id}"):
        st.markdown(card.notes)
    st.subheader(":material/lightbulb: Explained")
    st.markdown(card.explained)
    if card.missing:
        st.info(f"**Missing from the source.** {card.missing}", icon=":material/image_not_supported:")
    for lab in labs_for_card(card.id):
        render_panel(lab, key=f"card-{card.id}", card=card.id)

    learner = current_learner()  # signed in, or the profile picked in this session
    if learner is not None:
        with session() as db:
            history = card_history(learner.id, card.id, session=db)
        with st.expander(
            f"Your reviews of this card ({md_escape(learner.name)}): {len(history)}", icon=":material/history:"
        ):
            if history:
                prompts = {i: q.prompt for i, (c, q) in quiz_items().items() if c.id == card.id}
                prompts |= {i.item_id: i.prompt for i in imported_items(learner.id) if i.card_id == card.id}
                st.dataframe(
                    [
                        {
                            "When (UTC)": h.reviewed_at.strftime("%Y-%m-%d %H:%M"),
                            "Question": prompts.get(h.item_id, "(retired question)")[:70],
                            "Rating": ["", "Again", "Hard", "Good", "Easy"][h.rating],
                            "Mode": h.mode,
                            "Next due": h.due_after.strftime("%Y-%m-%d %H:%M") if h.due_after else "unchanged",
                        }
                        for h in history
                    ],
                    hide_index=True,
                    width="stretch",
                )
            else:
                st.caption("No answers yet: quiz yourself on this card from the Quiz page.")

    st.subheader(":material/quiz: Check yourself")
    for n, item in enumerate(card.quiz, start=1):
        with st.expander(f"{n}. {item.question}", icon=":material/help:"):
            if item.kind == "mcq":
                st.markdown("\n".join(f"- {opt}" for opt in item.options))
            st.markdown(f"**Answer:** {item.answer}")
    mine = [i for i in imported_items(learner.id if learner else None) if i.card_id == card.id]
    for n, imp in enumerate(mine, start=len(card.quiz) + 1):
        with st.expander(f"{n}. {md_escape(imp.prompt)}", icon=":material/person:"):
            st.markdown(f"**Answer:** {md_escape(imp.answer)}")
            st.caption("Shared with everyone" if imp.shared else "Imported by you; only you see it")

with side:
    with st.container(border=True):
        st.markdown("**Source post**")
        st.page_link(BROWSE_PAGE, label=post_label(post), query_params={"post": post.slug}, icon=":material/menu_book:")
        st.caption(f"Published {post.date.strftime('%d %B %Y')} · section “{card.section}”")
    with st.container(border=True):
        st.markdown("**Tags**")
        for tag in card.tags:
            st.page_link(BROWSE_PAGE, label=tag, query_params={"tag": tag}, icon=":material/sell:")
    related = [by_id[r] for r in card.related if r in by_id]
    if related:
        with st.container(border=True, key="related"):
            st.markdown("**Related cards**")
            for other in related:
                st.page_link(CARD_PAGE, label=other.title, query_params={"id": other.id}, icon=":material/link:")
    similar = [(by_id[i], score) for i, score in similar_cards(card.id, 8) if i in by_id and i not in card.related]
    if similar:
        with st.container(border=True, key="similar"):
            st.markdown("**Similar cards** (by meaning, topic and links)")
            for other, score in similar[:5]:
                st.page_link(
                    CARD_PAGE,
                    label=other.title,
                    query_params={"id": other.id},
                    icon=":material/hub:",
                    help=f"similarity {score:.2f} (meaning, shared tags and related links)",
                )
    if labs := labs_for_card(card.id):
        with st.container(border=True, key="card-labs"):
            st.markdown("**Labs**")
            for lab in labs:
                st.page_link(lab.page or LAB_PAGE, label=lab.title, icon=lab.icon, query_params=lab_url_params(lab))
