"""Queries for the desk's home: the queue's history, decisions, imports, rejects, views.

Nothing here is a stored daily figure: the queue's size and age on past days are derived
from what is stored (each revision's ``created_at``, and when it left the queue: its first
approve/reject in the review log, or the post's next revision, whichever came first).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alphanode.content.states import ReviewAction
from alphanode.store.review import _queue_query
from alphanode.store.schedules import utc
from alphanode.store.schema import import_runs, post_views, rejects, review_log, revisions

DECISIONS = (ReviewAction.APPROVE.value, ReviewAction.REJECT.value, ReviewAction.RETRACT.value)


def _day(conn: Connection, column: Any) -> Any:
    """The UTC calendar day of a timestamp column, as SQL (text on SQLite, a date on PG)."""
    if conn.dialect.name == "postgresql":
        return sa.func.date(sa.func.timezone("UTC", column))
    return sa.func.date(column)


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@dataclass(frozen=True)
class Span:
    """One revision's time in the queue: from ``entered`` until ``left``."""

    entered: dt.datetime
    left: dt.datetime


def _epoch(conn: Connection, column: Any) -> Any:
    """A timestamp column as seconds since 1970 (UTC), as SQL."""
    if conn.dialect.name == "postgresql":
        return sa.extract("epoch", column)
    return (sa.func.julianday(column) - 2440587.5) * 86400.0


@dataclass(frozen=True)
class WaitingBucket:
    """The posts waiting now that entered the queue on one UTC day: how many, the earliest
    entry, and the sum of their entry times (seconds since 1970, for the mean wait)."""

    day: dt.date
    count: int
    first: dt.datetime
    entry_sum: float


def waiting_by_day(conn: Connection) -> list[WaitingBucket]:
    """The queue as it is now, grouped by the day each post entered it: a million waiting
    posts are 30-odd rows here, not a million."""
    queued = _queue_query(()).subquery()
    day = _day(conn, queued.c.created_at)
    query = sa.select(
        day.label("day"),
        sa.func.count().label("n"),
        sa.func.min(queued.c.created_at).label("first"),
        sa.func.sum(_epoch(conn, queued.c.created_at)).label("entry_sum"),
    ).group_by(day)
    return [
        WaitingBucket(_as_date(r.day), int(r.n), utc(_timestamp(r.first)), float(r.entry_sum))
        for r in conn.execute(query)
    ]


def _timestamp(value: object) -> dt.datetime:
    """SQLite's MIN() over a timestamp column hands back its stored text."""
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def left_spans(conn: Connection, since: dt.datetime) -> list[Span]:
    """The revisions that left the queue after ``since`` (decided, or replaced by a newer
    revision), with when they entered and left: bounded by the window's activity."""
    start = utc(since)
    decisions = (ReviewAction.APPROVE.value, ReviewAction.REJECT.value)
    later = revisions.alias("later")
    candidates = sa.union(
        sa.select(review_log.c.post_id, review_log.c.revision.label("number")).where(
            review_log.c.created_at > start, review_log.c.action.in_(decisions)
        ),
        sa.select(later.c.post_id, (later.c.number - 1).label("number")).where(
            later.c.created_at > start, later.c.number > 1
        ),
    ).subquery()
    decided = (
        sa.select(sa.func.min(review_log.c.created_at))
        .where(
            review_log.c.post_id == revisions.c.post_id,
            review_log.c.revision == revisions.c.number,
            review_log.c.action.in_(decisions),
        )
        .scalar_subquery()
    )
    nxt = revisions.alias("next")
    replaced = (
        sa.select(sa.func.min(nxt.c.created_at))
        .where(nxt.c.post_id == revisions.c.post_id, nxt.c.number > revisions.c.number)
        .scalar_subquery()
    )
    query = sa.select(
        revisions.c.created_at, decided.label("decided"), replaced.label("replaced")
    ).join(
        candidates,
        sa.and_(
            candidates.c.post_id == revisions.c.post_id,
            candidates.c.number == revisions.c.number,
        ),
    )
    out: list[Span] = []
    for r in conn.execute(query):
        ends = [utc(t) for t in (r.decided, r.replaced) if t is not None]
        left = min(ends) if ends else None
        if left is not None and left > start:
            out.append(Span(utc(r.created_at), left))
    return out


def decisions_by_day(conn: Connection, since: dt.datetime) -> dict[tuple[dt.date, str], int]:
    day = _day(conn, review_log.c.created_at)
    query = (
        sa.select(day.label("day"), review_log.c.actor, sa.func.count().label("n"))
        .where(review_log.c.created_at >= utc(since), review_log.c.action.in_(DECISIONS))
        .group_by(day, review_log.c.actor)
    )
    return {(_as_date(r.day), str(r.actor)): int(r.n) for r in conn.execute(query)}


def imports_by_day(conn: Connection, since: dt.datetime) -> dict[dt.date, tuple[int, int]]:
    """(imported, updated) per day of the import runs started since ``since``."""
    day = _day(conn, import_runs.c.started_at)
    query = (
        sa.select(
            day.label("day"),
            sa.func.sum(import_runs.c.imported).label("imported"),
            sa.func.sum(import_runs.c.updated).label("updated"),
        )
        .where(import_runs.c.started_at >= utc(since))
        .group_by(day)
    )
    return {
        _as_date(r.day): (int(r.imported or 0), int(r.updated or 0)) for r in conn.execute(query)
    }


def rejects_by_day(conn: Connection, since: dt.datetime) -> dict[tuple[dt.date, str], int]:
    day = _day(conn, rejects.c.created_at)
    query = (
        sa.select(day.label("day"), rejects.c.code, sa.func.count().label("n"))
        .where(rejects.c.created_at >= utc(since))
        .group_by(day, rejects.c.code)
    )
    return {(_as_date(r.day), str(r.code)): int(r.n) for r in conn.execute(query)}


def views_by_day(conn: Connection, since: dt.date) -> dict[dt.date, int]:
    query = (
        sa.select(post_views.c.day, sa.func.sum(post_views.c.views).label("n"))
        .where(post_views.c.day >= since)
        .group_by(post_views.c.day)
    )
    return {_as_date(r.day): int(r.n or 0) for r in conn.execute(query)}


@dataclass(frozen=True)
class Waiting:
    ref: str
    title: str
    revision: int
    entered: dt.datetime


def oldest_waiting(conn: Connection, limit: int = 10) -> list[Waiting]:
    """The queue's longest-waiting posts (its age order, on the queue's own index)."""
    query = _queue_query(()).order_by(revisions.c.created_at, revisions.c.post_id).limit(limit)
    return [
        Waiting(r.ref, r.title, r.current_revision, utc(r.created_at)) for r in conn.execute(query)
    ]
