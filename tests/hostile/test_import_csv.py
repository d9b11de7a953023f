"""Hostile CSV files against the importer (kb.exchange.import_csv), on SQLite and on PostgreSQL: each gets a
clear message naming the line, and a file that cannot be read changes nothing in the database."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from db.models import ImportedItemRow
from kb.exchange import import_csv, learner_items
from kb.quiz import get_or_create_learner
from tests.hostile.conftest import fingerprint

HEADER = "card_id,question,answer\n"

REFUSED = {  # the whole file is refused: (contents, words the first problem must contain)
    "a cell over the CSV reader's limit": (
        HEADER + "yolo,Q?," + "x" * 200_000 + "\n",
        "line 2: the CSV reader stopped",
    ),
    "UTF-16": (HEADER.encode("utf-16"), "not UTF-8"),
    "Latin-1": ("card_id,question,answer\nyolo,Qué?,Sí\n".encode("latin-1"), "not UTF-8"),
    "no header": ("yolo,Q?,A\n", "line 1: the header must name the columns"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8"),
    "empty": (b"", "line 1: the header"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_file_that_cannot_be_read_is_refused_and_changes_nothing(hostile_engine, name) -> None:
    data, words = REFUSED[name]
    with Session(hostile_engine) as session:
        ada = get_or_create_learner("Ada", session=session)
    before = fingerprint(hostile_engine)
    with Session(hostile_engine) as session:
        report = import_csv(data, session=session, learner_id=ada.id)
    assert not report.added and words in report.problems[0], report.problems
    assert fingerprint(hostile_engine) == before


def test_bad_rows_are_named_by_line_and_good_rows_kept(hostile_engine) -> None:
    rows = [
        "yolo,What does YOLO stand for?,You only look once",  # line 2: good
        "yolo,Has a NUL\x00 byte?,A",  # line 3: refused on every engine (PostgreSQL cannot store it)
        "../../etc/passwd,Q?,A",  # line 4: no such card
        'yolo,"a quote that never closes,A',  # line 5: swallows the rest of the file
        "ssd,Never read?,A",
    ]
    with Session(hostile_engine) as session:
        ada = get_or_create_learner("Ada", session=session)
        report = import_csv(HEADER + "\n".join(rows) + "\n", session=session, learner_id=ada.id)
        assert len(report.added) == 1
        assert [p.split(":")[0] for p in report.problems] == ["line 3", "line 4", "line 5"]
        assert "NUL" in report.problems[0] and "no card with id '../../etc/passwd'" in report.problems[1]
        assert (
            "a quote opened on this line is not closed" in report.problems[2] and "runs to line 6" in report.problems[2]
        )
        stored = session.exec(select(ImportedItemRow.prompt)).all()
    assert stored == ["What does YOLO stand for?"]


def test_every_line_ending_and_spreadsheet_quirks_import_as_written(hostile_engine) -> None:
    body = "card_id,question,answer\r" + "yolo,CR only?,Classic Mac\r" + "ssd,'=1+2,'''quoted\r"
    with Session(hostile_engine) as session:
        ada = get_or_create_learner("Ada", session=session)
        report = import_csv(body.encode(), session=session, learner_id=ada.id)
        items = {i.prompt: i.answer for i in learner_items(ada.id, session=session)}
    assert not report.problems and len(report.added) == 2
    # our export's apostrophe before a formula character goes; any other apostrophe is the learner's text
    assert items == {"CR only?": "Classic Mac", "=1+2": "'''quoted"}


def test_markdown_and_html_are_stored_as_written_and_an_overlong_cell_names_where_a_quote_ran(hostile_engine) -> None:
    payload = "![x](http://127.0.0.1:9/track.png) [sign in](https://evil.example) <img src=x onerror=alert(1)>"
    body = HEADER + f'yolo,"{payload}",ok\n' + 'ssd,"' + "long " * 500 + '\nstill open",A\n'
    with Session(hostile_engine) as session:
        ada = get_or_create_learner("Ada", session=session)
        report = import_csv(body, session=session, learner_id=ada.id)
        assert [i.prompt for i in learner_items(ada.id, session=session)] == [payload]  # pages escape it
    assert "line 3: question or answer is longer than 2000 characters" in report.problems[0]
    assert "runs to line 4" in report.problems[0]


def test_a_huge_file_stops_at_the_row_limit(hostile_engine) -> None:
    body = HEADER + "".join(f"yolo,Question {i}?,A\n" for i in range(60))
    with Session(hostile_engine) as session:
        ada = get_or_create_learner("Ada", session=session)
        report = import_csv(body, session=session, learner_id=ada.id, max_rows=50)
    assert len(report.added) == 50 and report.problems == ["line 52: stopped after 50 rows; split the file"]
