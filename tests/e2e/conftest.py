"""A real browser (Debian's Chromium, driven by Playwright) against a real `streamlit run` on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = ROOT / "artifacts" / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    db_path: Path,
    script: Path | None = None,
    *,
    port: int | None = None,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    host: str = "127.0.0.1",
) -> tuple[subprocess.Popen[bytes], str]:
    """Run `streamlit run` (app.py unless ``script`` is given) on ``port`` (default: a free one) with extra
    command-line ``args`` and environment ``env``; return (process, base URL on ``host``)."""
    port = port or free_port()
    # torch on one thread in the test server too (see tests/conftest.py); torch reads this when it loads
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "OMP_NUM_THREADS": "1", **(env or {})}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script or "app.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            *args,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://{host}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit did not become healthy within 60 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Ask the server to stop; kill it if it has not within 15 s (a loaded machine can be slow to shut down)."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    proc, url = start_server(tmp_path / "e2e.db")
    yield url
    stop_server(proc)


@pytest.fixture
def indexed_server(indexed_db_copy: Path) -> Iterator[str]:
    """A server on a copy of the database that already holds the real search index."""
    proc, url = start_server(indexed_db_copy)
    yield url
    stop_server(proc)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.console_errors = []  # type: ignore[attr-defined]

    def on_console(msg: ConsoleMessage) -> None:
        # Streamlit's frontend first probes <page path>/_stcore/... and falls back to /_stcore/...: its own 404s.
        if msg.type == "error" and "/_stcore/" not in (msg.location or {}).get("url", ""):
            pg.console_errors.append(msg.text)  # type: ignore[attr-defined]

    pg.on("console", on_console)
    yield pg
    context.close()


def settle(page: Page, timeout_s: float = 30) -> None:
    """Wait until the script run is over (no running indicator, no skeletons)."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    time.sleep(0.5)
    while time.monotonic() < deadline:
        busy = page.locator('[data-testid="stStatusWidget"], [data-testid="stSkeleton"]').count()
        if not busy:
            return
        time.sleep(0.2)


@pytest.fixture
def shoot() -> Callable[[Page, str], Path]:
    def save(page: Page, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return save
