"""Queries for scheduled publication and unpublication (the ``posts.publish_*`` columns)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alphanode.store.schema import posts


def utc(value: dt.datetime) -> dt.datetime:
    """An aware UTC datetime: SQLite hands stored values back naive (they are stored UTC)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


@dataclass(frozen=True)
class Schedule:
    """What is scheduled for one post (either time may be None)."""

    post_id: int
    ref: str
    title: str
    status: str
    publish_at: dt.datetime | None
    publish_revision: int | None
    unpublish_at: dt.datetime | None


def _schedule(row: Any) -> Schedule:
    m = row._mapping
    publish_at, unpublish_at = m["publish_at"], m["unpublish_at"]
    return Schedule(
        int(m["id"]),
        str(m["ref"]),
        str(m["title"]),
        str(m["status"]),
        utc(publish_at) if publish_at is not None else None,
        m["publish_revision"],
        utc(unpublish_at) if unpublish_at is not None else None,
    )


_COLUMNS = (
    posts.c.id,
    posts.c.ref,
    posts.c.title,
    posts.c.status,
    posts.c.publish_at,
    posts.c.publish_revision,
    posts.c.unpublish_at,
)


def of(conn: Connection, post_id: int) -> Schedule:
    return _schedule(conn.execute(sa.select(*_COLUMNS).where(posts.c.id == post_id)).one())


def for_posts(conn: Connection, ids: Sequence[int]) -> dict[int, Schedule]:
    """The schedules of those of ``ids`` that have one."""
    if not ids:
        return {}
    query = sa.select(*_COLUMNS).where(
        posts.c.id.in_(list(ids)),
        sa.or_(posts.c.publish_at.is_not(None), posts.c.unpublish_at.is_not(None)),
    )
    return {s.post_id: s for s in map(_schedule, conn.execute(query))}


def upcoming(conn: Connection, limit: int = 50) -> list[Schedule]:
    """Every post with something scheduled, soonest first."""
    soonest = sa.func.coalesce(
        sa.func.min(posts.c.publish_at, posts.c.unpublish_at)
        if conn.dialect.name == "sqlite"
        else sa.func.least(posts.c.publish_at, posts.c.unpublish_at),
        posts.c.publish_at,
        posts.c.unpublish_at,
    )
    query = (
        sa.select(*_COLUMNS)
        .where(sa.or_(posts.c.publish_at.is_not(None), posts.c.unpublish_at.is_not(None)))
        .order_by(soonest, posts.c.id)
        .limit(limit)
    )
    return [_schedule(r) for r in conn.execute(query)]


def set_publish(conn: Connection, post_id: int, revision: int, at: dt.datetime) -> None:
    conn.execute(
        posts.update()
        .where(posts.c.id == post_id)
        .values(publish_at=utc(at), publish_revision=revision)
    )


def set_unpublish(conn: Connection, post_id: int, at: dt.datetime | None) -> None:
    conn.execute(
        posts.update()
        .where(posts.c.id == post_id)
        .values(unpublish_at=utc(at) if at is not None else None)
    )


def clear_publish(conn: Connection, post_id: int) -> None:
    conn.execute(
        posts.update().where(posts.c.id == post_id).values(publish_at=None, publish_revision=None)
    )


def due_publish(conn: Connection, now: dt.datetime, limit: int) -> list[Schedule]:
    query = (
        sa.select(*_COLUMNS)
        .where(posts.c.publish_at.is_not(None), posts.c.publish_at <= utc(now))
        .order_by(posts.c.publish_at, posts.c.id)
        .limit(limit)
    )
    return [_schedule(r) for r in conn.execute(query)]


def due_unpublish(conn: Connection, now: dt.datetime, limit: int) -> list[Schedule]:
    query = (
        sa.select(*_COLUMNS)
        .where(posts.c.unpublish_at.is_not(None), posts.c.unpublish_at <= utc(now))
        .order_by(posts.c.unpublish_at, posts.c.id)
        .limit(limit)
    )
    return [_schedule(r) for r in conn.execute(query)]


def take_publish(conn: Connection, post_id: int, now: dt.datetime) -> int | None:
    """Clear a due publication and return its revision, or None when another worker took it
    first: the conditional UPDATE is the claim (on PostgreSQL the second writer waits for the
    first's commit, then sees publish_at NULL and updates nothing; on SQLite writers queue)."""
    revision = conn.scalar(
        sa.select(posts.c.publish_revision)
        .where(posts.c.id == post_id, posts.c.publish_at.is_not(None))
        .with_for_update()
    )
    result = conn.execute(
        posts.update()
        .where(
            posts.c.id == post_id,
            posts.c.publish_at.is_not(None),
            posts.c.publish_at <= utc(now),
        )
        .values(publish_at=None, publish_revision=None)
    )
    return int(revision) if result.rowcount == 1 and revision is not None else None


def take_unpublish(conn: Connection, post_id: int, now: dt.datetime) -> bool:
    """Clear a due unpublication; False when another worker took it first."""
    result = conn.execute(
        posts.update()
        .where(
            posts.c.id == post_id,
            posts.c.unpublish_at.is_not(None),
            posts.c.unpublish_at <= utc(now),
        )
        .values(unpublish_at=None)
    )
    return result.rowcount == 1
