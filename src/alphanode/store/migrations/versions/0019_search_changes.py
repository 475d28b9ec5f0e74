"""The search change log: what each host's own search index follows, in order.

Revision ID: 0019
Revises: 0021
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_search_changes"),
        sqlite_autoincrement=True,  # SQLite would reuse the ids of pruned rows otherwise
    )
    op.create_index("ix_search_changes_created_at", "search_changes", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_search_changes_created_at", table_name="search_changes")
    op.drop_table("search_changes")
