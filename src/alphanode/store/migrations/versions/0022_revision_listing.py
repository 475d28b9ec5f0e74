"""Revisions keep their listing parts (card and terms), so approval need not decode them.

Revision ID: 0022
Revises: 0017
Create Date: 2026-12-02

Revisions stored before this migration keep NULL there; approving one computes its parts
from its document as before (no backfill: at a million revisions it would take minutes).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("revisions") as batch:
        batch.add_column(sa.Column("listing_card", sa.Text(), nullable=True))
        batch.add_column(sa.Column("listing_terms", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("revisions") as batch:
        batch.drop_column("listing_terms")
        batch.drop_column("listing_card")
