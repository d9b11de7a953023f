"""Page tests run the real app with AppTest against a throwaway SQLite database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

TIMEOUT_S = 60  # generous: the first run syncs 140+ cards into a fresh database


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., AppTest]]:
    """app(page=None, **query_params) -> an AppTest that has run once on that page."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'pages.db'}")
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    st.cache_data.clear()

    def open_page(page: str | None = None, **query_params: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT_S)
        at.run()
        if page:
            for key, value in query_params.items():
                at.query_params[key] = value
            at.switch_page(page)
            at.run()
        return at

    yield open_page
    st.cache_resource.clear()
    st.cache_data.clear()


def texts(at: AppTest) -> str:
    """All visible text of the markdown, captions, titles and headers, for assertions."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    parts += [h.value for h in at.header] + [s.value for s in at.subheader]
    return "\n".join(str(p) for p in parts)
