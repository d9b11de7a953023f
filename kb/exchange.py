"""Export quiz items to Anki (.apkg, via genanki) and CSV; import question/answer items from CSV.

Everything leaves as plain text: Anki fields are HTML, so text is escaped; CSV cells that a spreadsheet would
run as a formula are prefixed with an apostrophe. An import never half-applies a row: a malformed row is
reported with its line number and skipped, and the good rows are committed together.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import genanki
from sqlmodel import Session, select

from db.models import CardRow, QuizItemRow
from kb.cards import Card, Post, QuizItem

CSV_FIELDS = ("card_id", "question", "answer")
CSV_EXPORT_FIELDS = ("id", "card_id", "card_title", "kind", "question", "answer", "options", "tags")
MAX_FIELD = 2000
MAX_IMPORT_ROWS = 5000
DECK_NAME = "DL Notes Study"


def _stable_id(text: str) -> int:
    """A 31-bit id that stays the same across exports, as Anki wants for decks and note types."""
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16) & 0x7FFFFFFF


BASIC = genanki.Model(
    _stable_id("dl-notes-study basic"),
    "DL Notes Study: question and answer",
    fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Card"}],
    templates=[
        {
            "name": "Card 1",
            "qfmt": "{{Front}}",
            "afmt": "{{FrontSide}}<hr id=answer>{{Back}}<br><small>{{Card}}</small>",
        }
    ],
)
CLOZE = genanki.Model(
    _stable_id("dl-notes-study cloze"),
    "DL Notes Study: cloze",
    fields=[{"name": "Text"}, {"name": "Back Extra"}],
    templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}<br>{{Back Extra}}"}],
    model_type=genanki.Model.CLOZE,
)


@dataclass(frozen=True)
class ExportItem:
    item_id: str
    card: Card
    item: QuizItem


def select_items(
    cards: Iterable[Card], posts: Sequence[Post], *, tag: str | None = None, post: str | None = None
) -> list[ExportItem]:
    """Every quiz item, or those of cards with ``tag`` and/or in ``post`` (a day number, a slug or a date)."""
    chosen = list(cards)
    if post is not None:
        match = [p for p in posts if post in (p.slug, str(p.day), str(p.date))]
        if not match:
            known = ", ".join(str(p.day) if p.day is not None else str(p.date) for p in posts)
            raise ValueError(f"no post {post!r}; use a day number ({known}) or a post slug")
        chosen = [c for c in chosen if c.post_slug == match[0].slug]
    if tag is not None:
        chosen = [c for c in chosen if tag in c.tags]
    return [ExportItem(f"{c.id}:{q.key}", c, q) for c in chosen for q in c.quiz]


def _anki_text(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def write_apkg(items: Sequence[ExportItem], path: Path, *, deck_name: str = DECK_NAME) -> dict[str, int]:
    """Write an Anki package: cloze items as cloze notes, the rest as basic notes. Returns counts by note type."""
    deck = genanki.Deck(_stable_id(deck_name), deck_name)
    counts = {"basic": 0, "cloze": 0}
    for entry in items:
        item, card = entry.item, entry.card
        tags = [t.replace(" ", "_") for t in card.tags]
        if item.kind == "cloze":
            match = re.search(r"\{\{c1::(.+?)(?:::(.+?))?\}\}", item.prompt)
            text = item.prompt if match is None else item.prompt.replace(match.group(0), "\0")
            escaped = _anki_text(text).replace("\0", "{{c1::" + html.escape(item.answer) + "}}")
            note = genanki.Note(
                model=CLOZE, fields=[escaped, _anki_text(card.title)], tags=tags, guid=genanki.guid_for(entry.item_id)
            )
            counts["cloze"] += 1
        else:
            front = _anki_text(item.prompt)
            if item.kind == "mcq":
                front += "<ul>" + "".join(f"<li>{_anki_text(o)}</li>" for o in item.options) + "</ul>"
            note = genanki.Note(
                model=BASIC,
                fields=[front, _anki_text(item.answer), _anki_text(card.title)],
                tags=tags,
                guid=genanki.guid_for(entry.item_id),
            )
            counts["basic"] += 1
        deck.add_note(note)
    genanki.Package(deck).write_to_file(str(path))
    return counts


def _csv_safe(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write_csv(items: Sequence[ExportItem], path: Path) -> int:
    """Write the question/answer items (other kinds are left out: CSV carries question/answer pairs)."""
    items = [e for e in items if e.item.kind == "qa"]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_EXPORT_FIELDS)
        writer.writeheader()
        for e in items:
            writer.writerow(
                {
                    k: _csv_safe(v)
                    for k, v in {
                        "id": e.item_id,
                        "card_id": e.card.id,
                        "card_title": e.card.title,
                        "kind": e.item.kind,
                        "question": e.item.prompt,
                        "answer": e.item.answer,
                        "options": json.dumps(list(e.item.options)),
                        "tags": " ".join(e.card.tags),
                    }.items()
                }
            )
    return len(items)


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)  # "line N: what is wrong"

    def summary(self) -> str:
        return f"{len(self.added)} added, {self.unchanged} already present, {len(self.problems)} rows skipped"


def import_csv(data: bytes | str, *, session: Session, max_rows: int = MAX_IMPORT_ROWS) -> ImportReport:
    """Add question/answer items from CSV with the columns card_id, question, answer (others are ignored).

    Rows are checked one by one; a bad row is reported by line number and skipped. Good rows are committed in
    one transaction at the end. Text is stored as plain text (pages render it with HTML disabled)."""
    report = ImportReport()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            report.problems.append(f"the file is not UTF-8 text ({exc.reason}); save it as UTF-8 CSV")
            return report
    reader = csv.DictReader(io.StringIO(data))
    missing = [c for c in CSV_FIELDS if c not in (reader.fieldnames or [])]
    if missing:
        report.problems.append(
            f"line 1: the header must name the columns {', '.join(CSV_FIELDS)}; missing {', '.join(missing)}"
        )
        return report
    cards = set(session.exec(select(CardRow.id)))
    existing = set(session.exec(select(QuizItemRow.id)))
    for n, row in enumerate(reader, start=2):
        if n - 1 > max_rows:
            report.problems.append(f"line {n}: stopped after {max_rows} rows; split the file")
            break
        if None in row:  # more cells than header columns
            report.problems.append(f"line {n}: more cells than the header has columns; quote text that has commas")
            continue
        if (row.get("kind") or "qa").strip() != "qa":
            report.problems.append(f"line {n}: only question/answer rows (kind qa) can be imported")
            continue
        card_id = (row.get("card_id") or "").strip()
        question = (row.get("question") or "").strip().lstrip("'")
        answer = (row.get("answer") or "").strip().lstrip("'")
        if card_id not in cards:
            report.problems.append(f"line {n}: no card with id {card_id[:60]!r}; use an id from the Browse page")
            continue
        if not question or not answer:
            report.problems.append(f"line {n}: question and answer must both be filled in")
            continue
        if len(question) > MAX_FIELD or len(answer) > MAX_FIELD:
            report.problems.append(f"line {n}: question or answer is longer than {MAX_FIELD} characters")
            continue
        item = QuizItem(kind="qa", prompt=question, answer=answer)
        item_id = f"{card_id}:{item.key}"
        if item_id in existing:
            report.unchanged += 1
            continue
        session.add(
            QuizItemRow(
                id=item_id,
                card_id=card_id,
                position=1000 + n,
                kind="qa",
                prompt=question,
                answer=answer,
                origin="import",
            )
        )
        existing.add(item_id)
        report.added.append(item_id)
    session.commit()
    return report
