"""Queries for review decisions: live revisions, revision states, the review log, terms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alphanode.content.card import Listing
from alphanode.content.states import PostStatus, Publication, RevisionState, SearchAction
from alphanode.store import outbox, state
from alphanode.store.posts import now, stored_listing
from alphanode.store.schema import (
    post_terms,
    posts,
    review_log,
    revision_facets,
    revisions,
)


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


def supersede_others(conn: Connection, post_id: int, number: int) -> None:
    """Every other approved revision of the post is superseded by revision ``number``."""
    conn.execute(
        revisions.update()
        .where(
            revisions.c.post_id == post_id,
            revisions.c.number != number,
            _approved_among_own(),
        )
        .values(review_state=RevisionState.SUPERSEDED.value)
    )


def _approved_among_own() -> sa.ColumnElement[bool]:
    """ "Approved", for a statement that already names one post's revisions.

    Written as ``review_state || ''`` so no database reads the queue's
    ``(review_state, ...)`` indexes for it: without statistics SQLite chose
    ``ix_revisions_queue`` over the post's own rows and scanned every approved revision of the
    site per post (36 of 66 s of approving 20,000 posts; O(site) per approval).
    """
    return revisions.c.review_state.concat("") == RevisionState.APPROVED.value


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
            status=PostStatus.APPROVED.value,
            live_revision=number,
            live_card=card_json,
            published_at=sa.func.coalesce(posts.c.published_at, stamp),
            updated_at=stamp,
        )
    )
    _replace_terms(conn, post_id, terms)
    outbox.enqueue(conn, post_id, SearchAction.INDEX)
    state.bump_content_version(conn)


def take_down(conn: Connection, post_id: int, status: str) -> None:
    """Nothing of the post stays public (retracted, or rejected before ever going live)."""
    conn.execute(
        posts.update()
        .where(posts.c.id == post_id)
        .values(status=status, live_revision=None, live_card=None, updated_at=now())
    )
    _replace_terms(conn, post_id, [])
    outbox.enqueue(conn, post_id, SearchAction.DELETE)
    state.bump_content_version(conn)


def _replace_terms(conn: Connection, post_id: int, terms: Sequence[tuple[str, str, str]]) -> None:
    conn.execute(post_terms.delete().where(post_terms.c.post_id == post_id))
    if terms:
        conn.execute(
            post_terms.insert(),
            [{"post_id": post_id, "kind": k, "term": t, "label": label} for k, t, label in terms],
        )


def log(
    conn: Connection,
    post_id: int,
    number: int,
    action: str,
    actor: str,
    note: str,
    address: str = "",
) -> None:
    conn.execute(
        review_log.insert().values(
            post_id=post_id,
            revision=number,
            action=action,
            actor=actor,
            note=note,
            created_at=now(),
            address=address[:64],
        )
    )


@dataclass(frozen=True)
class Entry:
    """One review-log row with its post (the desk's audit list)."""

    id: int
    ref: str
    title: str
    revision: int
    action: str
    actor: str
    note: str
    address: str
    created_at: dt.datetime


def entries(
    conn: Connection,
    actor: str = "",
    action: str = "",
    ref: str = "",
    before: int | None = None,
    limit: int = 100,
) -> list[Entry]:
    """The review log, newest first, filtered; ``before``: keyset (rows with a smaller id)."""
    query = (
        sa.select(review_log, posts.c.ref, posts.c.title)
        .join(posts, posts.c.id == review_log.c.post_id)
        .order_by(review_log.c.id.desc())
        .limit(limit)
    )
    if actor:
        query = query.where(review_log.c.actor == actor)
    if action:
        query = query.where(review_log.c.action == action)
    if ref:
        query = query.where(posts.c.ref == ref)
    if before is not None:
        query = query.where(review_log.c.id < before)
    return [
        Entry(r.id, r.ref, r.title, r.revision, r.action, r.actor, r.note, r.address, r.created_at)
        for r in conn.execute(query)
    ]


def history(conn: Connection, post_id: int) -> list[LogRow]:
    query = sa.select(review_log).where(review_log.c.post_id == post_id).order_by(review_log.c.id)
    return [
        LogRow(r.post_id, r.revision, r.action, r.actor, r.note, r.created_at)
        for r in conn.execute(query)
    ]


@dataclass(frozen=True)
class QueueRow:
    post_id: int
    ref: str
    slug: str
    title: str
    status: str
    revision: int
    live_revision: int | None
    created_at: dt.datetime


def _queue_query(
    filters: Sequence[tuple[str, str]],
    state: sa.ColumnElement[Any] = revisions.c.review_state,
) -> sa.Select[Any]:
    query = (
        sa.select(
            posts.c.id,
            posts.c.ref,
            posts.c.slug,
            posts.c.title,
            posts.c.status,
            posts.c.current_revision,
            posts.c.live_revision,
            revisions.c.created_at,
        )
        .join(
            revisions,
            sa.and_(
                revisions.c.post_id == posts.c.id,
                revisions.c.number == posts.c.current_revision,
            ),
        )
        .where(state == RevisionState.PENDING.value)
    )
    for kind, value in filters:
        query = query.where(
            sa.exists().where(
                revision_facets.c.post_id == posts.c.id,
                revision_facets.c.number == posts.c.current_revision,
                revision_facets.c.kind == kind,
                revision_facets.c.value == value,
            )
        )
    return query


def queue(
    conn: Connection, filters: Sequence[tuple[str, str]], offset: int = 0, limit: int = 50
) -> list[QueueRow]:
    query = _queue_query(filters).order_by(posts.c.id).offset(offset).limit(limit)
    return [
        QueueRow(
            r.id,
            r.ref,
            r.slug,
            r.title,
            r.status,
            r.current_revision,
            r.live_revision,
            r.created_at,
        )
        for r in conn.execute(query)
    ]


def queue_count(conn: Connection, filters: Sequence[tuple[str, str]]) -> int:
    sub = _queue_query(filters).subquery()
    return int(conn.scalar(sa.select(sa.func.count()).select_from(sub)) or 0)


def facets_of(conn: Connection, post_id: int, number: int) -> list[tuple[str, str]]:
    query = sa.select(revision_facets.c.kind, revision_facets.c.value).where(
        revision_facets.c.post_id == post_id, revision_facets.c.number == number
    )
    return [(r.kind, r.value) for r in conn.execute(query)]


def facet_values(
    conn: Connection, kind: str, filters: Sequence[tuple[str, str]] = (), limit: int = 200
) -> list[tuple[str, int]]:
    """The values of one facet among the queue's posts matching ``filters``, most common
    first (counted on each post's pending current revision, exactly as the queue is)."""
    queued = _queue_query(filters).subquery()
    query = (
        sa.select(revision_facets.c.value, sa.func.count().label("n"))
        .select_from(
            revision_facets.join(
                queued,
                sa.and_(
                    queued.c.id == revision_facets.c.post_id,
                    queued.c.current_revision == revision_facets.c.number,
                ),
            )
        )
        .where(revision_facets.c.kind == kind)
        .group_by(revision_facets.c.value)
        .order_by(sa.desc("n"), revision_facets.c.value)
        .limit(limit)
    )
    return [(r.value, r.n) for r in conn.execute(query)]


def revision_state(conn: Connection, post_id: int, number: int) -> str:
    query = sa.select(revisions.c.review_state).where(
        revisions.c.post_id == post_id, revisions.c.number == number
    )
    return str(conn.scalar(query) or "")


@dataclass(frozen=True)
class ChunkRow:
    """One queued post in a bulk decision: its pending current revision and document."""

    post_id: int
    ref: str
    number: int
    status: str
    review_state: str
    document: str  # "" when ``listing`` is kept (the document is then not read)
    listing: Listing | None = None


def pending_chunk(
    conn: Connection,
    filters: Sequence[tuple[str, str]],
    pairs: Sequence[tuple[str, str]],
    after_id: int,
    limit: int,
) -> list[ChunkRow]:
    """The next ``limit`` queued posts after ``after_id`` (keyset, by id) matching
    ``filters`` whose (post status, revision state) is one of ``pairs``: the states the
    action is legal from, so one condition keeps the chunk legal."""
    # Read by the posts' primary key from ``after_id``: SQLite otherwise walks every pending
    # revision through the queue's review_state indexes and sorts them for each chunk (3.3 s
    # a chunk with 800,000 pending: approving a million took most of an hour). Written as
    # ``column || ''`` on SQLite, the state conditions cannot pick those indexes; PostgreSQL
    # plans this from its statistics.
    status_of: sa.ColumnElement[Any] = posts.c.status
    state_of: sa.ColumnElement[Any] = revisions.c.review_state
    if conn.dialect.name == "sqlite":
        status_of, state_of = status_of.op("||")(""), state_of.op("||")("")
    legal = sa.or_(*(sa.and_(status_of == status, state_of == rstate) for status, rstate in pairs))
    query = (
        _queue_query(filters, state_of)
        .add_columns(
            revisions.c.review_state,
            revisions.c.listing_card,
            revisions.c.listing_terms,
            sa.case((revisions.c.listing_card.is_(None), revisions.c.document), else_="").label(
                "document"
            ),
        )
        .where(posts.c.id > after_id, legal)
        .order_by(posts.c.id)
        .limit(limit)
    )
    return [
        ChunkRow(
            r.id,
            r.ref,
            r.current_revision,
            r.status,
            r.review_state,
            r.document,
            stored_listing(r.listing_card, r.listing_terms),
        )
        for r in conn.execute(query)
    ]


@dataclass(frozen=True)
class ChunkDecision:
    """What a bulk decision writes for one post (``card`` and ``terms``: when published)."""

    post_id: int
    number: int
    card: str | None = None
    terms: Sequence[tuple[str, str, str]] = ()


def apply_decisions(
    conn: Connection,
    items: Sequence[ChunkDecision],
    *,
    status: str,
    revision_state: str | None,
    publication: Publication,
    action: str,
    actor: str,
    note: str,
) -> None:
    """One outcome applied to many posts with a few set-based statements (the same writes
    as ``make_live``/``take_down``, ``supersede_others``, ``set_revision_state`` and ``log``
    for one post): an executemany per table and one content-version bump."""
    if not items:
        return
    stamp = now()
    ids = [i.post_id for i in items]
    keys = [{"b_pid": i.post_id, "b_num": i.number} for i in items]
    pid: sa.BindParameter[int] = sa.bindparam("b_pid")
    num: sa.BindParameter[int] = sa.bindparam("b_num")
    if publication is Publication.PUBLISH:
        conn.execute(
            posts.update()
            .where(posts.c.id == pid)
            .values(
                status=status,
                live_revision=num,
                live_card=sa.bindparam("b_card"),
                published_at=sa.func.coalesce(posts.c.published_at, stamp),
                updated_at=stamp,
            ),
            [{**k, "b_card": i.card} for k, i in zip(keys, items, strict=True)],
        )
        conn.execute(
            revisions.update()
            .where(
                revisions.c.post_id == pid,
                revisions.c.number != num,
                _approved_among_own(),
            )
            .values(review_state=RevisionState.SUPERSEDED.value),
            keys,
        )
    elif publication is Publication.TAKE_DOWN:
        conn.execute(
            posts.update()
            .where(posts.c.id.in_(ids))
            .values(status=status, live_revision=None, live_card=None, updated_at=stamp)
        )
    if publication is not Publication.KEEP:
        conn.execute(post_terms.delete().where(post_terms.c.post_id.in_(ids)))
        term_rows = [
            {"post_id": i.post_id, "kind": k, "term": t, "label": label}
            for i in items
            for k, t, label in i.terms
        ]
        if term_rows:
            conn.execute(post_terms.insert(), term_rows)
        search = SearchAction.INDEX if publication is Publication.PUBLISH else SearchAction.DELETE
        outbox.enqueue_many(conn, ids, search.value, stamp)
        state.bump_content_version(conn)
    if revision_state is not None:
        conn.execute(
            revisions.update()
            .where(revisions.c.post_id == pid, revisions.c.number == num)
            .values(review_state=revision_state),
            keys,
        )
    conn.execute(
        review_log.insert(),
        [
            {
                "post_id": i.post_id,
                "revision": i.number,
                "action": action,
                "actor": actor,
                "note": note,
                "created_at": stamp,
            }
            for i in items
        ],
    )
