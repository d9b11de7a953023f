"""Anki and CSV export, CSV import: round trips, escaping, and malformed rows skipped by line number."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from db.engine import make_engine
from db.models import ImportedItemRow
from db.queries import list_cards, list_posts
from db.sync import sync_content
from kb.cards import Card, QuizItem, load_content
from kb.exchange import COMPUTED_SAMPLE, ExportItem, import_csv, select_items, write_apkg, write_csv
from kb.items import NEIGHBOURS, build_items
from kb.quiz import get_or_create_learner
from kb.similar import Ranker, cosine_from
from tests.conftest import REAL_CONTENT, ROOT

LOADED = load_content(REAL_CONTENT)
ITEMS = build_items(LOADED.cards, computed=False)  # the written items (computed ones are tested on their own)


@pytest.fixture
def engine(engine_url: str) -> Iterator[Engine]:
    eng = make_engine(engine_url)
    with Session(eng) as session:
        sync_content(LOADED, session=session)
    yield eng
    eng.dispose()


def apkg_notes(path: Path, tmp_path: Path) -> list[tuple[str, str]]:
    """(note type name, fields) of every note in an .apkg, read straight from its SQLite collection."""
    with zipfile.ZipFile(path) as z:
        z.extract("collection.anki2", tmp_path)
    con = sqlite3.connect(tmp_path / "collection.anki2")
    try:
        import json

        models = json.loads(con.execute("SELECT models FROM col").fetchone()[0])
        return [(models[str(mid)]["name"], flds) for mid, flds in con.execute("SELECT mid, flds FROM notes")]
    finally:
        con.close()


def test_apkg_holds_every_item_with_cloze_items_as_cloze_notes(tmp_path) -> None:
    items = select_items(ITEMS, LOADED.posts)
    counts = write_apkg(items, tmp_path / "all.apkg")
    notes = apkg_notes(tmp_path / "all.apkg", tmp_path)
    n_cloze = sum(1 for e in items if e.item.kind == "cloze")
    assert len(notes) == len(items) == counts["basic"] + counts["cloze"]
    assert sum(1 for name, _ in notes if name.endswith("cloze")) == n_cloze == counts["cloze"]
    assert all("{{c1::" in flds for name, flds in notes if name.endswith("cloze"))


def test_apkg_filters_by_post_and_tag(tmp_path) -> None:
    items = select_items(ITEMS, LOADED.posts, post="173", tag="frameworks")
    assert items and all(e.card.post_slug == "day-173" and "frameworks" in e.card.tags for e in items)
    write_apkg(items, tmp_path / "some.apkg")
    assert len(apkg_notes(tmp_path / "some.apkg", tmp_path)) == len(items)
    with pytest.raises(ValueError, match="no post"):
        select_items(ITEMS, LOADED.posts, post="999")


def test_exported_text_cannot_inject_html_or_formulas(tmp_path) -> None:
    card = Card(
        id="x",
        title="X <i>",
        post_slug="day-172",
        section="S",
        tags=("t",),
        related=(),
        notes="- n",
        explained="E. F.",
        quiz=(),
    )
    items = [
        ExportItem("x:1", card, QuizItem(kind="qa", prompt="<script>alert(1)</script>?", answer="=1+2")),
        ExportItem("x:2", card, QuizItem(kind="cloze", prompt="A <b>{{c1::term}}</b>.", answer="term")),
    ]
    write_apkg(items, tmp_path / "x.apkg")
    fields = " ".join(f for _, f in apkg_notes(tmp_path / "x.apkg", tmp_path))
    assert "<script>" not in fields and "&lt;script&gt;" in fields and "&lt;b&gt;{{c1::term}}&lt;/b&gt;" in fields
    assert write_csv(items, tmp_path / "x.csv") == 1  # only the question/answer item goes to CSV
    rows = list(csv.DictReader((tmp_path / "x.csv").open()))
    assert rows[0]["answer"] == "'=1+2"  # a spreadsheet shows it as text instead of computing it


def test_csv_round_trip_and_malformed_rows(engine, tmp_path) -> None:
    with Session(engine) as session:
        cards, posts = list_cards(session=session), list_posts(session=session)
        write_csv(select_items(build_items(cards, computed=False), posts, tag="detection"), tmp_path / "out.csv")
        ada = get_or_create_learner("Ada", session=session)
        again = import_csv((tmp_path / "out.csv").read_bytes(), session=session, learner_id=ada.id)
        assert not again.added and not again.problems and again.unchanged > 0  # all already present

        bad = (
            "card_id,question,answer\n"
            "yolo,What does YOLO stand for?,You only look once\n"  # line 2: good
            "no-such-card,Q?,A\n"  # line 3: unknown card
            "yolo,,missing question\n"  # line 4: empty question
            "ssd,What does SSD stand for?,Single Shot,Detector\n"  # line 5: an unquoted comma
            'ssd,"What does the S in SSD stand for, twice?","Single, Shot"\n'  # line 6: good
        )
        report = import_csv(bad, session=session, learner_id=ada.id)
        assert len(report.added) == 2
        assert [p.split(":")[0] for p in report.problems] == ["line 3", "line 4", "line 5"]
        imported = session.exec(select(ImportedItemRow)).all()
        assert sorted(q.answer for q in imported) == ["Single, Shot", "You only look once"]
        assert {q.learner_id for q in imported} == {ada.id}  # Ada's own

        sync_content(LOADED, session=session)  # a content sync keeps imported items
        assert len(session.exec(select(ImportedItemRow)).all()) == 2


def test_import_refuses_a_file_without_the_columns_or_not_text(engine) -> None:
    with Session(engine) as session:
        no_header = import_csv("front,back\nA,B\n", session=session, learner_id=None)
        binary = import_csv(b"\xff\xfe\x00garbage", session=session, learner_id=None)
    assert "line 1" in no_header.problems[0] and "card_id" in no_header.problems[0]
    assert "not UTF-8" in binary.problems[0]


def test_cli_export_and_import(tmp_path, db_url) -> None:
    env = {"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"}

    def kb(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )

    assert kb("db", "sync", "--no-embed").returncode == 0
    done = kb("kb", "export", "--format", "apkg", "--out", str(tmp_path / "d.apkg"), "--post", "172")
    assert done.returncode == 0 and "cloze" in done.stdout
    # without an index the curated signals alone name each card's neighbours, so MCQs are generated too
    ranker = Ranker({c.id: c for c in LOADED.cards}, cosine_from(None, len(LOADED.cards)))
    items = build_items(LOADED.cards, neighbours=lambda i: [c for c, _ in ranker.similar(i, NEIGHBOURS)])
    expected = select_items(items, LOADED.posts, post="172")
    computed = sum(1 for e in expected if e.template is not None)
    assert computed and any(
        e.item.kind == "mcq" and e.item.prompt in {q.prompt for q in e.card.quiz if q.kind == "qa"} for e in expected
    )
    notes = apkg_notes(tmp_path / "d.apkg", tmp_path)
    assert len(notes) == len(expected) - computed + COMPUTED_SAMPLE * computed
    (tmp_path / "in.csv").write_text("card_id,question,answer\nyolo,Q one?,A one\nnope,Q?,A\n")
    done = kb("kb", "import", "--format", "csv", str(tmp_path / "in.csv"))
    assert done.returncode == 2 and "--learner NAME" in done.stderr  # whose items: the CLI makes you say
    done = kb("kb", "import", "--format", "csv", "--shared", str(tmp_path / "in.csv"))
    assert done.returncode == 1 and "1 added" in done.stdout and "line 3" in done.stderr


def test_trivia_leaves_the_export_unless_asked_for() -> None:
    default = select_items(ITEMS, LOADED.posts)
    assert default and not any("trivia" in e.card.tags for e in default)
    with_trivia = select_items(ITEMS, LOADED.posts, trivia=True)
    assert {e.card.id for e in with_trivia} - {e.card.id for e in default} == {
        "blog-mottos",
        "top-100-data-science-blogs",
    }


def test_the_export_holds_a_fixed_sample_of_computed_questions_with_their_figures(tmp_path) -> None:
    items = select_items(build_items(LOADED.cards), LOADED.posts, tag="detection")
    computed = [e for e in items if e.template is not None]
    assert {e.template for e in computed} >= {"box-iou", "nms-count", "nms-which"}
    counts = write_apkg(items, tmp_path / "d.apkg")
    assert counts["computed"] == COMPUTED_SAMPLE * len(computed)
    with zipfile.ZipFile(tmp_path / "d.apkg") as z:
        media = json.loads(z.read("media"))
        svgs = {name: z.read(number).decode() for number, name in media.items()}
    assert all(text.startswith("<svg") for text in svgs.values())
    assert {f"dl-notes-nms-which-{seed}.svg" for seed in range(COMPUTED_SAMPLE)} <= set(svgs)
    fields = [f for _, f in apkg_notes(tmp_path / "d.apkg", tmp_path)]
    nms = [f for f in fields if "non-max suppression keep at an IoU threshold" in f]
    assert len(nms) == COMPUTED_SAMPLE and all('<img src="dl-notes-nms-which-' in f for f in nms)
    write_apkg(items, tmp_path / "again.apkg")  # the same seeds: the same notes, so Anki updates instead of adding
    assert sorted(apkg_notes(tmp_path / "again.apkg", tmp_path)) == sorted(apkg_notes(tmp_path / "d.apkg", tmp_path))
