"""The review queue at a glance: one page of pending posts in a chosen order (keyset
pagination on an index per sort), their flags and marks, assignment, and what its counts
depend on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alphanode.content.states import RevisionState
from alphanode.store.posts import now
from alphanode.store.schema import posts, review_log, revision_facets, revisions

# Each sort's key (a revisions column, read through its ix_revisions_queue* index) and its
# default direction: the oldest waiting first, the best scored first.
SORTS: dict[str, tuple[str, bool]] = {
    "age": ("created_at", False),
    "title": ("title", False),
    "score": ("score", True),
    "source": ("origin", False),
}
CLAIMED = ("yes", "no")  # the claimed filter: claimed now (an unexpired claim), or not


@dataclass(frozen=True)
class Order:
    """How the queue is sorted: ``sort`` (a key of ``SORTS``) and ``descending``."""

    sort: str = "age"
    descending: bool = False


@dataclass(frozen=True)
class Entry:
    """One row of the queue table."""

    post_id: int
    ref: str
    slug: str
    title: str
    status: str
    revision: int
    live_revision: int | None
    created_at: dt.datetime
    score: int
    scores: str
    origin: str
    claimed_by: str | None
    claimed_until: dt.datetime | None
    assigned_to: str | None
    flags: tuple[str, ...] = ()
    near_duplicate: bool = False


@dataclass(frozen=True)
class Page:
    """One page of the queue and the post ids its neighbours start after / end before."""

    entries: list[Entry]
    next_after: int | None
    prev_before: int | None


def _claimed_now(at: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        posts.c.claimed_by.is_not(None),
        sa.or_(posts.c.claimed_until.is_(None), posts.c.claimed_until > at),
    )


def selection(
    filters: Sequence[tuple[str, str]], claimed: str = "", at: dt.datetime | None = None
) -> sa.Select[Any]:
    """Every queued post (its pending current revision) matching the facet ``filters`` and
    the ``claimed`` filter, joined from ``revisions`` so each sort can walk its index."""
    query = (
        sa.select(
            revisions.c.post_id,
            posts.c.ref,
            posts.c.slug,
            revisions.c.title,
            posts.c.status,
            revisions.c.number,
            posts.c.live_revision,
            revisions.c.created_at,
            revisions.c.score,
            revisions.c.scores,
            revisions.c.origin,
            posts.c.claimed_by,
            posts.c.claimed_until,
            posts.c.assigned_to,
        )
        .select_from(
            revisions.join(
                posts,
                sa.and_(
                    posts.c.id == revisions.c.post_id,
                    posts.c.current_revision == revisions.c.number,
                ),
            )
        )
        .where(revisions.c.review_state == RevisionState.PENDING.value)
    )
    for kind, value in filters:
        query = query.where(
            sa.exists().where(
                revision_facets.c.post_id == revisions.c.post_id,
                revision_facets.c.number == revisions.c.number,
                revision_facets.c.kind == kind,
                revision_facets.c.value == value,
            )
        )
    if claimed in CLAIMED:
        held = _claimed_now(at or now())
        query = query.where(held if claimed == "yes" else sa.not_(held))
    return query


def _key_of(conn: Connection, column: sa.ColumnElement[Any], post_id: int) -> Any:
    """The sort key of a post's current revision (where a page starts or ends)."""
    query = (
        sa.select(column)
        .select_from(
            revisions.join(
                posts,
                sa.and_(
                    posts.c.id == revisions.c.post_id,
                    posts.c.current_revision == revisions.c.number,
                ),
            )
        )
        .where(revisions.c.post_id == post_id)
    )
    return conn.execute(query).first()


def page(
    conn: Connection,
    filters: Sequence[tuple[str, str]],
    order: Order,
    *,
    claimed: str = "",
    after: int | None = None,
    before: int | None = None,
    limit: int = 50,
) -> Page:
    """One page in ``order``, ties broken by post id: the first, the one after post
    ``after``, or the one before post ``before`` (keyset: no OFFSET, so a page deep in a
    million rows costs what the first does, and a decision between two pages neither skips
    nor repeats a row)."""
    column = revisions.c[SORTS[order.sort][0]]
    key = sa.tuple_(column, revisions.c.post_id)
    backwards = before is not None
    descending = order.descending != backwards  # read a previous page in reverse, then flip
    query = selection(filters, claimed)
    mark = before if backwards else after
    if mark is not None:
        found = _key_of(conn, column, mark)
        if found is not None:
            bound = sa.tuple_(sa.literal(found[0], column.type), sa.literal(mark))
            query = query.where(key < bound if descending else key > bound)
    direction = sa.desc if descending else sa.asc
    query = query.order_by(direction(column), direction(revisions.c.post_id)).limit(limit + 1)
    rows = list(conn.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    entries = _with_marks(conn, [_entry(r) for r in rows])
    if not entries:
        return Page([], None, None)
    first, last = entries[0].post_id, entries[-1].post_id
    if backwards:
        return Page(entries, last, first if more else None)
    return Page(entries, last if more else None, first if mark is not None else None)


def _entry(r: Any) -> Entry:
    return Entry(
        r.post_id,
        r.ref,
        r.slug,
        r.title,
        r.status,
        r.number,
        r.live_revision,
        r.created_at,
        r.score,
        r.scores,
        r.origin,
        r.claimed_by,
        r.claimed_until,
        r.assigned_to,
    )


def _with_marks(conn: Connection, entries: list[Entry]) -> list[Entry]:
    """The entries with their set flags and near-duplicate mark (one query for the page)."""
    if not entries:
        return entries
    number = {e.post_id: e.revision for e in entries}
    # post_id IN (...) reads the primary key; a row-value IN would scan the table on SQLite.
    query = sa.select(
        revision_facets.c.post_id,
        revision_facets.c.number,
        revision_facets.c.kind,
        revision_facets.c.value,
    ).where(
        revision_facets.c.post_id.in_(list(number)),
        revision_facets.c.kind.in_(("flag", "near_duplicate")),
    )
    flags: dict[int, list[str]] = {}
    near: set[int] = set()
    for r in conn.execute(query):
        if r.number != number[r.post_id]:
            continue
        if r.kind == "flag":
            flags.setdefault(r.post_id, []).append(r.value)
        else:
            near.add(r.post_id)
    return [
        replace(e, flags=tuple(sorted(flags.get(e.post_id, ()))), near_duplicate=e.post_id in near)
        for e in entries
    ]


def count(conn: Connection, filters: Sequence[tuple[str, str]], claimed: str = "") -> int:
    sub = selection(filters, claimed).with_only_columns(revisions.c.post_id).subquery()
    return int(conn.scalar(sa.select(sa.func.count()).select_from(sub)) or 0)


def facet_counts(
    conn: Connection, filters: Sequence[tuple[str, str]], kinds: Sequence[str]
) -> dict[str, list[tuple[str, int]]]:
    """How many queued posts matching ``filters`` hold each value of the facet ``kinds``:
    one pass over the queue for all of them (GROUP BY kind, value), most common first."""
    queued = selection(filters).with_only_columns(revisions.c.post_id, revisions.c.number)
    sub = queued.subquery()
    query = (
        sa.select(revision_facets.c.kind, revision_facets.c.value, sa.func.count().label("n"))
        .select_from(
            revision_facets.join(
                sub,
                sa.and_(
                    sub.c.post_id == revision_facets.c.post_id,
                    sub.c.number == revision_facets.c.number,
                ),
            )
        )
        .where(revision_facets.c.kind.in_(list(kinds)))
        .group_by(revision_facets.c.kind, revision_facets.c.value)
    )
    found: dict[str, list[tuple[str, int]]] = {kind: [] for kind in kinds}
    for r in conn.execute(query):
        found[r.kind].append((r.value, int(r.n)))
    return {k: sorted(v, key=lambda pair: (-pair[1], pair[0])) for k, v in found.items()}


def version(conn: Connection) -> tuple[int, int]:
    """What every change to the queue moves: the newest revision (an import, an edit) and
    the newest review-log row (each decision, assignment, claim or "not a duplicate")."""
    newest_revision = conn.scalar(sa.select(sa.func.max(revisions.c.id)))
    newest_log = conn.scalar(sa.select(sa.func.max(review_log.c.id)))
    return int(newest_revision or 0), int(newest_log or 0)


@dataclass(frozen=True)
class Target:
    """A queued post an action applies to."""

    post_id: int
    ref: str
    number: int


def targets(
    conn: Connection,
    filters: Sequence[tuple[str, str]],
    after_id: int,
    limit: int,
    refs: Sequence[str] | None = None,
) -> list[Target]:
    """The next ``limit`` queued posts after post ``after_id`` (by id) matching ``filters``,
    or among ``refs`` when given."""
    query = (
        selection(filters)
        .with_only_columns(revisions.c.post_id, posts.c.ref, revisions.c.number)
        .where(revisions.c.post_id > after_id)
        .order_by(revisions.c.post_id)
        .limit(limit)
    )
    if refs is not None:
        query = query.where(posts.c.ref.in_(list(refs)))
    return [Target(r.post_id, r.ref, r.number) for r in conn.execute(query)]


def assign(
    conn: Connection, items: Sequence[Target], reviewer: str, actor: str, note: str, address: str
) -> None:
    """Assign the posts to ``reviewer`` and log it for each (set-based: two statements)."""
    if not items:
        return
    conn.execute(
        posts.update()
        .where(posts.c.id.in_([t.post_id for t in items]))
        .values(assigned_to=reviewer, updated_at=now())
    )
    stamp = now()
    text = f"assigned to {reviewer}" + (f": {note}" if note else "")
    conn.execute(
        review_log.insert(),
        [
            {
                "post_id": t.post_id,
                "revision": t.number,
                "action": "assign",
                "actor": actor,
                "note": text,
                "created_at": stamp,
                "address": address[:64],
            }
            for t in items
        ],
    )
