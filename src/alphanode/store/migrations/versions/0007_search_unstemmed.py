"""On PostgreSQL: an unstemmed (``simple``) tsvector beside the stemmed one, for prefixes.

The stemmed vector holds ``pin`` for "pinning", so a prefix such as ``pinn*`` can never
match it; the unstemmed vector holds ``pinning``. Rows are filled at once from the columns
the table keeps (title, stack, tools, body), and every live post is queued in the search
outbox, so the next sync (``alphanode serve`` start, any web worker, ``alphanode reindex``)
writes them whole. Queuing every live post, not only the rows here, also fills the table
for a site that searched with tantivy under the old default and now gets the postgres
backend from ``search_backend = "auto"``. SQLite has no ``search_documents`` table:
nothing changes there.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-17
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE search_documents ADD COLUMN unstemmed tsvector NOT NULL DEFAULT ''")
    op.execute(
        "UPDATE search_documents SET unstemmed = "
        "setweight(to_tsvector('simple', title), 'A') || "
        "setweight(to_tsvector('simple', array_to_string(stack || tools, ' ')), 'C') || "
        "setweight(to_tsvector('simple', body), 'D')"
    )
    op.execute("ALTER TABLE search_documents ALTER COLUMN unstemmed DROP DEFAULT")
    op.execute(
        "CREATE INDEX ix_search_documents_unstemmed ON search_documents USING GIN (unstemmed)"
    )
    op.execute(
        "INSERT INTO search_outbox (post_id, action, created_at) "
        "SELECT id, 'index', CURRENT_TIMESTAMP FROM posts "
        "WHERE status = 'approved' AND live_revision IS NOT NULL ORDER BY id"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_search_documents_unstemmed")
    op.execute("ALTER TABLE search_documents DROP COLUMN IF EXISTS unstemmed")
