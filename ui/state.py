"""Widget values that survive a visit to another page.

Streamlit forgets a widget's value once a run does not draw it (the learner opened another page). ``kept`` keeps
a copy under a key Streamlit does not clean up and puts it back before the widget is drawn again, so a lab's
settings are still there when the learner comes back. Everything lives in ``st.session_state``: per learner's
session, never shared.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

_PREFIX = "_kept:"


def kept(key: str, default: Any) -> dict[str, Any]:
    """Keyword arguments for a widget whose value should survive navigation: ``st.slider("IoU", 0.0, 1.0,
    **kept("nms-iou", 0.5))``. Pass no ``value=``/``index=`` of your own; the default goes here."""
    store = _PREFIX + key
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(store, default)

    def save() -> None:
        st.session_state[store] = st.session_state[key]

    save()
    return {"key": key, "on_change": save}


def remember(key: str, value: Any) -> None:
    """Keep a non-widget result (a trained run's curves, say) for this session."""
    st.session_state[_PREFIX + key] = value


def recall(key: str, default: Any = None) -> Any:
    return st.session_state.get(_PREFIX + key, default)


def arrived(page: str) -> None:
    """Note which page this run draws (the router calls it), so a page can tell where the learner came from."""
    st.session_state["_page_before"] = st.session_state.get("_page_now")
    st.session_state["_page_now"] = page


def came_from() -> str | None:
    """The page the learner was on before this one (its URL path; "" for Home), or None on the first page."""
    before: str | None = st.session_state.get("_page_before")
    return before


def from_url(key: str, url_value: Any, default: Any) -> None:
    """Start a widget from the address bar: the URL's value when it has one (a shared link, a reload), else the
    value this session last had (the learner came back with the sidebar or the Back button to a URL that lost its
    parameters), else ``default``. Call before drawing the widget, then draw it with ``**kept(key, default)``."""
    if key in st.session_state:
        return
    if url_value not in (None, "", []):
        st.session_state[key] = url_value
        st.session_state[_PREFIX + key] = url_value
