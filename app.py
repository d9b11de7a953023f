"""Router: page config, navigation and the shared sidebar. Imports nothing heavy."""

from pathlib import Path

import streamlit as st

from ui.identity import gate_open, sign_in_gate
from ui.state import arrived
from ui.widgets import inject_css, lab_pages

st.set_page_config(
    page_title="DL Notes Study", page_icon=str(Path(__file__).parent / "ui/assets/icon.png"), layout="wide"
)
inject_css()

home = st.Page("pages/home.py", title="Home", icon=":material/home:", default=True)
browse = st.Page("pages/browse.py", title="Browse cards", icon=":material/style:")
search = st.Page("pages/search.py", title="Search", icon=":material/search:")
quiz = st.Page("pages/quiz.py", title="Quiz", icon=":material/quiz:")
progress = st.Page("pages/progress.py", title="Progress", icon=":material/monitoring:")
my_data = st.Page("pages/my_data.py", title="My data", icon=":material/folder_shared:")
card = st.Page("pages/card.py", title="Card", icon=":material/article:", visibility="hidden")
health = st.Page("pages/health.py", title="Content health", icon=":material/health_and_safety:")

labs_index = st.Page("pages/labs.py", title="All labs", icon=":material/science:")
lab = st.Page("pages/lab.py", title="Lab", icon=":material/science:", visibility="hidden")
labs = [labs_index, lab] + [st.Page(path, title=title, icon=icon) for path, title, icon in lab_pages()]
sections = {"Study": [home, search, quiz, progress, browse, card, my_data], "Labs": labs, "Maintain": [health]}
# With sign-in configured, a visitor who has not signed in sees no menu, only the sign-in screen (sign_in_gate).
page = st.navigation(
    {name: pages for name, pages in sections.items() if pages}, position="sidebar" if gate_open() else "hidden"
)

with st.sidebar:
    st.caption("Study notes from six posts of CS231n-style deep-learning notes, December 2018.")
sign_in_gate()  # with [auth] configured, every page waits for sign-in

arrived(page.url_path)
page.run()
