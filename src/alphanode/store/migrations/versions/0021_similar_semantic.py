"""Similar Posts' latent topics: each term's row of the projection fitted at the full build.

Revision ID: 0021
Revises: 0022
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "similar_basis",
        sa.Column("term", sa.String(120), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("term", name="pk_similar_basis"),
    )


def downgrade() -> None:
    op.drop_table("similar_basis")
