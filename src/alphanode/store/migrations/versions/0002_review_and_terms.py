"""Live revisions, review state and log, taxonomy terms.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("live_revision", sa.Integer, nullable=True))
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("live_card", sa.Text, nullable=True))
        batch.create_index("ix_posts_live", ["status", "published_at"])
    with op.batch_alter_table("revisions") as batch:
        batch.add_column(
            sa.Column("review_state", sa.String(20), nullable=False, server_default="pending")
        )
    op.create_table(
        "review_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("post_id", sa.Integer, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_log"),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name="fk_review_log_post_id_posts", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_review_log_post_id", "review_log", ["post_id"])
    op.create_table(
        "post_terms",
        sa.Column("post_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("term", sa.String(200), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("post_id", "kind", "term", name="pk_post_terms"),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name="fk_post_terms_post_id_posts", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_post_terms_kind_term", "post_terms", ["kind", "term"])


def downgrade() -> None:
    op.drop_index("ix_post_terms_kind_term", table_name="post_terms")
    op.drop_table("post_terms")
    op.drop_index("ix_review_log_post_id", table_name="review_log")
    op.drop_table("review_log")
    with op.batch_alter_table("revisions") as batch:
        batch.drop_column("review_state")
    with op.batch_alter_table("posts") as batch:
        batch.drop_index("ix_posts_live")
        batch.drop_column("live_card")
        batch.drop_column("published_at")
        batch.drop_column("live_revision")
