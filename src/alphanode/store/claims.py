"""Queries for the review desk's claims: who is working on a post, and until when."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alphanode.store.schema import posts


def holder(conn: Connection, post_id: int) -> tuple[str, dt.datetime] | None:
    """Who claimed the post and until when (expired claims included; the caller decides)."""
    row = conn.execute(
        sa.select(posts.c.claimed_by, posts.c.claimed_until).where(posts.c.id == post_id)
    ).first()
    if row is None or not row.claimed_by or row.claimed_until is None:
        return None
    until: dt.datetime = row.claimed_until
    return str(row.claimed_by), until if until.tzinfo else until.replace(tzinfo=dt.UTC)


def set_claim(conn: Connection, post_id: int, who: str | None, until: dt.datetime | None) -> None:
    conn.execute(
        posts.update().where(posts.c.id == post_id).values(claimed_by=who, claimed_until=until)
    )
