"""On PostgreSQL, search postings: each indexed post's stemmed lexemes with a BM25 impact.

``search_postings`` holds one row per (post, lexeme) of ``search_documents.document`` with
the lexeme's BM25 term weight in that post (field-weighted term frequency, saturated and
normalized by the post's length against the average length when it was written), indexed
by (lexeme, impact DESC), so a query reads each of its words' best posts first instead of
ranking every matching row with ``ts_rank``. ``search_terms`` also keeps the total length
of the indexed posts (lexeme ``' length'``; its counts become bigint). This migration
fills both from the rows already indexed, in SQL (no outbox round: nothing else changes);
``alphanode reindex`` rebuilds them too. SQLite sites have no such table.

Revision ID: 0018
Revises: 0019
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Imported here: the writer's SQL is the one way postings are computed.
    from alphanode.store.search.postgres import LENGTH, POSTINGS, TOTAL_LENGTH

    op.execute("ALTER TABLE search_terms ALTER COLUMN df TYPE bigint")
    op.execute(
        "CREATE TABLE search_postings (post_id integer NOT NULL, lexeme text NOT NULL, "
        "impact real NOT NULL, PRIMARY KEY (post_id, lexeme))"
    )
    op.execute(
        f"INSERT INTO search_terms (lexeme, df) SELECT '{LENGTH}', coalesce(sum(n), 0) FROM "  # noqa: S608 - a constant
        f"(SELECT {TOTAL_LENGTH} AS n FROM search_documents) s"
    )
    op.execute(POSTINGS.format(rows="TRUE"))
    op.execute(
        "CREATE INDEX ix_search_postings_impact ON search_postings (lexeme, impact DESC, post_id)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE IF EXISTS search_postings")
    op.execute("DELETE FROM search_terms WHERE lexeme = ' length'")
    op.execute("ALTER TABLE search_terms ALTER COLUMN df TYPE integer")
