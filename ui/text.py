"""Showing text that users wrote (imported items, profile names, query parameters, file names) as inert text.

Streamlit renders most strings as Markdown: an image in one learner's import would make every viewer's browser
fetch a URL of the importer's choice, and a link would be clickable inside the app's own boxes. Every ASCII
punctuation character gets a backslash, which CommonMark defines to mean "this character, literally", so the
text shows exactly as typed and no image, link, autolink, heading, list, table or formula can start. HTML is
already shown as text by Streamlit (``unsafe_allow_html`` stays off everywhere).
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character, CommonMark's escapable set


def md_escape(text: str) -> str:
    """``text`` as Markdown source that renders as exactly ``text`` (no formatting, links or images)."""
    return _PUNCTUATION.sub(r"\\\1", text)
