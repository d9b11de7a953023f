"""Hostile input to the command lines (python -m kb, python -m db, python -m demos.nms): bytes that are not
UTF-8, paths that cannot be written, files too big, a database URL carrying a password while the server is
down, out-of-range options. Each gets a message and an exit status, never a traceback, and the database is
unchanged where the command was refused."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from kb.__main__ import main as kb_main
from tests.conftest import ROOT
from tests.hostile.conftest import fingerprint

BAD_BYTES = b"\xff\xfe im2col \xc3\x28"


def test_search_reads_any_bytes_from_the_command_line(hostile_db) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kb", "search", BAD_BYTES, "--mode", "keyword", "--json"],
        cwd=ROOT,
        env={"DATABASE_URL": hostile_db, "PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"},
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    assert json.loads(done.stdout)[0]["id"] == "im2col"


def test_a_stdin_batch_survives_bad_lines_and_answers_every_query(hostile_db, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", hostile_db)
    lines = [BAD_BYTES, b"   ", b"\x00\x01\x02", b"x" * 5000 + b" nms", b"non-max suppression"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\n".join(lines) + b"\n")))
    assert kb_main(["search", "--mode", "keyword"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(out) == 4  # the blank line is skipped; every other line gets an answer
    assert out[0]["results"][0]["id"] == "im2col"
    assert out[1]["results"] == []  # only control characters: nothing matches, and the batch goes on
    assert len(out[2]["query"]) <= 300 and "notice" in out[2]  # cut, and said so
    assert out[3]["results"][0]["id"] == "non-max-suppression"


def test_export_to_a_path_it_cannot_write_says_so_and_keeps_the_old_file(hostile_db, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", hostile_db)
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    for out, words in ((tmp_path / "no" / "such" / "dir.csv", "does not exist"), (tmp_path, "is a folder")):
        assert kb_main(["export", "--format", "csv", "--out", str(out)]) == 2
        assert words in capsys.readouterr().err
    old = tmp_path / "mine.apkg"
    old.write_bytes(b"the previous export")

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("genanki.Package.write_to_file", disk_full)
    assert kb_main(["export", "--format", "apkg", "--out", str(old)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert old.read_bytes() == b"the previous export" and sorted(tmp_path.iterdir()) == [old]


def test_import_refuses_a_file_too_big_or_without_an_owner(hostile_engine, hostile_db, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", hostile_db)
    big = tmp_path / "big.csv"
    with big.open("wb") as f:
        f.write(b"card_id,question,answer\n")
        f.truncate(11 * 10**6)
    before = fingerprint(hostile_engine)
    assert kb_main(["import", "--shared", str(big)]) == 2
    assert "the limit is 10 MB" in capsys.readouterr().err
    small = tmp_path / "small.csv"
    small.write_text("card_id,question,answer\nyolo,Q?,A\n")
    assert kb_main(["import", str(small)]) == 2
    assert kb_main(["import", "--learner", "Nobody", str(small)]) == 2
    assert "no profile called 'Nobody'" in capsys.readouterr().err
    assert fingerprint(hostile_engine) == before


def test_db_sync_of_an_empty_content_folder_is_refused(hostile_engine, hostile_db, monkeypatch, capsys, tmp_path):
    from db.__main__ import main as db_main

    monkeypatch.setenv("DATABASE_URL", hostile_db)
    empty = tmp_path / "content"
    empty.mkdir()
    (empty / "posts.yaml").write_text((ROOT / "content" / "posts.yaml").read_text())
    before = fingerprint(hostile_engine)
    assert db_main(["sync", "--no-embed", "--content", str(empty)]) == 1
    assert "nothing was changed" in capsys.readouterr().err
    assert fingerprint(hostile_engine) == before


def test_a_password_in_the_database_url_is_never_printed(monkeypatch, capsys) -> None:
    from db.__main__ import main as db_main

    secret = "S3cretPassw0rd"
    monkeypatch.setenv("DATABASE_URL", f"postgresql://127.0.0.1:1/study?user=study&password={secret}&connect_timeout=2")
    assert db_main(["sync", "--no-embed"]) == 1
    assert kb_main(["search", "nms", "--mode", "keyword"]) == 1
    captured = capsys.readouterr()
    assert "127.0.0.1:1/study" in captured.err and secret not in captured.err + captured.out


@pytest.mark.parametrize(
    "option", [["--device", "tpu"], ["--device", "cuda:99"], ["--threads", "-4"], ["--seed", "-1"], ["--seed", "x"]]
)
def test_the_nms_lab_cli_rejects_bad_common_options_with_a_message(option, capsys) -> None:
    from demos.nms.__main__ import main as nms_main

    try:
        status = nms_main(["scene", *option])
    except SystemExit as exc:  # argparse's own refusal of a non-integer
        status = int(exc.code or 0)
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err and (option[0] in err or "device" in err), err


def test_meaning_search_gets_text_its_tokenizer_can_read_whatever_the_bytes(hostile_engine) -> None:
    """Hybrid and semantic modes hand the query to the model's tokenizer, which raises on lone surrogates (how
    Python carries invalid UTF-8 from a command line): the query is cleaned before it gets there."""
    import numpy as np
    from sqlmodel import Session

    from db.queries import list_cards
    from kb.embed import HashingEmbedder
    from kb.search import SemanticIndex, search, update_index

    class StrictTokenizer(HashingEmbedder):
        def encode(self, texts):  # type: ignore[no-untyped-def]
            for t in texts:
                t.encode("utf-8")  # what the real tokenizer's input check amounts to: valid Unicode only
            return super().encode(texts)

    embedder = StrictTokenizer()
    with Session(hostile_engine) as session:
        cards = {c.id: c for c in list_cards(session=session)}
        update_index(list(cards.values()), embedder, session=session)
        index = SemanticIndex.load(embedder.name, session=session)
        for mode in ("hybrid", "semantic"):
            result = search(
                BAD_BYTES.decode("utf-8", "surrogateescape"),
                cards=cards,
                session=session,
                index=index,
                embedder=embedder,
                mode=mode,
            )
            assert result.hits and "\ufffd" in result.query and np.isfinite(result.hits[0].score)
