"""Page fragments: each live post's rendered page parts and its link-preview card, kept.

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_fragments",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("head", sa.Text(), nullable=False),
        sa.Column("top", sa.Text(), nullable=False),
        sa.Column("rest", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name="fk_page_fragments_post_id_posts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", name="pk_page_fragments"),
    )
    op.create_table(
        "og_cards",
        sa.Column("slug", sa.String(200), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("slug", name="pk_og_cards"),
    )


def downgrade() -> None:
    op.drop_table("og_cards")
    op.drop_table("page_fragments")
