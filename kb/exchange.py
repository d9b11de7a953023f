"""Export quiz items to Anki (.apkg, via genanki) and CSV; import question/answer items from CSV.

Computed questions leave as a fixed sample of instances (the same seeds every export, so re-importing updates
notes instead of adding new ones), each with its figure as an SVG image in the package.

Everything leaves as plain text: Anki fields are HTML, so text is escaped; CSV cells that a spreadsheet would
run as a formula are prefixed with an apostrophe. An import never half-applies a row: a malformed row is
reported with its line number and skipped, and the good rows are committed together.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import html
import io
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import genanki
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.models import CardRow, ImportedItemRow, QuizItemRow
from kb.cards import CLOZE_RE, Card, Post, QuizItem
from kb.items import ItemSet

CSV_FIELDS = ("card_id", "question", "answer")
CSV_EXPORT_FIELDS = ("id", "card_id", "card_title", "kind", "question", "answer", "options", "tags")
MAX_FIELD = 2000
COMPUTED_SAMPLE = 3  # instances of each computed question in an export (seeds 0, 1, 2: the same every time)
MAX_IMPORT_ROWS = 5000  # rows read from one file
MAX_LEARNER_ITEMS = 5000  # imported items one learner may hold in all
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


@contextlib.contextmanager
def replaced_atomically(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; once the block has written it completely, it replaces ``path``
    in one step. If writing fails (a full disk, say), the temporary file is removed and ``path`` is untouched."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with tmp.open("rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


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
        with replaced_atomically(path) as out:
            package.write_to_file(str(out))
    return counts


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(value: str) -> str:
    return "'" + value if value[:1] in FORMULA_PREFIXES else value


def write_csv(items: Sequence[ExportItem], path: Path) -> int:
    """Write the question/answer items (other kinds are left out: CSV carries question/answer pairs)."""
    items = [e for e in items if e.item.kind == "qa"]
    with replaced_atomically(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
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
    updated: list[str] = field(default_factory=list)  # the learner's own item, same question, new answer
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)  # "line N: what is wrong"

    def summary(self) -> str:
        updated = f"{len(self.updated)} answers updated, " if self.updated else ""
        return f"{len(self.added)} added, {updated}{self.unchanged} already present, {len(self.problems)} rows skipped"


@dataclass(frozen=True)
class ImportedItem:
    """A learner's imported question/answer item, as plain (raw) text; pages escape it before showing it."""

    item_id: str
    card_id: str
    prompt: str
    answer: str
    shared: bool  # visible to every learner (published), not only to its importer


def _cell(value: str | None) -> str:
    """A cell as text: trimmed, and without the one apostrophe our CSV export puts before formula characters."""
    text = (value or "").strip()
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_PREFIXES else text


def import_csv(
    data: bytes | str,
    *,
    session: Session,
    learner_id: int | None,
    max_rows: int = MAX_IMPORT_ROWS,
    max_items: int = MAX_LEARNER_ITEMS,
) -> ImportReport:
    """Add question/answer items from CSV with the columns card_id, question, answer (others are ignored), as
    ``learner_id``'s own items, or shared with every learner when ``learner_id`` is None.

    Rows are checked one by one; a bad row is reported by its line number and skipped, and the good rows are
    committed in one transaction at the end. A file the CSV reader cannot parse at all (a field over the
    reader's size limit, say) imports nothing and names the line. Any line ending works (CRLF, LF, CR). Text is
    stored as written; pages show it as plain text. One learner holds at most ``max_items`` imported items."""
    report = ImportReport()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            report.problems.append(f"the file is not UTF-8 text ({exc.reason}); save it as UTF-8 CSV")
            return report
    data = data.removeprefix("\ufeff")
    if "\r" in data:  # classic Mac (CR-only) files; a CRLF inside a quoted cell becomes LF
        data = data.replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.DictReader(io.StringIO(data))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        report.problems.append(f"line 1: the file is not CSV this app can read ({exc}); nothing was imported")
        return report
    missing = [c for c in CSV_FIELDS if c not in (fieldnames or [])]
    if missing:
        report.problems.append(
            f"line 1: the header must name the columns {', '.join(CSV_FIELDS)}; missing {', '.join(missing)}"
        )
        return report
    cards = set(session.exec(select(CardRow.id)))
    card_items = set(session.exec(select(QuizItemRow.id)))
    visible = {
        r.item_id: r
        for r in session.exec(
            select(ImportedItemRow).where(
                (ImportedItemRow.learner_id == learner_id) | (ImportedItemRow.learner_id.is_(None))  # type: ignore[union-attr]
            )
        )
    }
    own = sum(1 for r in visible.values() if r.learner_id == learner_id)
    rows = 0
    line = 2  # the line the next record starts on
    records = iter(reader)
    while True:
        try:
            row = next(records)
        except StopIteration:
            break
        except csv.Error as exc:
            session.rollback()
            report.added.clear()
            report.updated.clear()
            report.problems.append(
                f"line {line}: the CSV reader stopped here ({exc}); nothing was imported. Fix that line "
                "(a cell over 100,000 characters, or a stray quote) and import again"
            )
            return report
        n, line = line, reader.line_num + 1
        rows += 1
        if rows > max_rows:
            report.problems.append(f"line {n}: stopped after {max_rows} rows; split the file")
            break
        problem = _check_row(row, n, line - 1, cards)
        if problem:
            report.problems.append(problem)
            continue
        card_id, question, answer = row["card_id"].strip(), _cell(row["question"]), _cell(row["answer"])
        item_id = f"{card_id}:{QuizItem(kind='qa', prompt=question, answer=answer).key}"
        if item_id in card_items:
            report.unchanged += 1  # the card itself asks this question
            continue
        existing = visible.get(item_id)
        if existing is not None:
            if existing.learner_id == learner_id and existing.answer != answer:
                existing.answer = answer
                session.add(existing)
                report.updated.append(item_id)
            else:
                report.unchanged += 1
            continue
        if own >= max_items:
            report.problems.append(
                f"line {n}: you already have {max_items} imported items, the most one learner can hold; "
                "nothing from here on was imported"
            )
            break
        row_added = ImportedItemRow(
            learner_id=learner_id, item_id=item_id, card_id=card_id, position=n, prompt=question, answer=answer
        )
        session.add(row_added)
        visible[item_id] = row_added
        own += 1
        report.added.append(item_id)
    try:
        session.commit()
    except IntegrityError:  # the same item imported by this learner in another tab at the same moment
        session.rollback()
        report.added.clear()
        report.updated.clear()
        report.problems.append("another import of the same items finished first; nothing was imported, try again")
    return report


def _check_row(row: dict[str | None, str | None], n: int, last: int, cards: set[str]) -> str | None:
    """What is wrong with one CSV record (starting on line ``n``, ending on line ``last``), or None."""
    if None in row:  # more cells than header columns
        return f"line {n}: more cells than the header has columns; quote text that has commas"
    if (row.get("kind") or "qa").strip() != "qa":
        return f"line {n}: only question/answer rows (kind qa) can be imported"
    card_id = (row.get("card_id") or "").strip()
    question, answer = _cell(row.get("question")), _cell(row.get("answer"))
    if card_id not in cards:
        return (
            f"line {n}: no card with id {card_id[:60]!r}; a card's id is the id= part of its address, e.g. "
            "non-max-suppression in /card?id=non-max-suppression"
        )
    if not question or not answer:
        if last > n:
            return (
                f"line {n}: a quote opened on this line is not closed before the next row (this record runs to "
                f"line {last}); check the quotes"
            )
        return f"line {n}: question and answer must both be filled in"
    if "\x00" in question or "\x00" in answer:
        return f"line {n}: the text holds a NUL character (\\x00); remove it"
    if len(question) > MAX_FIELD or len(answer) > MAX_FIELD:
        spans = f" (this record runs to line {last}: a quote opened on line {n} may never close)" if last > n else ""
        return f"line {n}: question or answer is longer than {MAX_FIELD} characters{spans}"
    return None


def learner_items(learner_id: int | None, *, session: Session) -> list[ImportedItem]:
    """The imported items ``learner_id`` may see: their own and the shared ones (only the shared ones for None),
    including those whose card is missing (parked); in import order."""
    query = select(ImportedItemRow).order_by(ImportedItemRow.id)  # type: ignore[arg-type]
    rows = session.exec(
        query.where((ImportedItemRow.learner_id == learner_id) | (ImportedItemRow.learner_id.is_(None)))  # type: ignore[union-attr]
    )
    seen: set[str] = set()
    out = []
    for r in rows:
        if r.item_id not in seen:
            seen.add(r.item_id)
            out.append(ImportedItem(r.item_id, r.card_id, r.prompt, r.answer, r.learner_id is None))
    return out
