"""SQLModel tables for posts, cards, tags, related links and quiz items.

Cards are keyed by their stable slug and quiz items by ``<card id>:<item key>`` so that later tables (search
vectors, learners' reviews) can refer to them by a string that survives a re-sync.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class PostRow(SQLModel, table=True):
    __tablename__ = "post"

    slug: str = Field(primary_key=True)
    day: int | None = None
    date: dt.date
    title: str
    blurb: str = ""
    sections_json: str = "[]"  # JSON list of section headings, in the post's order
    start_here: str | None = None
    position: int = 0  # study order, as listed in content/posts.yaml
    content_hash: str = ""


class CardRow(SQLModel, table=True):
    __tablename__ = "card"

    id: str = Field(primary_key=True)
    title: str
    post_slug: str = Field(foreign_key="post.slug", index=True)
    section: str
    notes: str
    explained: str
    missing: str | None = None
    source: str = ""
    content_hash: str = Field(default="", index=True)
    synced_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))


class CardTagRow(SQLModel, table=True):
    __tablename__ = "card_tag"

    card_id: str = Field(foreign_key="card.id", primary_key=True, ondelete="CASCADE")
    tag: str = Field(primary_key=True, index=True)


class CardLinkRow(SQLModel, table=True):
    """A hand-picked `related` link; ``related_id`` is not a foreign key so a link may outlive its target."""

    __tablename__ = "card_link"

    card_id: str = Field(foreign_key="card.id", primary_key=True, ondelete="CASCADE")
    related_id: str = Field(primary_key=True)
    position: int = 0


class QuizItemRow(SQLModel, table=True):
    __tablename__ = "quiz_item"

    id: str = Field(primary_key=True)  # "<card id>:<item key>"
    card_id: str = Field(foreign_key="card.id", index=True, ondelete="CASCADE")
    position: int = 0
    kind: str  # qa | cloze | mcq
    prompt: str
    answer: str
    options_json: str = "[]"
    accept_json: str = "[]"
    hint: str | None = None
    origin: str = "card"  # written in the card file (learners' imports live in ImportedItemRow)


class ChunkEmbeddingRow(SQLModel, table=True):
    """One embedded passage of a card. ``text_hash`` covers the model name and the text, so a sync re-embeds
    only passages whose text (or the model) changed."""

    __tablename__ = "chunk_embedding"

    id: int | None = Field(default=None, primary_key=True)
    card_id: str = Field(foreign_key="card.id", index=True, ondelete="CASCADE")
    position: int = 0
    kind: str  # title | note | explained
    text: str
    model: str = Field(index=True)
    text_hash: str = Field(index=True)
    vector: bytes  # float32, unit length


class LearnerRow(SQLModel, table=True):
    """A study profile. Without sign-in, a named profile picked on the Quiz page (``subject`` is None); with
    sign-in (``[auth]`` in secrets.toml), the signed-in identity: ``subject`` is the provider's stable subject
    and ``name`` only what the learner is called on their own pages."""

    __tablename__ = "learner"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    subject: str | None = Field(default=None, index=True, unique=True)  # "<issuer> <sub>" of a signed-in learner
    desired_retention: float = 0.9
    new_per_day: int = 20
    created_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))


class ItemStateRow(SQLModel, table=True):
    """A learner's FSRS memory state for one quiz item. ``item_id`` is not a foreign key, so a content sync
    that retires an item never deletes anyone's history."""

    __tablename__ = "item_state"

    learner_id: int = Field(foreign_key="learner.id", primary_key=True, ondelete="CASCADE")
    item_id: str = Field(primary_key=True)
    state_json: str  # fsrs.Card.to_json()
    due: dt.datetime = Field(index=True)
    reps: int = 0
    updated_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))


class ReviewRow(SQLModel, table=True):
    """One answer, committed in its own transaction before the next question is shown."""

    __tablename__ = "review"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True, ondelete="CASCADE")
    item_id: str = Field(index=True)
    card_id: str = Field(index=True)
    rating: int  # 1 Again, 2 Hard, 3 Good, 4 Easy (fsrs.Rating)
    reviewed_at: dt.datetime = Field(index=True)
    duration_ms: int | None = None
    mode: str = "due"  # due | cram (cram reviews never change the schedule)
    state_before: str | None = None  # fsrs.Card JSON; None for a new item
    state_after: str | None = None


class ImportedItemRow(SQLModel, table=True):
    """A question/answer item a learner imported from CSV: theirs alone (``learner_id``), or shared with
    everyone when ``learner_id`` is None (published by a teacher, or imported on the server with
    ``python -m kb import --shared``). ``card_id`` is not a foreign key, so a content sync never deletes an
    import: while its card is missing from content/ the item is parked (left out of the quiz), and it comes
    back with the card. ``item_id`` is ``<card id>:<item key>``, the id an identical card item would have."""

    __tablename__ = "imported_item"
    __table_args__ = (UniqueConstraint("learner_id", "item_id", name="uq_imported_item_learner_item"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int | None = Field(default=None, foreign_key="learner.id", index=True, ondelete="CASCADE")
    item_id: str = Field(index=True)
    card_id: str = Field(index=True)
    prompt: str
    answer: str
    position: int = 0
    created_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))
