"""Export quiz items to Anki (.apkg, via genanki) and CSV; import question/answer items from CSV.

Computed questions leave as a fixed sample of instances (the same seeds every export, so re-importing updates
notes instead of adding new ones), each with its figure as an SVG image in the package.

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
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import genanki
from sqlmodel import Session, select

from db.models import CardRow, QuizItemRow
from kb.cards import CLOZE_RE, Card, Post, QuizItem
from kb.items import ItemSet

CSV_FIELDS = ("card_id", "question", "answer")
CSV_EXPORT_FIELDS = ("id", "card_id", "card_title", "kind", "question", "answer", "options", "tags")
MAX_FIELD = 2000
MAX_IMPORT_ROWS = 5000
DECK_NAME = "DL Notes Study"
COMPUTED_SAMPLE = 3  # instances of each computed question in an export (seeds 0, 1, 2: the same every time)


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
    template: str | None = None  # a computed question's template id: exported as a fixed sample of instances


def select_items(
    items: ItemSet,
    posts: Sequence[Post],
    *,
    tag: str | None = None,
    post: str | None = None,
    trivia: bool = False,
) -> list[ExportItem]:
    """The quiz's items (kb.items), or those of cards with ``tag`` and/or in ``post`` (a day number, a slug or a
    date); items about the blog itself only when ``trivia``."""
    chosen = list(items)
    if post is not None:
        match = [p for p in posts if post in (p.slug, str(p.day), str(p.date))]
        if not match:
            known = ", ".join(str(p.day) if p.day is not None else str(p.date) for p in posts)
            raise ValueError(f"no post {post!r}; use a day number ({known}) or a post slug")
        chosen = [e for e in chosen if e.card.post_slug == match[0].slug]
    if tag is not None:
        chosen = [e for e in chosen if tag in e.card.tags]
    return [ExportItem(e.id, e.card, e.item, e.template) for e in chosen if trivia or not e.trivia]


def _anki_text(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def _computed_notes(entry: ExportItem, tags: list[str], media: Path) -> list[genanki.Note]:
    """A fixed sample of instances of a computed question (seeds 0 to COMPUTED_SAMPLE - 1), each a basic note
    whose figure, if any, is an SVG file written to ``media``."""
    from demos.questions import by_id
    from demos.questions.svg import to_svg

    template = by_id()[entry.template or ""]
    notes = []
    for seed in range(COMPUTED_SAMPLE):
        inst = template.instance(seed)
        front = _anki_text(inst.prompt)
        if inst.figure is not None:
            name = f"dl-notes-{template.id}-{seed}.svg"
            (media / name).write_text(to_svg(inst.figure), encoding="utf-8")
            front += f'<br><img src="{name}">'
        back = (
            f"<b>{_anki_text(inst.answer.shown)}</b><br>{_anki_text(inst.explanation)}"
            f"<br><small>Computed by {_anki_text(inst.computed_by)}</small>"
        )
        notes.append(
            genanki.Note(
                model=BASIC,
                fields=[front, back, _anki_text(entry.card.title)],
                tags=[*tags, "computed"],
                guid=genanki.guid_for(f"{entry.item_id}#{seed}"),
            )
        )
    return notes


def write_apkg(items: Sequence[ExportItem], path: Path, *, deck_name: str = DECK_NAME) -> dict[str, int]:
    """Write an Anki package: cloze items as cloze notes, computed questions as a fixed sample of instances with
    their figures, the rest as basic notes. Returns counts by kind of note ("basic", "cloze", "computed")."""
    deck = genanki.Deck(_stable_id(deck_name), deck_name)
    counts = {"basic": 0, "cloze": 0, "computed": 0}
    with tempfile.TemporaryDirectory() as tmp:
        media = Path(tmp)
        for entry in items:
            item, card = entry.item, entry.card
            tags = [t.replace(" ", "_") for t in card.tags]
            if entry.template is not None:
                for note in _computed_notes(entry, tags, media):
                    deck.add_note(note)
                    counts["computed"] += 1
                continue
            if item.kind == "cloze":
                match = CLOZE_RE.search(item.prompt)
                text = item.prompt if match is None else item.prompt.replace(match.group(0), "\0")
                escaped = _anki_text(text).replace("\0", "{{c1::" + html.escape(item.answer) + "}}")
                note = genanki.Note(
                    model=CLOZE,
                    fields=[escaped, _anki_text(card.title)],
                    tags=tags,
                    guid=genanki.guid_for(entry.item_id),
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
        package = genanki.Package(deck)
        package.media_files = sorted(str(p) for p in media.iterdir())
        package.write_to_file(str(path))
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
            report.problems.append(
                f"line {n}: no card with id {card_id[:60]!r}; a card's id is the id= part of its address, e.g. "
                "non-max-suppression in /card?id=non-max-suppression"
            )
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
