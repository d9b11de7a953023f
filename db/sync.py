"""Sync the database from the loaded content: idempotent, touching only what changed, and never touching what
learners made (answers, schedules, imported items).

A sync that would remove more than :data:`MAX_REMOVALS` cards (or every card) refuses and changes nothing
unless forced: that is what a wrong ``KB_CONTENT_DIR`` or a checkout without its card files looks like."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from db import fts
from db.engine import begin_write
from db.models import CardLinkRow, CardRow, CardTagRow, ImportedItemRow, PostRow, QuizItemRow
from kb.cards import Card, LoadResult, Post

MAX_REMOVALS = 5  # a sync that would remove more cards than this needs force=True (python -m db sync --force)


class SyncRefused(RuntimeError):
    """The sync would remove more cards than a content edit plausibly does; nothing was changed."""


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept_broken: list[str] = field(default_factory=list)  # invalid in content/, last good version kept
    unchanged: int = 0
    posts_changed: int = 0
    parked: int = 0  # learners' imported items whose card is missing: left out of the quiz, kept until it returns

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.posts_changed)

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added",
            f"{len(self.updated)} updated",
            f"{len(self.removed)} removed",
            f"{self.unchanged} unchanged",
        ]
        if self.kept_broken:
            parts.append(f"{len(self.kept_broken)} invalid in content/ (previous version kept)")
        text = "cards: " + ", ".join(parts) + f"; posts changed: {self.posts_changed}"
        if self.parked:
            text += f"; {self.parked} imported item(s) parked: their card is not in content/ (they come back with it)"
        return text


def _post_hash(post: Post, position: int) -> str:
    payload = json.dumps(
        [post.slug, post.day, str(post.date), post.title, post.blurb, list(post.sections), post.start_here, position]
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _sync_posts(session: Session, posts: list[Post], keep: set[str]) -> int:
    existing = {row.slug: row for row in session.exec(select(PostRow))}
    changed = 0
    for position, post in enumerate(posts):
        digest = _post_hash(post, position)
        row = existing.get(post.slug)
        if row is not None and row.content_hash == digest:
            continue
        row = row or PostRow(slug=post.slug, date=post.date, title=post.title)
        row.day, row.date, row.title, row.blurb = post.day, post.date, post.title, post.blurb
        row.sections_json, row.start_here = json.dumps(list(post.sections)), post.start_here
        row.position, row.content_hash = position, digest
        session.add(row)
        changed += 1
    for slug, row in existing.items():
        if slug not in {p.slug for p in posts} and slug not in keep:
            session.delete(row)
            changed += 1
    return changed


def _write_card(session: Session, card: Card, row: CardRow | None) -> None:
    row = row or CardRow(
        id=card.id,
        title=card.title,
        post_slug=card.post_slug,
        section=card.section,
        notes=card.notes,
        explained=card.explained,
    )
    row.title, row.post_slug, row.section = card.title, card.post_slug, card.section
    row.notes, row.explained, row.missing = card.notes, card.explained, card.missing
    row.source, row.content_hash = card.source, card.content_hash
    row.synced_at = dt.datetime.now(dt.UTC)
    session.add(row)

    tags = {t.tag: t for t in session.exec(select(CardTagRow).where(CardTagRow.card_id == card.id))}
    for tag in set(tags) - set(card.tags):
        session.delete(tags[tag])
    for tag in set(card.tags) - set(tags):
        session.add(CardTagRow(card_id=card.id, tag=tag))

    session.exec(delete(CardLinkRow).where(col(CardLinkRow.card_id) == card.id))
    for position, related in enumerate(card.related):
        session.add(CardLinkRow(card_id=card.id, related_id=related, position=position))

    items = {q.id: q for q in session.exec(select(QuizItemRow).where(QuizItemRow.card_id == card.id))}
    wanted = {f"{card.id}:{item.key}": (position, item) for position, item in enumerate(card.quiz)}
    for item_id in set(items) - set(wanted):
        session.delete(items[item_id])
    for item_id, (position, item) in wanted.items():
        q = items.get(item_id) or QuizItemRow(
            id=item_id, card_id=card.id, kind=item.kind, prompt=item.prompt, answer=item.answer
        )
        q.position, q.kind, q.prompt, q.answer, q.hint = position, item.kind, item.prompt, item.answer, item.hint
        q.options_json, q.accept_json = json.dumps(list(item.options)), json.dumps(list(item.accept))
        session.add(q)


def _delete_card(session: Session, card_id: str) -> None:
    """Remove a card and what content/ made for it; learners' imports for it stay (parked)."""
    for table in (CardTagRow, CardLinkRow, QuizItemRow):
        session.exec(delete(table).where(col(table.card_id) == card_id))
    row = session.get(CardRow, card_id)
    if row is not None:
        session.delete(row)


def sync_content(loaded: LoadResult, *, session: Session, force: bool = False) -> SyncReport:
    """Make the database match ``loaded`` and commit. A second call with the same content changes nothing.

    A card whose file exists but fails validation keeps its last good version in the database, so a bad edit
    never deletes a card (the problem is listed on the content health page instead). Raises
    :class:`SyncRefused`, having changed nothing, when more than :data:`MAX_REMOVALS` cards (or all of them)
    would go, unless ``force``. Learners' imported items are never deleted: those whose card is gone are
    counted as parked in the report.
    """
    report = SyncReport()
    begin_write(session)
    existing = {row.id: row for row in session.exec(select(CardRow))}
    loaded_ids = {c.id for c in loaded.cards}
    leaving = sorted(set(existing) - loaded_ids - loaded.broken_ids)
    if leaving and not force and (len(leaving) > MAX_REMOVALS or len(leaving) == len(existing)):
        session.rollback()
        raise SyncRefused(
            f"this sync would remove {len(leaving)} of the {len(existing)} cards in the database "
            f"({', '.join(leaving[:5])}{', ...' if len(leaving) > 5 else ''}), so nothing was changed. If "
            "content/ is not the folder you meant (check KB_CONTENT_DIR and that the checkout has its card files), "
            "fix that; if you really removed these cards, run: python -m db sync --force"
        )
    kept_posts = {existing[i].post_slug for i in loaded.broken_ids if i in existing}
    report.posts_changed = _sync_posts(session, loaded.posts, kept_posts)
    session.flush()
    for card in loaded.cards:
        row = existing.get(card.id)
        if row is None:
            _write_card(session, card, None)
            report.added.append(card.id)
        elif row.content_hash != card.content_hash:
            _write_card(session, card, row)
            report.updated.append(card.id)
        else:
            report.unchanged += 1
    for card_id in sorted(set(existing) - loaded_ids):
        if card_id in loaded.broken_ids:
            report.kept_broken.append(card_id)
        else:
            _delete_card(session, card_id)
            report.removed.append(card_id)
    if fts.supported(session):
        _sync_fts(session, loaded, report)
    session.flush()
    report.parked = parked_imports(session)
    session.commit()
    return report


def parked_imports(session: Session) -> int:
    """How many learners' imported items wait for a card that is not in the database."""
    return session.exec(
        select(func.count()).select_from(ImportedItemRow).where(col(ImportedItemRow.card_id).not_in(select(CardRow.id)))
    ).one()


def _sync_fts(session: Session, loaded: LoadResult, report: SyncReport) -> None:
    """Mirror the changed cards into the keyword index; also repair it if it drifted (e.g. a database made
    before the index existed)."""
    changed = set(report.added) | set(report.updated)
    indexed = fts.row_ids(session)
    stale = indexed - {c.id for c in loaded.cards} - set(report.kept_broken)
    fts.delete(session, stale)
    fts.upsert(session, [c for c in loaded.cards if c.id in changed or c.id not in indexed])
