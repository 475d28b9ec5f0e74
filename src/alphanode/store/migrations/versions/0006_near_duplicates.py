"""Near-duplicate fingerprints, their LSH band keys and the near-duplicates found.

Posts imported before this revision get fingerprints when they are next imported or
changed; ``alphanode review duplicates --rescan`` fingerprints and checks every post now.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "post_fingerprints",
        sa.Column("post_id", sa.Integer, nullable=False),
        sa.Column("signature", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("post_id", name="pk_post_fingerprints"),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name="fk_post_fingerprints_post_id_posts", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "fingerprint_bands",
        sa.Column("band", sa.BigInteger, nullable=False),
        sa.Column("post_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("band", "post_id", name="pk_fingerprint_bands"),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name="fk_fingerprint_bands_post_id_posts", ondelete="CASCADE"
        ),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_fingerprint_bands_post_id", "fingerprint_bands", ["post_id"])
    op.create_table(
        "near_duplicates",
        sa.Column("post_id", sa.Integer, nullable=False),
        sa.Column("other_id", sa.Integer, nullable=False),
        sa.Column("similarity", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("post_id", name="pk_near_duplicates"),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name="fk_near_duplicates_post_id_posts", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["other_id"], ["posts.id"], name="fk_near_duplicates_other_id_posts", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_near_duplicates_other_id", "near_duplicates", ["other_id"])


def downgrade() -> None:
    op.drop_index("ix_near_duplicates_other_id", table_name="near_duplicates")
    op.drop_table("near_duplicates")
    op.drop_index("ix_fingerprint_bands_post_id", table_name="fingerprint_bands")
    op.drop_table("fingerprint_bands")
    op.drop_table("post_fingerprints")
