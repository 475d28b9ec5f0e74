"""Search outbox, post vectors and similar posts; on PostgreSQL also search_documents.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_outbox",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("post_id", sa.Integer, nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("action IN ('index', 'delete')", name="ck_search_outbox_action"),
        sa.PrimaryKeyConstraint("id", name="pk_search_outbox"),
    )
    op.create_table(
        "post_vectors",
        sa.Column("post_id", sa.Integer, nullable=False),
        sa.Column("features", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("post_id", name="pk_post_vectors"),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name="fk_post_vectors_post_id_posts", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "similar_posts",
        sa.Column("post_id", sa.Integer, nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("other_id", sa.Integer, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("why", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("post_id", "rank", name="pk_similar_posts"),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name="fk_similar_posts_post_id_posts", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["other_id"], ["posts.id"], name="fk_similar_posts_other_id_posts", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_similar_posts_other_id", "similar_posts", ["other_id"])
    if op.get_bind().dialect.name == "postgresql":
        _postgres_search_documents()
    # Everything already live goes through the outbox once, so the index starts complete.
    op.execute(
        "INSERT INTO search_outbox (post_id, action, created_at) "
        "SELECT id, 'index', CURRENT_TIMESTAMP FROM posts "
        "WHERE status = 'approved' AND live_revision IS NOT NULL ORDER BY id"
    )


def _postgres_search_documents() -> None:
    """The PostgreSQL search backend's table (not in schema.py: SQLite has no use for it)."""
    op.execute(
        """
        CREATE TABLE search_documents (
            post_id integer PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
            title text NOT NULL,
            body text NOT NULL,
            stack text[] NOT NULL DEFAULT '{}',
            tools text[] NOT NULL DEFAULT '{}',
            difficulty text NOT NULL DEFAULT '',
            code_language text NOT NULL DEFAULT '',
            document tsvector NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_search_documents_document ON search_documents USING GIN (document)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE IF EXISTS search_documents")
    op.drop_index("ix_similar_posts_other_id", table_name="similar_posts")
    op.drop_table("similar_posts")
    op.drop_table("post_vectors")
    op.drop_table("search_outbox")
