"""Sign-in end to end: a real OpenID Connect provider (oidc-provider-mock, started here on a free local port),
the app served by `streamlit run` with an ``[auth]`` section pointing at it, and Chromium.

An unauthenticated visitor gets the sign-in page and nothing else; Alice signs in, answers, and imports a CSV
whose text carries an image and links aimed at a local tracking server; Bob signs in and sees only his own
(empty) progress, not Alice's import, even through a ``?learner=`` link naming her. The tracking server must
receive no request at all: the import is shown as text."""

from __future__ import annotations

import re
import secrets
import threading
import warnings
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import free_port, settle, start_server

USERS = {"alice": "Alice Liddell", "bob": "Bob Builder"}


class Tracker(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:  # http.server's naming
        Tracker.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tracker() -> Iterator[str]:
    Tracker.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Tracker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A local OpenID Connect provider that knows Alice and Bob; returns its base URL."""
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain HTTP on loopback, for this test only
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from oidc_provider_mock import User, run_server_in_thread

    users = [User(sub=sub, claims={"name": name, "email": f"{sub}@example.org"}) for sub, name in USERS.items()]
    with run_server_in_thread(port=free_port(), user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def signed_in_server(provider: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "dl-notes-study"\n'
        f'client_secret = "{secrets.token_hex(16)}"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    proc, url = start_server(
        tmp_path / "signed-in.db",
        port=port,
        args=["--secrets.files", str(secrets_file)],
        env={"AUTHLIB_INSECURE_TRANSPORT": "1"},
        host="localhost",
    )
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def sign_in(page: Page, url: str, sub: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/oauth2/authorize"), timeout=30_000)
    page.locator('input[name="sub"]').fill(sub)
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_text(f"Signed in as {USERS[sub]}")).to_be_visible(timeout=30_000)
    page.goto(url)  # the provider sends the browser back to the app's start page


def answer_one(page: Page) -> None:
    expect(page.get_by_text("to do now")).to_be_visible(timeout=30_000)
    settle(page)
    if page.get_by_role("button", name="Show answer").count():
        page.get_by_role("button", name="Show answer").click()
    elif page.get_by_label("Your answer").count():
        page.get_by_label("Your answer").fill("a guess")
        page.get_by_role("button", name="Check").click()
    else:
        page.locator('[data-testid="stRadio"] label').first.click()
        page.get_by_role("button", name="Check").click()
    page.get_by_role("button", name=re.compile(r"^Good")).click()
    expect(page.get_by_text("1 answered this session")).to_be_visible(timeout=30_000)


def test_two_learners_sign_in_and_each_sees_only_their_own(
    signed_in_server: str, browser: Browser, tracker: str, tmp_path: Path
) -> None:
    url = signed_in_server
    stranger = browser.new_context().new_page()
    stranger.goto(f"{url}/progress")
    expect(stranger.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
    settle(stranger)
    assert stranger.get_by_text("Reviews").count() == 0 and stranger.get_by_label("Profile").count() == 0
    stranger.context.close()

    alice = browser.new_context().new_page()
    sign_in(alice, f"{url}/quiz", "alice")
    answer_one(alice)
    payload = (
        f"![pixel](http://{tracker}/pixel.png) [Session expired: sign in](http://{tracker}/phish) "
        f"<img src=http://{tracker}/img.png> www.{tracker}/auto"
    )
    hostile = tmp_path / "mine.csv"
    hostile.write_text(f'card_id,question,answer\nyolo,"{payload}","{payload}"\n')
    alice.get_by_text("Export to Anki or CSV, import from CSV").click()
    alice.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(hostile))
    alice.get_by_role("button", name="Import").click()
    expect(alice.get_by_text("1 added")).to_be_visible(timeout=30_000)
    alice.goto(f"{url}/card?id=yolo")
    mine = alice.locator('[data-testid="stExpander"]').filter(has_text="pixel.png")
    expect(mine).to_be_visible(timeout=30_000)
    mine.locator("summary").click()
    expect(mine.get_by_text("Imported by you; only you see it")).to_be_visible(timeout=30_000)
    settle(alice)
    assert alice.locator(f'img[src*="{tracker}"], a[href*="{tracker}"], a[href*="/phish"]').count() == 0
    expect(mine).to_contain_text("[Session expired: sign in](http")  # shown as typed
    alice.goto(f"{url}/progress")
    expect(alice.get_by_text("as Alice Liddell (signed in)")).to_be_visible(timeout=30_000)
    expect(alice.locator('[data-testid="stMetric"]').filter(has_text="Reviews")).to_contain_text("1", timeout=30_000)

    bob = browser.new_context().new_page()
    sign_in(bob, f"{url}/progress?learner=Alice+Liddell", "bob")
    expect(bob.get_by_text("Bob Builder has not answered any question yet")).to_be_visible(timeout=30_000)
    bob.goto(f"{url}/card?id=yolo")
    expect(bob.get_by_role("heading", name="YOLO", exact=False).first).to_be_visible(timeout=30_000)
    settle(bob)
    assert bob.locator('[data-testid="stExpander"]').filter(has_text="pixel.png").count() == 0
    assert "Alice" not in bob.locator('[data-testid="stMain"]').inner_text()
    assert Tracker.hits == []  # no browser fetched anything the import pointed at
    for pg in (alice, bob):
        assert pg.locator('[data-testid="stException"]').count() == 0
        pg.context.close()
