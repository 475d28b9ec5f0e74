"""Queries on posts and their revisions: look-ups, batched writes, history."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alphanode.content.card import Listing, QueueKeys, queue_keys, source_facets
from alphanode.content.states import PostStatus, RevisionState
from alphanode.store.engine import bulk_insert
from alphanode.store.schema import posts, revision_facets, revisions


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class PostRow:
    id: int
    ref: str
    slug: str
    status: str
    title: str
    current_revision: int
    content_hash: str
    created_at: dt.datetime
    updated_at: dt.datetime
    live_revision: int | None = None
    published_at: dt.datetime | None = None


@dataclass(frozen=True)
class RevisionRow:
    post_id: int
    number: int
    content_hash: str
    document: str
    warnings: str
    source: str
    created_at: dt.datetime
    review_state: str = RevisionState.PENDING.value
    run_id: int | None = None
    listing: Listing | None = None


@dataclass(frozen=True)
class NewPost:
    ref: str
    slug: str
    title: str
    content_hash: str


@dataclass(frozen=True)
class NewRevision:
    post_id: int
    number: int
    content_hash: str
    document: str
    warnings: str
    source: str
    facets: tuple[tuple[str, str], ...] = ()
    # What the review queue sorts and shows it by; None: read from ``document`` here (the
    # importer passes them, computed while it held the parsed document).
    queue: QueueKeys | None = None
    # Its card and terms once live (``content.card.listing``); None: computed at approval.
    listing: Listing | None = None


def _queue_of(r: NewRevision) -> tuple[QueueKeys, tuple[tuple[str, str], ...]]:
    """The revision's queue keys and facets (with its source facets, when it had no keys)."""
    if r.queue is not None:
        return r.queue, r.facets
    data = json.loads(r.document)
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    extra = tuple(f for f in source_facets(meta) if f not in r.facets)
    return queue_keys(str(data.get("title", "")), meta), (*r.facets, *extra)


def _post(row: Any) -> PostRow:
    return PostRow(
        row.id,
        row.ref,
        row.slug,
        row.status,
        row.title,
        row.current_revision,
        row.content_hash,
        row.created_at,
        row.updated_at,
        row.live_revision,
        row.published_at,
    )


_IN_CHUNK = 500  # stay well below every database's bound-parameter limit


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(values), _IN_CHUNK):
        yield values[i : i + _IN_CHUNK]


def by_refs(conn: Connection, refs: Sequence[str], *, lock: bool = False) -> dict[str, PostRow]:
    """Posts by reference; with ``lock``, rows are locked in reference order (PostgreSQL
    ``FOR UPDATE``; SQLite's write transaction already excludes other writers), so that
    concurrent importers of overlapping inputs queue instead of deadlocking."""
    found: dict[str, PostRow] = {}
    for chunk in _chunks(sorted(refs) if lock else refs):
        query = sa.select(posts).where(posts.c.ref.in_(chunk))
        if lock:
            query = query.order_by(posts.c.ref).with_for_update()
        for row in conn.execute(query):
            found[row.ref] = _post(row)
    return found


def taken_slugs(conn: Connection, slugs: Sequence[str]) -> set[str]:
    taken: set[str] = set()
    for chunk in _chunks(slugs):
        taken.update(conn.scalars(sa.select(posts.c.slug).where(posts.c.slug.in_(chunk))))
    return taken


def slugs_like(conn: Connection, prefix: str) -> set[str]:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = sa.select(posts.c.slug).where(posts.c.slug.like(escaped + "%", escape="\\"))
    return set(conn.scalars(query))


def insert_posts(conn: Connection, rows: Sequence[NewPost]) -> dict[str, int]:
    """Insert new posts (revision 1, pending review); return their ids by ref."""
    if not rows:
        return {}
    stamp = now()
    conn.execute(
        posts.insert(),
        [
            {
                "ref": r.ref,
                "slug": r.slug,
                "status": PostStatus.PENDING_REVIEW.value,
                "title": r.title,
                "current_revision": 1,
                "content_hash": r.content_hash,
                "created_at": stamp,
                "updated_at": stamp,
            }
            for r in rows
        ],
    )
    return ids_by_refs(conn, [r.ref for r in rows])


def ids_by_refs(conn: Connection, refs: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(refs):
        query = sa.select(posts.c.ref, posts.c.id).where(posts.c.ref.in_(chunk))
        found.update(conn.execute(query).all())
    return found


def set_current(conn: Connection, updates: Iterable[tuple[int, int, str, str]]) -> None:
    """Point posts at a new current revision: (post id, number, title, content hash)."""
    rows = [
        {"b_id": pid, "b_num": num, "b_title": title, "b_hash": digest, "b_at": now()}
        for pid, num, title, digest in updates
    ]
    if not rows:
        return
    stmt = (
        posts.update()
        .where(posts.c.id == sa.bindparam("b_id"))
        .values(
            # New content of a post that has nothing live goes back to review.
            status=sa.case(
                (posts.c.live_revision.is_(None), PostStatus.PENDING_REVIEW.value),
                else_=posts.c.status,
            ),
            current_revision=sa.bindparam("b_num"),
            title=sa.bindparam("b_title"),
            content_hash=sa.bindparam("b_hash"),
            updated_at=sa.bindparam("b_at"),
        )
    )
    conn.execute(stmt, rows)


def insert_revisions(conn: Connection, rows: Sequence[NewRevision], run_id: int | None) -> None:
    if not rows:
        return
    stamp = _stamp(conn)
    queued = [(r, *_queue_of(r)) for r in rows]
    bulk_insert(
        conn,
        revisions,
        (
            "post_id",
            "number",
            "content_hash",
            "document",
            "warnings",
            "source",
            "run_id",
            "created_at",
            "review_state",
            "title",
            "score",
            "scores",
            "origin",
            "listing_card",
            "listing_terms",
        ),
        [
            (
                r.post_id,
                r.number,
                r.content_hash,
                r.document,
                r.warnings,
                r.source,
                run_id,
                stamp,
                RevisionState.PENDING.value,
                keys.title,
                keys.score,
                keys.scores,
                keys.origin,
                r.listing.card if r.listing else None,
                r.listing.terms if r.listing else None,
            )
            for r, keys, _ in queued
        ],
    )
    facets = [(r.post_id, r.number, kind, value) for r, _, fs in queued for kind, value in fs]
    if facets:
        bulk_insert(conn, revision_facets, ("post_id", "number", "kind", "value"), facets)


def _stamp(conn: Connection) -> Any:
    """``now()`` as the driver stores it: SQLAlchemy's SQLite text form, else a datetime."""
    stamp = now()
    if conn.dialect.name == "sqlite":
        return stamp.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return stamp


def find(conn: Connection, ref_or_slug: str, *, lock: bool = False) -> PostRow | None:
    """The post with that reference (else slug). ``lock``: its row stays locked until the
    transaction ends (PostgreSQL ``FOR UPDATE``; a SQLite write transaction already holds
    the database), so two writes on one post run one after the other and the second sees
    what the first did."""
    query = sa.select(posts).where(sa.or_(posts.c.ref == ref_or_slug, posts.c.slug == ref_or_slug))
    query = query.order_by((posts.c.ref == ref_or_slug).desc()).limit(1)
    row = conn.execute(query.with_for_update() if lock else query).first()
    return _post(row) if row is not None else None


def documents(
    conn: Connection,
    ids: Sequence[int],
    which: str = "current_revision",
    where: sa.ColumnElement[bool] | None = None,
) -> dict[int, str]:
    """Each post's document (canonical JSON) at ``which`` (``current_revision`` or
    ``live_revision``), by post id; posts without one, or failing ``where``, are absent."""
    found: dict[int, str] = {}
    number = posts.c[which]
    for i in range(0, len(ids), _IN_CHUNK):
        query = (
            sa.select(posts.c.id, revisions.c.document)
            .join(
                revisions, sa.and_(revisions.c.post_id == posts.c.id, revisions.c.number == number)
            )
            .where(posts.c.id.in_(ids[i : i + _IN_CHUNK]))
        )
        if where is not None:
            query = query.where(where)
        found.update({row.id: row.document for row in conn.execute(query)})
    return found


def by_id(conn: Connection, post_id: int) -> PostRow | None:
    row = conn.execute(sa.select(posts).where(posts.c.id == post_id)).first()
    return _post(row) if row is not None else None


def _revision(row: Any) -> RevisionRow:
    return RevisionRow(
        row.post_id,
        row.number,
        row.content_hash,
        row.document,
        row.warnings,
        row.source,
        row.created_at,
        row.review_state,
        row.run_id,
        stored_listing(row.listing_card, row.listing_terms),
    )


def stored_listing(card: str | None, terms: str | None) -> Listing | None:
    """A revision's kept listing parts (None when it was stored before they were kept)."""
    return Listing(card, terms) if card is not None and terms is not None else None


def revision(conn: Connection, post_id: int, number: int) -> RevisionRow | None:
    query = sa.select(revisions).where(revisions.c.post_id == post_id, revisions.c.number == number)
    row = conn.execute(query).first()
    return _revision(row) if row is not None else None


def history(conn: Connection, post_id: int) -> list[RevisionRow]:
    query = sa.select(revisions).where(revisions.c.post_id == post_id).order_by(revisions.c.number)
    return [_revision(row) for row in conn.execute(query)]


def iter_current(conn: Connection, batch: int = 1000) -> Iterator[tuple[PostRow, str]]:
    """Every post with its current document, in id order, a batch of rows at a time."""
    last = 0
    while True:
        query = (
            sa.select(posts, revisions.c.document)
            .join(
                revisions,
                sa.and_(
                    revisions.c.post_id == posts.c.id,
                    revisions.c.number == posts.c.current_revision,
                ),
            )
            .where(posts.c.id > last)
            .order_by(posts.c.id)
            .limit(batch)
        )
        rows = conn.execute(query).all()
        if not rows:
            return
        for row in rows:
            yield _post(row), row.document
        last = rows[-1].id


def count(conn: Connection) -> int:
    return int(conn.scalar(sa.select(sa.func.count()).select_from(posts)) or 0)
