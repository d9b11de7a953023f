"""Make every page run through the router in app.py.

Streamlit keeps a relic of its first multipage design: until some run has called ``st.navigation``, a
``pages/`` folder next to the main script is served as separate scripts. If a server's very first request
opens a page's URL directly (a shared link to a card, say), that page would run without app.py: no page
config, no styles, the wrong menu. Each page calls :func:`ensure_router` first; in that one case it switches
Streamlit to ``st.navigation`` mode and reruns, so app.py takes over and shows the same page.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def ensure_router() -> None:
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
