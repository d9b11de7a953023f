"""Content health: validate content/ as it is on disk and list every problem."""

import streamlit as st

from ui.boot import ensure_router
from ui.data import health, resync

ensure_router()

st.title("Content health")
st.markdown(
    "Every card in `content/` is checked against the card format on each visit to this page. "
    "A broken card is left out of the app (its last good version stays in the database) until it is fixed."
)

result = health()
quiz_items = sum(len(c.quiz) for c in result.cards)
c1, c2, c3, c4 = st.columns(4)
c1.metric("Card files", result.files_read)
c2.metric("Valid cards", len(result.cards))
c3.metric("Quiz items", quiz_items)
c4.metric("Problems", len(result.problems))

if result.ok:
    st.success("Every card is valid.", icon=":material/check_circle:")
else:
    st.error(
        f"{len(result.problems)} problem(s) found. Fix them in the files below, then press “Sync now”. "
        "`python -m kb check` prints the same list.",
        icon=":material/error:",
    )
    st.dataframe(
        [
            {"File": f"content/{p.file}", "Line": p.line, "Field": p.field, "Problem": p.message}
            for p in result.problems
        ],
        hide_index=True,
        width="stretch",
        column_config={"Line": st.column_config.NumberColumn(format="%d", width="small")},
    )

if st.button("Sync now", icon=":material/sync:", help="Update the database from content/"):
    try:
        st.success(resync(), icon=":material/sync:")
    except RuntimeError as exc:
        st.error(str(exc), icon=":material/lock:")
