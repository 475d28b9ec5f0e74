"""The review queue at a glance: each revision's title, score, scores and source
("format / status") as columns with one index per sort, and the source facets.

Existing revisions are filled from their stored documents, in chunks (a revision never
changes, so these are computed once). ``source_format`` and ``source_status`` facets are
added for revisions whose ``meta.source`` has them.

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from alphanode.content.card import queue_keys, source_facets

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = (
    ("title", sa.Text(), ""),
    ("score", sa.Integer(), "-1"),
    ("scores", sa.Text(), ""),
    ("origin", sa.String(200), ""),
)
INDEXES = (
    ("ix_revisions_queue_title", "title"),
    ("ix_revisions_queue_score", "score"),
    ("ix_revisions_queue_origin", "origin"),
)
CHUNK = 2000


def upgrade() -> None:
    with op.batch_alter_table("revisions") as batch:
        for name, kind, default in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=False, server_default=default))
    for name, column in INDEXES:
        op.create_index(name, "revisions", ["review_state", column, "post_id"])
    _fill(op.get_bind())


def _fill(conn: sa.Connection) -> None:
    revisions = sa.table(
        "revisions",
        sa.column("id", sa.Integer),
        sa.column("post_id", sa.Integer),
        sa.column("number", sa.Integer),
        sa.column("document", sa.Text),
        *(sa.column(name, kind) for name, kind, _ in COLUMNS),
    )
    facets = sa.table(
        "revision_facets",
        sa.column("post_id", sa.Integer),
        sa.column("number", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("value", sa.String),
    )
    update = (
        revisions.update()
        .where(revisions.c.id == sa.bindparam("b_id"))
        .values(
            title=sa.bindparam("b_title"),
            score=sa.bindparam("b_score"),
            scores=sa.bindparam("b_scores"),
            origin=sa.bindparam("b_origin"),
        )
    )
    after = 0
    while True:
        rows = conn.execute(
            sa.select(revisions.c.id, revisions.c.post_id, revisions.c.number, revisions.c.document)
            .where(revisions.c.id > after)
            .order_by(revisions.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        updates, new_facets = [], []
        for row in rows:
            data = json.loads(row.document)
            meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
            keys = queue_keys(str(data.get("title", "")), meta)
            updates.append(
                {
                    "b_id": row.id,
                    "b_title": keys.title,
                    "b_score": keys.score,
                    "b_scores": keys.scores,
                    "b_origin": keys.origin,
                }
            )
            new_facets += [
                {"post_id": row.post_id, "number": row.number, "kind": k, "value": v}
                for k, v in source_facets(meta)
            ]
        conn.execute(update, updates)
        if new_facets:
            conn.execute(facets.insert(), new_facets)
        after = rows[-1].id


def downgrade() -> None:
    op.execute("DELETE FROM revision_facets WHERE kind IN ('source_format', 'source_status')")
    for name, _ in reversed(INDEXES):
        op.drop_index(name, "revisions")
    with op.batch_alter_table("revisions") as batch:
        for name, _, _ in reversed(COLUMNS):
            batch.drop_column(name)
