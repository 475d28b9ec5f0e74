"""Similar Posts' postings in impact order: each term's heaviest postings first, so candidate
generation reads only the top of each term's postings (``store.similar.sharing``).

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_similar_terms_impact",
        "similar_terms",
        ["term", sa.text("weight DESC"), "post_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_similar_terms_impact", table_name="similar_terms")
