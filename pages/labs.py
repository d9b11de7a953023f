"""All labs: every lab by family, with the cards it illustrates and how many of its claims hold."""

import streamlit as st

from demos.claims import shipped_claims, specs
from demos.registry import FAMILY_TITLES, LABS, families, labs_in
from ui.boot import ensure_router
from ui.data import cards_by_id
from ui.labs.frame import LAB_PAGE, lab_url_params
from ui.widgets import CARD_PAGE

ensure_router()


st.title("Labs")
st.markdown(
    "Each lab runs real PyTorch on this server and proves what it teaches with a number. A lab states its claims; "
    "`python -m demos claims --json` measures every one of them again. Each lab also sits, as a small panel, on "
    "the cards it illustrates."
)
by_id = cards_by_id()
total = sum(len(specs(lab)) for lab in LABS)
holding = sum(1 for lab in LABS for c in shipped_claims(lab) if c["holds"])
c1, c2, c3 = st.columns(3)
c1.metric("Labs", len(LABS))
c2.metric("Cards with a lab", len({c for lab in LABS for c in lab.cards}))
c3.metric("Claims holding", f"{holding} of {total}")

for family in families():
    st.subheader(FAMILY_TITLES[family])
    cols = st.columns(2)
    for i, lab in enumerate(labs_in(family)):
        with cols[i % 2], st.container(border=True, key=f"labtile-{lab.name}"):
            st.page_link(lab.page or LAB_PAGE, label=lab.title, icon=lab.icon, query_params=lab_url_params(lab))
            st.caption(lab.summary)
            claims = shipped_claims(lab)
            if claims:
                st.caption(f"{sum(c['holds'] for c in claims)} of {len(specs(lab))} claims hold")
            with st.container(horizontal=True, gap="small", key=f"labcards-{lab.name}"):
                for card_id in lab.cards:
                    if card_id in by_id:
                        st.page_link(
                            CARD_PAGE, label=by_id[card_id].title, query_params={"id": card_id}, width="content"
                        )
