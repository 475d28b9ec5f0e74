"""Queries for review decisions: live revisions, revision states, the review log, terms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alphanode.store.posts import now
from alphanode.store.schema import post_terms, posts, review_log, revisions


@dataclass(frozen=True)
class LogRow:
    post_id: int
    revision: int
    action: str
    actor: str
    note: str
    created_at: dt.datetime


def set_revision_state(conn: Connection, post_id: int, number: int, state: str) -> None:
    conn.execute(
        revisions.update()
        .where(revisions.c.post_id == post_id, revisions.c.number == number)
        .values(review_state=state)
    )


def make_live(
    conn: Connection,
    post_id: int,
    number: int,
    card_json: str,
    terms: Sequence[tuple[str, str, str]],
) -> None:
    """Publish revision ``number``: it becomes what readers see, with its listing terms."""
    stamp = now()
    conn.execute(
        posts.update()
        .where(posts.c.id == post_id)
        .values(
            status="approved",
            live_revision=number,
            live_card=card_json,
            published_at=sa.func.coalesce(posts.c.published_at, stamp),
            updated_at=stamp,
        )
    )
    _replace_terms(conn, post_id, terms)


def take_down(conn: Connection, post_id: int, status: str) -> None:
    """Nothing of the post stays public (retracted, or rejected before ever going live)."""
    conn.execute(
        posts.update()
        .where(posts.c.id == post_id)
        .values(status=status, live_revision=None, live_card=None, updated_at=now())
    )
    _replace_terms(conn, post_id, [])


def _replace_terms(conn: Connection, post_id: int, terms: Sequence[tuple[str, str, str]]) -> None:
    conn.execute(post_terms.delete().where(post_terms.c.post_id == post_id))
    if terms:
        conn.execute(
            post_terms.insert(),
            [{"post_id": post_id, "kind": k, "term": t, "label": label} for k, t, label in terms],
        )


def log(conn: Connection, post_id: int, number: int, action: str, actor: str, note: str) -> None:
    conn.execute(
        review_log.insert().values(
            post_id=post_id,
            revision=number,
            action=action,
            actor=actor,
            note=note,
            created_at=now(),
        )
    )


def history(conn: Connection, post_id: int) -> list[LogRow]:
    query = sa.select(review_log).where(review_log.c.post_id == post_id).order_by(review_log.c.id)
    return [
        LogRow(r.post_id, r.revision, r.action, r.actor, r.note, r.created_at)
        for r in conn.execute(query)
    ]


def log_count(conn: Connection) -> int:
    return int(conn.scalar(sa.select(sa.func.count()).select_from(review_log)) or 0)


def pending_refs(conn: Connection, limit: int | None = None) -> list[str]:
    """Posts whose newest revision awaits a decision, oldest first."""
    query = (
        sa.select(posts.c.ref)
        .join(
            revisions,
            sa.and_(
                revisions.c.post_id == posts.c.id,
                revisions.c.number == posts.c.current_revision,
            ),
        )
        .where(revisions.c.review_state == "pending")
        .order_by(posts.c.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(conn.scalars(query))
