"""PostgreSQL keyword index: card_search, one tsvector per card column plus their concatenation under a GIN
index, and each card's length in tokens (for BM25). SQLite keeps its FTS5 table; nothing changes there.

The next content sync (every app start, or ``python -m db sync``) fills the table for cards already in the
database.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-12
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE TABLE card_search (
            card_id VARCHAR PRIMARY KEY REFERENCES card (id) ON DELETE CASCADE,
            title TSVECTOR NOT NULL,
            tags TSVECTOR NOT NULL,
            section TSVECTOR NOT NULL,
            notes TSVECTOR NOT NULL,
            explained TSVECTOR NOT NULL,
            document TSVECTOR GENERATED ALWAYS AS (title || tags || section || notes || explained) STORED,
            n_tokens INTEGER NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_card_search_document ON card_search USING GIN (document)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE card_search")
