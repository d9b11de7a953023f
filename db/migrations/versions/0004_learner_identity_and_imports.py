"""Learners get a sign-in identity (learner.subject); imported items move to their own table, owned by a learner.

Imports used to be rows of quiz_item with origin "import": shared by every learner, and deleted with their card
by a content sync. They now live in imported_item, whose card_id is not a foreign key (a sync never deletes
one) and whose learner_id says whose they are. The existing imports were visible to everyone, so they move
over as shared items (learner_id NULL), which keeps what every learner sees unchanged.

Each step is skipped when its result is already there (a database made by create_all from the models).
Downgrading moves the shared items back into quiz_item where their card still exists; a learner's own imports
have no place in the older schema and are dropped with the table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if "subject" not in {c["name"] for c in inspector.get_columns("learner")}:
        op.add_column("learner", sa.Column("subject", sa.String(), nullable=True))
    op.create_index("ix_learner_subject", "learner", ["subject"], unique=True, if_not_exists=True)
    op.create_table(
        "imported_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.String(), nullable=False),
        sa.Column("card_id", sa.String(), nullable=False),
        sa.Column("prompt", sa.String(), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("learner_id", "item_id", name="uq_imported_item_learner_item"),
        if_not_exists=True,
    )
    for column in ("learner_id", "item_id", "card_id"):
        op.create_index(f"ix_imported_item_{column}", "imported_item", [column], if_not_exists=True)
    op.execute(
        "INSERT INTO imported_item (learner_id, item_id, card_id, prompt, answer, position, created_at) "
        "SELECT NULL, id, card_id, prompt, answer, position, CURRENT_TIMESTAMP FROM quiz_item "
        "WHERE origin = 'import' AND id NOT IN (SELECT item_id FROM imported_item WHERE learner_id IS NULL)"
    )
    op.execute("DELETE FROM quiz_item WHERE origin = 'import'")


def downgrade() -> None:
    op.execute(
        "INSERT INTO quiz_item (id, card_id, position, kind, prompt, answer, options_json, accept_json, origin) "
        "SELECT item_id, card_id, position, 'qa', prompt, answer, '[]', '[]', 'import' FROM imported_item "
        "WHERE learner_id IS NULL AND card_id IN (SELECT id FROM card) AND item_id NOT IN (SELECT id FROM quiz_item)"
    )
    op.drop_table("imported_item")
    op.drop_index("ix_learner_subject", table_name="learner")
    op.execute("ALTER TABLE learner DROP COLUMN subject")
