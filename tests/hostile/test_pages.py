"""Hostile input through the pages (Streamlit AppTest): Markdown, links and images in URL parameters and in a
learner's imported items are shown as the characters typed; bytes that are not text reach search harmlessly;
a database URL's password never reaches the page; nothing is written to the database by any of it."""

from __future__ import annotations

import re

from sqlmodel import Session

from db.engine import make_engine
from kb.exchange import import_csv
from kb.quiz import get_or_create_learner
from tests.hostile.conftest import fingerprint
from tests.pages.conftest import app  # noqa: F401  (the AppTest fixture)

PHISH = "x` [Your session expired: sign in again](https://evil.example/login) ![t](http://127.0.0.1:9/t.png)"
# What Markdown would render as a link or an image: an unescaped "](" or "![" or "<img", or a bare address that
# GitHub-flavoured Markdown links by itself ("http://", "www.", "name@host" with nothing between the parts).
LIVE_MARKDOWN = re.compile(r"(?<!\\)\]\(|(?<!\\)!\[|(?<!\\)<img|(?i:https?|www)\\?[:.]|\w\\?@")


def live(value: str) -> bool:
    return bool(LIVE_MARKDOWN.search(value))


def test_url_parameters_are_shown_as_text_and_change_nothing(app) -> None:  # noqa: F811
    at = app("pages/card.py", id=PHISH)
    engine = make_engine(app.db_url)
    before = fingerprint(engine)
    assert not at.exception and "There is no card with id" in at.warning[0].value
    assert not live(at.warning[0].value) and "Your session expired" in at.warning[0].value
    for page, params in (
        ("pages/quiz.py", {"learner": "[Click to re-login](http://evil.example)"}),
        ("pages/search.py", {"q": "\ufffd\ufffe im2col \x00\x1b[31m " + PHISH, "mode": "keyword"}),
        ("pages/lab.py", {"name": PHISH}),
        ("pages/browse.py", {"q": PHISH, "tag": "<script>", "post": "../../etc"}),
    ):
        at.query_params.clear()
        for key, value in params.items():
            at.query_params[key] = value
        at.switch_page(page)
        at.run()
        assert not at.exception, page
        shown = [w.value for w in at.warning] + [m.value for m in at.markdown] + [c.value for c in at.caption]
        assert not any(live(v) for v in shown), (page, shown)
    assert fingerprint(engine) == before
    engine.dispose()


def test_a_hostile_import_is_shown_inert_to_its_learner(app) -> None:  # noqa: F811
    payload = "![pixel](http://127.0.0.1:9/pixel.png) [login](https://evil.example) <img src=x onerror=alert(1)>"
    at = app()
    engine = make_engine(app.db_url)
    with Session(engine) as session:
        ada = get_or_create_learner("Ada", session=session)
        report = import_csv(
            f'card_id,question,answer\nyolo,"{payload}","{payload}"\n', session=session, learner_id=ada.id
        )
    engine.dispose()
    assert len(report.added) == 1
    at.query_params["learner"] = "Ada"
    at.query_params["id"] = "yolo"
    at.switch_page("pages/card.py")
    at.run()
    mine = [e for e in at.expander if "pixel" in e.label]
    assert len(mine) == 1 and not live(mine[0].label)
    answer = [m.value for m in mine[0].markdown]
    assert answer and all("pixel" in a and not live(a) for a in answer)


def test_a_password_in_the_database_url_never_reaches_the_page(app, monkeypatch) -> None:  # noqa: F811
    secret = "S3cretPassw0rd"
    monkeypatch.setenv(
        "DATABASE_URL", f"postgresql://study:{secret}@127.0.0.1:1/study?password={secret}&sslpassword=k3y"
    )
    at = app()
    shown = "\n".join(e.value for e in at.error)
    assert "127.0.0.1:1/study" in shown and secret not in shown and "k3y" not in shown
    for page in ("pages/quiz.py", "pages/progress.py", "pages/my_data.py"):
        at.switch_page(page)
        at.run()
        assert not at.exception, page  # a clear message instead of a traceback
        assert at.error and secret not in "\n".join(e.value for e in at.error)
