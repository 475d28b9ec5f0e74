"""Shared site state (content version) and counted views.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_state",
        sa.Column("key", sa.String(50), nullable=False),
        sa.Column("value", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_site_state"),
    )
    op.create_table(
        "post_views",
        sa.Column("post_id", sa.Integer, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("views", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("post_id", "day", name="pk_post_views"),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name="fk_post_views_post_id_posts", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("post_views")
    op.drop_table("site_state")
