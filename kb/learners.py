"""Who is studying, and what is theirs.

Two ways to be a learner: a named profile picked on the Quiz page (one learner on their own machine; no
password), or a signed-in identity (a group deployment with ``[auth]`` configured), keyed by the provider's
stable subject and never by a name. A learner can take all their data away (:func:`review_rows`,
:func:`reviews_csv`, :func:`learner_json`) and delete it (:func:`delete_learner`). A teacher sees the class only
in aggregate (:func:`class_summary`), never one learner's answers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import fsrs
import sqlalchemy as sa
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from db.models import ImportedItemRow, ItemStateRow, LearnerRow, ReviewRow
from kb.cards import Card
from kb.progress import MASTERED_STABILITY_DAYS
from kb.quiz import Learner, QuizError

NAME_MAX = 40
MIN_CLASS = 3  # the class view waits for this many learners, so no figure is one person's
RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
# Zero-width, joiner, direction-override and other invisible characters: they would let "Al\u200bice" pass for
# "Alice" or hide text.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)


def clean_name(text: str) -> str:
    """A profile name as typed, minus what lets two names look alike or hide text: compatibility forms folded
    (NFKC), invisible and control characters removed, runs of white space made one space."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return " ".join(text.split())


def _learner(row: LearnerRow) -> Learner:
    assert row.id is not None
    return Learner(row.id, row.name, row.desired_retention, row.new_per_day)


def _valid_name(name: str) -> str:
    clean = clean_name(name)
    if not clean or len(clean) > NAME_MAX:
        raise QuizError(f"a profile name needs 1 to {NAME_MAX} characters, e.g. 'Ada'")
    return clean


def find_learner(name: str, *, session: Session) -> Learner | None:
    """The name-picked profile called ``name`` (as cleaned), if any; signed-in learners are never found by name."""
    row = session.exec(
        select(LearnerRow).where(LearnerRow.name == clean_name(name), LearnerRow.subject.is_(None))  # type: ignore[union-attr]
    ).first()
    return _learner(row) if row is not None else None


def get_learner(learner_id: int, *, session: Session) -> Learner | None:
    row = session.get(LearnerRow, learner_id)
    return _learner(row) if row is not None else None


def profile_names(*, session: Session) -> list[tuple[int, str]]:
    """(id, name) of every name-picked profile, by name; signed-in learners are not listed."""
    rows = session.exec(select(LearnerRow).where(LearnerRow.subject.is_(None)).order_by(LearnerRow.name))  # type: ignore[union-attr]
    return [(r.id, r.name) for r in rows if r.id is not None]


def create_learner(name: str, *, session: Session) -> Learner:
    """A new name-picked profile. Refuses a name that is taken: picking an existing profile is a separate,
    visible choice, never a side effect of typing its name."""
    clean = _valid_name(name)
    if session.exec(select(LearnerRow.id).where(LearnerRow.name == clean)).first() is not None:
        raise QuizError(f"a profile called '{clean}' already exists; pick it from the list, or choose another name")
    row = LearnerRow(name=clean)
    session.add(row)
    try:
        session.commit()
    except IntegrityError as exc:  # created in another tab at the same moment
        session.rollback()
        raise QuizError(f"a profile called '{clean}' already exists; pick it from the list") from exc
    session.refresh(row)
    return _learner(row)


def learner_for_subject(subject: str, display: str, *, session: Session) -> Learner:
    """The learner a signed-in identity is, created on first sign-in. ``subject`` is the provider's stable
    identifier (issuer and ``sub``); ``display`` (their name or e-mail) only names them on their own pages and
    is made unique with a number if another learner has it."""
    if not subject:
        raise QuizError("the sign-in provider gave no subject ('sub') for this account")
    row = session.exec(select(LearnerRow).where(LearnerRow.subject == subject)).first()
    if row is not None:
        return _learner(row)
    base = clean_name(display)[: NAME_MAX - 5] or "Learner"
    taken = set(session.exec(select(LearnerRow.name).where(col(LearnerRow.name).startswith(base))))
    name = next(n for n in (base, *(f"{base} ({i})" for i in range(2, 10_000))) if n not in taken)
    session.add(LearnerRow(name=name, subject=subject))
    try:
        session.commit()
    except IntegrityError:  # the same person signing in in two tabs at once: the other tab made the row
        session.rollback()
    row = session.exec(select(LearnerRow).where(LearnerRow.subject == subject)).one()
    return _learner(row)


def delete_learner(learner_id: int, *, session: Session) -> dict[str, int]:
    """Delete a learner and everything that is theirs (answers, schedules, imported items) in one transaction.
    Returns how many rows of each went."""
    counts = {}
    owned: tuple[tuple[str, type[ReviewRow] | type[ItemStateRow] | type[ImportedItemRow]], ...] = (
        ("reviews", ReviewRow),
        ("schedules", ItemStateRow),
        ("imported items", ImportedItemRow),
    )
    for name, table in owned:
        counts[name] = session.exec(
            select(func.count()).select_from(table).where(col(table.learner_id) == learner_id)
        ).one()
        session.exec(delete(table).where(col(table.learner_id) == learner_id))
    session.exec(delete(LearnerRow).where(col(LearnerRow.id) == learner_id))
    session.commit()
    return counts


# --------------------------------------------------------------------------------------------- my data


def review_rows(learner_id: int, prompts: Mapping[str, str], *, session: Session) -> list[dict[str, object]]:
    """Every answer ``learner_id`` gave, oldest first, as plain rows (``prompts`` maps item ids to question
    text; a retired item says so)."""
    rows = session.exec(
        select(ReviewRow).where(ReviewRow.learner_id == learner_id).order_by(ReviewRow.reviewed_at, ReviewRow.id)  # type: ignore[arg-type]
    )
    out: list[dict[str, object]] = []
    for r in rows:
        when = r.reviewed_at if r.reviewed_at.tzinfo else r.reviewed_at.replace(tzinfo=dt.UTC)
        due = fsrs.Card.from_json(r.state_after).due if r.state_after else None
        out.append(
            {
                "reviewed_at": when.isoformat(),
                "item_id": r.item_id,
                "card_id": r.card_id,
                "question": prompts.get(r.item_id, "(retired question)"),
                "rating": RATING_NAMES.get(r.rating, str(r.rating)),
                "mode": r.mode,
                "duration_ms": r.duration_ms,
                "next_due": due.isoformat() if due else None,
            }
        )
    return out


REVIEW_FIELDS = ("reviewed_at", "item_id", "card_id", "question", "rating", "mode", "duration_ms", "next_due")


def reviews_csv(rows: Sequence[Mapping[str, object]]) -> bytes:
    """The rows as UTF-8 CSV; a cell a spreadsheet would run as a formula gets a leading apostrophe."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REVIEW_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: ("'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v)
                for k, v in row.items()
            }
        )
    return out.getvalue().encode("utf-8")


def learner_json(
    learner: Learner, rows: Sequence[Mapping[str, object]], imported: Sequence[Mapping[str, object]]
) -> bytes:
    """Everything of one learner as JSON: settings, every answer, and their own imported items."""
    payload = {
        "profile": {k: v for k, v in asdict(learner).items() if k != "id"},
        "reviews": list(rows),
        "imported_items": list(imported),
    }
    return json.dumps(payload, indent=2, ensure_ascii=False).encode("utf-8")


def own_imports(learner_id: int, *, session: Session) -> list[dict[str, object]]:
    rows = session.exec(
        select(ImportedItemRow).where(ImportedItemRow.learner_id == learner_id).order_by(ImportedItemRow.id)  # type: ignore[arg-type]
    )
    return [{"item_id": r.item_id, "card_id": r.card_id, "question": r.prompt, "answer": r.answer} for r in rows]


# --------------------------------------------------------------------------------------------- the class


@dataclass
class ClassSummary:
    """The whole class in aggregate: no figure names or singles out a learner."""

    learners: int = 0  # learners who answered at least once
    reviews: int = 0
    active_7d: int = 0  # learners who answered in the last 7 days
    per_day: dict[dt.date, int] = field(default_factory=dict)  # answers per day, all learners together
    retention: list[tuple[dt.date, float, int]] = field(default_factory=list)  # (week, share not Again, reviews)
    by_post: list[tuple[str, float, float]] = field(default_factory=list)  # (post, mean started, mean mastered)

    @property
    def enough(self) -> bool:
        return self.learners >= MIN_CLASS


def class_summary(cards: Sequence[Card], now: dt.datetime, *, session: Session) -> ClassSummary:
    """Aggregate progress of every learner (``cards`` to group items by post); see :class:`ClassSummary`.
    With fewer than :data:`MIN_CLASS` learners, only the learner count is filled in."""
    summary = ClassSummary()
    learners = set(session.exec(select(ReviewRow.learner_id).distinct()))
    summary.learners = len(learners)
    if not summary.enough:
        return summary
    rows = session.execute(
        sa.select(
            col(ReviewRow.learner_id),
            col(ReviewRow.rating),
            col(ReviewRow.reviewed_at),
            col(ReviewRow.mode),
            col(ReviewRow.state_before),
        )
    ).all()
    summary.reviews = len(rows)
    week_ago = now - dt.timedelta(days=7)
    recent = set()
    per_day: Counter[dt.date] = Counter()
    weeks: dict[dt.date, list[int]] = defaultdict(list)
    for learner_id, rating, at, mode, before in rows:
        at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
        per_day[at.date()] += 1
        if at >= week_ago:
            recent.add(learner_id)
        if mode == "due" and before is not None:
            weeks[at.date() - dt.timedelta(days=at.weekday())].append(rating)
    summary.active_7d = len(recent)
    summary.per_day = dict(per_day)
    summary.retention = [(w, sum(r > 1 for r in rs) / len(rs), len(rs)) for w, rs in sorted(weeks.items())]
    post_of = {c.id: c.post_slug for c in cards}
    started: Counter[str] = Counter()
    mastered: Counter[str] = Counter()
    for item_id, state_json in session.exec(select(ItemStateRow.item_id, ItemStateRow.state_json)):
        post = post_of.get(item_id.split(":")[0])
        if post is None:
            continue
        started[post] += 1
        mastered[post] += float(fsrs.Card.from_json(state_json).stability or 0.0) >= MASTERED_STABILITY_DAYS
    posts = list(dict.fromkeys(c.post_slug for c in cards))
    n = summary.learners
    summary.by_post = [(p, started[p] / n, mastered[p] / n) for p in posts]
    return summary
