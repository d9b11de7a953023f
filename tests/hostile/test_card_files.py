"""Hostile card files: a symlink to a file outside content/, a card far over the size limit, a symlinked post
folder, and a content folder that lost its cards. Each is refused with a message naming it, and the database
keeps what it had (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import Session

from db.sync import SyncRefused, sync_content
from kb.cards import MAX_CARD_BYTES, load_content
from tests.conftest import REAL_CONTENT
from tests.hostile.conftest import fingerprint


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "content"
    shutil.copytree(REAL_CONTENT, dest)
    return dest


def test_a_symlink_out_of_content_is_not_published(hostile_engine, content_copy, tmp_path) -> None:
    secret = tmp_path / "secret.md"
    card = (content_copy / "day-172" / "yolo.md").read_text()
    secret.write_text(card.replace("id: yolo", "id: leaked").replace("## Notes\n", "## Notes\n- password=hunter2\n"))
    (content_copy / "day-172" / "leaked.md").symlink_to(secret)
    before = fingerprint(hostile_engine)
    loaded = load_content(content_copy)
    assert any(p.file == "day-172/leaked.md" and "outside the content folder" in p.message for p in loaded.problems)
    with Session(hostile_engine) as session:
        report = sync_content(loaded, session=session)
    assert not report.changed and fingerprint(hostile_engine) == before


def test_a_card_over_the_size_limit_is_refused_and_its_last_good_version_kept(hostile_engine, content_copy) -> None:
    path = content_copy / "day-172" / "yolo.md"
    path.write_text(path.read_text() + "\n".join(f"- bullet {i}" for i in range(MAX_CARD_BYTES // 8)))
    loaded = load_content(content_copy)
    assert next(p.message for p in loaded.problems if p.file == "day-172/yolo.md").endswith("split it into cards")
    before = fingerprint(hostile_engine)
    with Session(hostile_engine) as session:
        report = sync_content(loaded, session=session)
    assert report.kept_broken == ["yolo"] and fingerprint(hostile_engine) == before


def test_a_symlinked_post_folder_is_reported_and_its_cards_are_not_removed(hostile_engine, content_copy, tmp_path):
    shutil.move(content_copy / "day-172", tmp_path / "elsewhere")
    (content_copy / "day-172").symlink_to(tmp_path / "elsewhere")
    loaded = load_content(content_copy)
    assert any(p.file == "day-172" and "symlinked folder" in p.message for p in loaded.problems)
    before = fingerprint(hostile_engine)
    with Session(hostile_engine) as session, pytest.raises(SyncRefused, match="python -m db sync --force"):
        sync_content(loaded, session=session)
    assert fingerprint(hostile_engine) == before


def test_a_content_folder_without_cards_removes_nothing(hostile_engine, content_copy) -> None:
    for path in content_copy.rglob("*.md"):
        path.unlink()
    before = fingerprint(hostile_engine)
    n = len(load_content(REAL_CONTENT).cards)
    with Session(hostile_engine) as session, pytest.raises(SyncRefused, match=f"remove {n} of the {n} cards"):
        sync_content(load_content(content_copy), session=session)
    assert fingerprint(hostile_engine) == before
