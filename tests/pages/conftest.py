"""Page tests run the real app with AppTest against a throwaway database: a SQLite file, or a schema on the
PostgreSQL test server under make test-postgres (see tests/conftest.py)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from tests.conftest import ENGINE, ROOT, postgres_schema

TIMEOUT_S = 60  # generous: the first run syncs 140+ cards into a fresh database


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., AppTest]]:
    """app(page=None, **query_params) -> an AppTest that has run once on that page. ``app.db_url`` is the
    database the app uses."""
    stack = contextlib.ExitStack()
    if ENGINE == "postgresql":
        db_url = stack.enter_context(postgres_schema())
    else:
        db_url = f"sqlite:///{tmp_path / 'pages.db'}"
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(ROOT)
    # AppTest starts every run in Streamlit's legacy pages/ mode, where a page would first run without app.py
    # and ui.boot.ensure_router() would rerun it, dropping a button click. A real server leaves that mode
    # for good after its first request, so put each test run straight into st.navigation mode.
    original_init = PagesManager.__init__

    def init_in_navigation_mode(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init_in_navigation_mode)
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

    open_page.db_url = db_url  # type: ignore[attr-defined]
    with stack:
        yield open_page
        st.cache_resource.clear()
        st.cache_data.clear()


def texts(at: AppTest) -> str:
    """All visible text of the markdown, captions, titles and headers, for assertions."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    parts += [h.value for h in at.header] + [s.value for s in at.subheader]
    return "\n".join(str(p) for p in parts)


def finish_runs(at: AppTest, timeout_s: float = 120) -> AppTest:
    """After a click that starts live runs (``ui.compute.start``): check that at least one run was started, wait
    for every run of the session to end in its background thread, require that each finished (not stopped, not
    failed), and rerun once, as the browser's redraw does when a run ends, so the panel draws the kept result."""
    from ui.compute import Job

    jobs = [value for value in at.session_state.values() if isinstance(value, Job)]
    assert jobs, "the click started no live run (ui.compute.start)"
    deadline = time.monotonic() + timeout_s
    while any(job.active for job in jobs):
        assert time.monotonic() < deadline, f"live runs still going after {timeout_s} s: {jobs}"
        time.sleep(0.05)
    for job in jobs:
        assert job.state == "done", f"{job.what} ended {job.state}: {job.error}"
    at.run()
    assert not at.exception, at.exception
    return at
