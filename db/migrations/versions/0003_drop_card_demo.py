"""Drop card.demo: which cards a lab illustrates is now set in one place, demos/registry.py.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE on both engines (SQLite has had DROP COLUMN since 3.35): a batch copy of `card` would
    # have to rebuild the keyword index and foreign keys that point at it.
    if "demo" in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("card")}:  # not in a create_all schema
        op.execute("ALTER TABLE card DROP COLUMN demo")


def downgrade() -> None:
    op.add_column("card", sa.Column("demo", sa.String(), nullable=True))
