"""Similar Posts' own term tables; on PostgreSQL, search term frequencies for BM25's idf.

``similar_terms`` (each live post's top terms and tags with their weights) and
``similar_df`` (how many live posts hold each term) let Similar Posts compute its vectors in
Python, the same on every database, instead of through the search engine. On PostgreSQL,
``search_terms`` counts the documents holding each stemmed lexeme, so ranking weighs rare
words above common ones as BM25 does in tantivy. The tantivy index gains stemmed fields (a
new index schema). Every live post is queued in the search outbox, so the next sync
(``alphanode serve`` start, any web worker, ``alphanode reindex``) fills all of them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-18
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "similar_terms",
        sa.Column("term", sa.String(120), nullable=False),
        sa.Column(
            "post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("weight", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("term", "post_id"),
    )
    op.create_index("ix_similar_terms_post_id", "similar_terms", ["post_id"])
    op.create_table(
        "similar_df",
        sa.Column("term", sa.String(120), primary_key=True),
        sa.Column("df", sa.Integer, nullable=False),
    )
    # Old features were computed through the search engine: recomputed from the outbox.
    op.execute("DELETE FROM similar_posts")
    op.execute("DELETE FROM post_vectors")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TABLE search_terms (lexeme text PRIMARY KEY, df integer NOT NULL)")
        op.execute(
            "INSERT INTO search_terms (lexeme, df) SELECT l, count(*) FROM search_documents, "
            "unnest(tsvector_to_array(document)) AS l GROUP BY l"
        )
        op.execute(
            "INSERT INTO search_terms (lexeme, df) SELECT '', count(*) FROM search_documents"
        )
    op.execute(
        "INSERT INTO search_outbox (post_id, action, created_at) "
        "SELECT id, 'index', CURRENT_TIMESTAMP FROM posts "
        "WHERE status = 'approved' AND live_revision IS NOT NULL AND id NOT IN "
        "(SELECT post_id FROM search_outbox WHERE action = 'index') ORDER BY id"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE IF EXISTS search_terms")
    op.drop_table("similar_df")
    op.drop_index("ix_similar_terms_post_id", "similar_terms")
    op.drop_table("similar_terms")
