"""Shared fixtures: a tiny content folder built per test, so validation and sync tests control every byte;
fresh databases on the engine under test.

The database tests run on SQLite unless ``TEST_DATABASE_URL`` names a PostgreSQL server (``make
test-postgres`` starts a throwaway one): then every database those tests make is a new schema on that server,
dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAL_CONTENT = ROOT / "content"

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
if not POSTGRES_URL.startswith(("postgresql", "postgres:")):
    POSTGRES_URL = ""
ENGINE = "postgresql" if POSTGRES_URL else "sqlite"  # the engine the database tests run on

sqlite_only = pytest.mark.skipif(ENGINE != "sqlite", reason="SQLite-specific (PRAGMAs, files)")
needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="needs a PostgreSQL server in TEST_DATABASE_URL (make test-postgres)"
)


@pytest.fixture(scope="session", autouse=True)
def _torch_on_one_thread() -> Iterator[None]:
    """Tests run torch on one CPU thread. Their tensors are tiny, and on a 2-core machine that is busy (CI beside
    other jobs) two threads made a 6-step training 20 times slower. Restored after the session; the app itself
    never changes it (only a command's main() may)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _admin_engine():  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    from db.engine import normalise_url

    return create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """A URL whose connections work in a new, empty schema of the test server; the schema is dropped after."""
    from sqlalchemy import text

    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    base = POSTGRES_URL + ("&" if "?" in POSTGRES_URL else "?")
    try:
        yield f"{base}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on the engine under test (a SQLite file, or a PostgreSQL schema); it outlives
    the engines made on it during the test, so a test can "restart" by making a second engine."""
    if ENGINE == "postgresql":
        with postgres_schema() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def engine_url(db_url: str) -> str:
    """Like :func:`db_url`, but SQLite in memory (faster) where a test makes a single engine."""
    return "sqlite://" if ENGINE == "sqlite" else db_url


POSTS_YAML = """\
- slug: day-1
  day: 1
  date: 2018-12-01
  title: First post
  blurb: The first post.
  sections: ["Basics", "More"]
- slug: day-2
  day: 2
  date: 2018-12-02
  title: Second post
  sections: ["Other"]
"""


def card_text(
    card_id: str = "alpha",
    *,
    post: str = "day-1",
    title: str | None = None,
    section: str = "Basics",
    tags: str = "[cnn]",
    related: str = "[]",
    extra: str = "",
    quiz: str | None = None,
    notes: str = "- a bullet from the notes",
    explained: str | None = None,
) -> str:
    day, date, post_title = {"day-1": (1, "2018-12-01", "First post"), "day-2": (2, "2018-12-02", "Second post")}[post]
    quiz = (
        quiz
        if quiz is not None
        else textwrap.dedent(f"""\
        quiz:
          - type: qa
            question: {card_id.title()}?
            answer: It is a thing.
          - type: cloze
            text: "{card_id.title()}: {{{{c1::thing}}}}."
        """)
    )
    explained = explained if explained is not None else "First sentence here. Second sentence here."
    return (
        f"---\nid: {card_id}\ntitle: {title or card_id.title()}\npost:\n  day: {day}\n  date: {date}\n"
        f"  title: {post_title}\nsection: {section}\ntags: {tags}\nrelated: {related}\n{extra}{quiz}---\n\n"
        f"## Notes\n{notes}\n\n## Explained\n{explained}\n"
    )


@pytest.fixture
def content(tmp_path: Path) -> Callable[..., Path]:
    """Return a writer: content(name, text, post=...) writes a card; the folder has posts.yaml already."""
    root = tmp_path / "content"
    root.mkdir()
    (root / "posts.yaml").write_text(POSTS_YAML)

    def write(card_id: str = "alpha", text: str | None = None, *, folder: str = "day-1", **kwargs: object) -> Path:
        path = root / folder / f"{card_id}.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text if text is not None else card_text(card_id, **kwargs))  # type: ignore[arg-type]
        return path

    write.root = root  # type: ignore[attr-defined]
    return write


@pytest.fixture
def real_content_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "real-content"
    shutil.copytree(REAL_CONTENT, dest)
    return dest


@pytest.fixture(scope="session")
def minilm():  # type: ignore[no-untyped-def]
    """The real all-MiniLM-L6-v2 embedder, loaded once per test run (about 11 s on a 2-core CPU)."""
    from kb.embed import load_minilm

    return load_minilm()


@pytest.fixture(scope="session")
def indexed_db(tmp_path_factory: pytest.TempPathFactory, minilm) -> Path:  # type: ignore[no-untyped-def]
    """A SQLite file holding the real content and its real MiniLM search index, built once per test run.
    Tests copy it (see :func:`indexed_db_copy`) rather than write to it."""
    from sqlmodel import Session

    from db.engine import make_engine
    from db.queries import list_cards
    from db.sync import sync_content
    from kb.cards import load_content
    from kb.search import update_index

    path = tmp_path_factory.mktemp("indexed") / "indexed.db"
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        sync_content(load_content(REAL_CONTENT), session=session)
        update_index(list_cards(session=session), minilm, session=session)
    engine.dispose()
    return path


@pytest.fixture
def indexed_db_copy(indexed_db: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "indexed-copy.db"
    shutil.copy(indexed_db, dest)
    return dest
