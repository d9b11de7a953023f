"""Baseline: the schema as the app made it before migrations (posts, cards, tags, links, quiz items, passage
vectors, learners, FSRS states, reviews; on SQLite also the FTS5 keyword table).

Every table and index is created only if it is missing, so a database made by an earlier version of the app
(which created its tables directly) is adopted as it is, with all its data.

Revision ID: 0001
Revises:
Create Date: 2026-01-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)
FTS5 = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS card_fts USING fts5("
    "card_id UNINDEXED, title, tags, section, notes, explained, tokenize='porter unicode61')"
)


def _index(table: str, column: str, unique: bool = False) -> None:
    op.create_index(f"ix_{table}_{column}", table, [column], unique=unique, if_not_exists=True)


def upgrade() -> None:
    op.create_table(
        "learner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("desired_retention", sa.Float(), nullable=False),
        sa.Column("new_per_day", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    _index("learner", "name", unique=True)
    op.create_table(
        "post",
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("blurb", sa.String(), nullable=False),
        sa.Column("sections_json", sa.String(), nullable=False),
        sa.Column("start_here", sa.String(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("slug"),
        if_not_exists=True,
    )
    op.create_table(
        "card",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("post_slug", sa.String(), nullable=False),
        sa.Column("section", sa.String(), nullable=False),
        sa.Column("notes", sa.String(), nullable=False),
        sa.Column("explained", sa.String(), nullable=False),
        sa.Column("missing", sa.String(), nullable=True),
        sa.Column("demo", sa.String(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("synced_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["post_slug"], ["post.slug"]),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    _index("card", "post_slug")
    _index("card", "content_hash")
    op.create_table(
        "item_state",
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(), nullable=False),
        sa.Column("state_json", sa.String(), nullable=False),
        sa.Column("due", WHEN, nullable=False),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("learner_id", "item_id"),
        if_not_exists=True,
    )
    _index("item_state", "due")
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(), nullable=False),
        sa.Column("card_id", sa.String(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", WHEN, nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(), nullable=False),
        sa.Column("state_before", sa.String(), nullable=True),
        sa.Column("state_after", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    for column in ("learner_id", "item_id", "card_id", "reviewed_at"):
        _index("review", column)
    op.create_table(
        "card_link",
        sa.Column("card_id", sa.String(), nullable=False),
        sa.Column("related_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["card.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("card_id", "related_id"),
        if_not_exists=True,
    )
    op.create_table(
        "card_tag",
        sa.Column("card_id", sa.String(), nullable=False),
        sa.Column("tag", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["card.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("card_id", "tag"),
        if_not_exists=True,
    )
    _index("card_tag", "tag")
    op.create_table(
        "chunk_embedding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("text_hash", sa.String(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["card.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    for column in ("model", "text_hash", "card_id"):
        _index("chunk_embedding", column)
    op.create_table(
        "quiz_item",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("card_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("prompt", sa.String(), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
        sa.Column("options_json", sa.String(), nullable=False),
        sa.Column("accept_json", sa.String(), nullable=False),
        sa.Column("hint", sa.String(), nullable=True),
        sa.Column("origin", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["card.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    _index("quiz_item", "card_id")
    if op.get_bind().dialect.name == "sqlite":
        op.execute(FTS5)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS card_fts")
    for table in (
        "quiz_item",
        "chunk_embedding",
        "card_tag",
        "card_link",
        "review",
        "item_state",
        "card",
        "post",
        "learner",
    ):
        op.drop_table(table)
