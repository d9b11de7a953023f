"""One lab on a page of its own (``/lab?name=<lab>``): its panel, claims and code, with links to its cards."""

import streamlit as st

from demos.registry import by_name
from ui.boot import ensure_router
from ui.labs.frame import render_panel
from ui.widgets import LABS_PAGE, lab_header

ensure_router()

lab = by_name().get(st.query_params.get("name", ""))
if lab is None:
    st.warning("There is no lab by that name; pick one from the list of labs.", icon=":material/search_off:")
    st.page_link(LABS_PAGE, label="All labs", icon=":material/science:")
    st.stop()

st.query_params["name"] = lab.name
lab_header(lab.name)
render_panel(lab, key="page", full=True)
