"""My data: take every answer you gave with you (CSV or JSON), or delete your profile and everything in it."""

import streamlit as st

from kb.learners import delete_learner, learner_json, own_imports, review_rows, reviews_csv
from ui.boot import ensure_router
from ui.data import imported_items, quiz_items, session
from ui.identity import forget_profile, profile_bar, signed_in
from ui.text import md_escape

ensure_router()

st.title("My data")
if note := st.session_state.pop("deleted_note", None):
    st.success(note, icon=":material/check:")
learner = profile_bar()
if learner is None:
    st.stop()

with session() as db:
    prompts = {i: q.prompt for i, (_, q) in quiz_items().items()}
    prompts |= {imp.item_id: imp.prompt for imp in imported_items(learner.id)}  # the text as written
    rows = review_rows(learner.id, prompts, session=db)
    own = own_imports(learner.id, session=db)

who = signed_in()
st.markdown(
    f"Everything this app keeps about **{md_escape(learner.name)}**: {len(rows)} answers (each with its time, "
    f"rating and the schedule it gave), the scheduling settings, and {len(own)} imported items. "
    + ("Nobody else can see it; a teacher sees only figures for the whole class." if who else "")
)
if who is not None:
    st.caption(f"Your sign-in subject (what a teacher list names): `{who.sub}`")

left, right = st.columns(2)
left.download_button(
    "All my answers (CSV)",
    reviews_csv(rows),
    file_name="my-reviews.csv",
    mime="text/csv",
    icon=":material/download:",
    disabled=not rows,
)
right.download_button(
    "Everything (JSON)",
    learner_json(learner, rows, own),
    file_name="my-data.json",
    mime="application/json",
    icon=":material/download:",
)

st.subheader("Delete my profile")
st.markdown(
    "Deletes the profile, every answer, every schedule and every item you imported, at once and for good. "
    + ("You stay signed in, with an empty profile." if who else "Download your data first if you may want it back.")
)
with st.form("delete-profile", border=True):
    typed = st.text_input(f"Type the profile name ({learner.name}) to confirm", max_chars=60, key="confirm_delete")
    if st.form_submit_button("Delete my profile and all its data", icon=":material/delete_forever:", type="primary"):
        if typed.strip() != learner.name:
            st.error("The name typed does not match the profile's; nothing was deleted.", icon=":material/block:")
        else:
            with session() as db:
                gone = delete_learner(learner.id, session=db)
            forget_profile()
            st.session_state["deleted_note"] = (
                f"Deleted: {gone['reviews']} answers, {gone['schedules']} schedules, "
                f"{gone['imported items']} imported items."
            )
            st.rerun()
