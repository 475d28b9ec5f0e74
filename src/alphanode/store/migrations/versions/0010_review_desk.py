"""The review desk: claims, assignment, scheduled publication and unpublication, the
address of every review-log row, and the index the queue's age order reads.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

POST_COLUMNS = (
    ("claimed_by", sa.String(200)),
    ("claimed_until", sa.DateTime(timezone=True)),
    ("assigned_to", sa.String(200)),
    ("publish_at", sa.DateTime(timezone=True)),
    ("publish_revision", sa.Integer()),
    ("unpublish_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        for name, kind in POST_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    op.create_index("ix_posts_publish_at", "posts", ["publish_at"])
    op.create_index("ix_posts_unpublish_at", "posts", ["unpublish_at"])
    with op.batch_alter_table("review_log") as batch:
        batch.add_column(sa.Column("address", sa.String(64), nullable=False, server_default=""))
    op.create_index("ix_review_log_created_at", "review_log", ["created_at"])
    op.create_index("ix_revisions_queue", "revisions", ["review_state", "created_at", "post_id"])


def downgrade() -> None:
    op.drop_index("ix_revisions_queue", "revisions")
    op.drop_index("ix_review_log_created_at", "review_log")
    with op.batch_alter_table("review_log") as batch:
        batch.drop_column("address")
    op.drop_index("ix_posts_unpublish_at", "posts")
    op.drop_index("ix_posts_publish_at", "posts")
    with op.batch_alter_table("posts") as batch:
        for name, _ in reversed(POST_COLUMNS):
            batch.drop_column(name)
