"""Showing text that users wrote (imported items, profile names, query parameters, file names) as inert text.

Streamlit renders most strings as Markdown: an image in one learner's import would make every viewer's browser
fetch a URL of the importer's choice, and a link would be clickable inside the app's own boxes. Every ASCII
punctuation character gets a backslash, which CommonMark defines to mean "this character, literally", so the
text shows exactly as typed and no image, link, heading, list, table or formula can start. Bare addresses
("https://...", "www....", "name@host") are a different matter: GitHub-flavoured Markdown turns them into links
after escapes are read, so an invisible word joiner (U+2060) goes between the scheme or "www" and what follows,
and before every "@". HTML is already shown as text by Streamlit (``unsafe_allow_html`` stays off everywhere).
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character, CommonMark's escapable set
_AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto|xmpp|www)(?=[:.])")
JOINER = "\u2060"


def md_escape(text: str) -> str:
    """``text`` as Markdown source that shows exactly ``text``: no formatting, no link, no image."""
    text = _AUTOLINK.sub(lambda m: m.group(1) + JOINER, text).replace("@", JOINER + "@")
    return _PUNCTUATION.sub(r"\\\1", text)
