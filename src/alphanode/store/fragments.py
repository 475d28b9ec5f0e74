"""Kept page fragments and link-preview cards: the live page's key row, and batched writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alphanode.store.live import is_live
from alphanode.store.schema import og_cards, page_fragments, posts, revisions


@dataclass(frozen=True)
class Parts:
    """One page's kept parts (HTML already escaped where it holds text from the post)."""

    title: str
    head: str
    top: str
    rest: str


@dataclass(frozen=True)
class LivePage:
    """A live post's row for its page, without the document: the fragment kept for it (and
    the key it was kept under) when there is one."""

    post_id: int
    ref: str
    slug: str
    revision: int
    content_hash: str
    published_at: dt.datetime
    updated_at: dt.datetime
    kept_key: str | None
    kept: Parts | None


# Built once (a SQL expression, not state): an article request runs it, and building and
# compiling a Core statement per request cost more than SQLite's own work.
_LIVE_PAGE = (
    sa.select(
        posts.c.id,
        posts.c.ref,
        posts.c.slug,
        posts.c.live_revision,
        posts.c.published_at,
        posts.c.updated_at,
        revisions.c.content_hash,
        page_fragments.c.key,
        page_fragments.c.title,
        page_fragments.c.head,
        page_fragments.c.top,
        page_fragments.c.rest,
    )
    .select_from(
        posts.join(
            revisions,
            sa.and_(
                revisions.c.post_id == posts.c.id,
                revisions.c.number == posts.c.live_revision,
            ),
        ).outerjoin(page_fragments, page_fragments.c.post_id == posts.c.id)
    )
    .where(is_live(), posts.c.slug == sa.bindparam("slug"))
)


def live_page(conn: Connection, slug: str) -> LivePage | None:
    row = conn.execute(_LIVE_PAGE, {"slug": slug}).first()
    if row is None:
        return None
    kept = None if row.key is None else Parts(row.title, row.head, row.top, row.rest)
    return LivePage(
        row.id,
        row.ref,
        row.slug,
        row.live_revision,
        row.content_hash,
        row.published_at,
        row.updated_at,
        row.key,
        kept,
    )


def document(conn: Connection, post_id: int, number: int) -> str | None:
    """A revision's stored document (read only when its fragments must be rendered)."""
    query = sa.select(revisions.c.document).where(
        revisions.c.post_id == post_id, revisions.c.number == number
    )
    return conn.scalar(query)


def save(conn: Connection, kept: Sequence[tuple[int, str, Parts]]) -> int:
    """Keep each (post id, key, parts), replacing what the post had; posts deleted meanwhile
    are skipped. Returns the rows written."""
    if not kept:
        return 0
    ids = sorted({post_id for post_id, _, _ in kept})
    existing = set(conn.scalars(sa.select(posts.c.id).where(posts.c.id.in_(ids))))
    latest = {post_id: (key, parts) for post_id, key, parts in kept if post_id in existing}
    if not latest:
        return 0
    now = dt.datetime.now(dt.UTC)
    conn.execute(page_fragments.delete().where(page_fragments.c.post_id.in_(list(latest))))
    rows: list[dict[str, Any]] = [
        {
            "post_id": post_id,
            "key": key,
            "title": parts.title,
            "head": parts.head,
            "top": parts.top,
            "rest": parts.rest,
            "created_at": now,
        }
        for post_id, (key, parts) in latest.items()
    ]
    conn.execute(page_fragments.insert(), rows)
    return len(rows)


def card(conn: Connection, slug: str, version: str) -> bytes | None:
    """A post's kept card drawn by drawing ``version`` (None: not kept, or drawn by another)."""
    query = sa.select(og_cards.c.png).where(og_cards.c.slug == slug, og_cards.c.version == version)
    found = conn.scalar(query)
    return None if found is None else bytes(found)


def save_cards(conn: Connection, cards: Sequence[tuple[str, str, bytes]]) -> int:
    """Keep each (slug, version, png) whose slug is a post's (a card asked for an unknown slug
    is drawn but never kept, so requests cannot fill the table)."""
    if not cards:
        return 0
    slugs = sorted({slug for slug, _, _ in cards})
    known = set(conn.scalars(sa.select(posts.c.slug).where(posts.c.slug.in_(slugs))))
    latest = {slug: (version, png) for slug, version, png in cards if slug in known}
    if not latest:
        return 0
    conn.execute(og_cards.delete().where(og_cards.c.slug.in_(list(latest))))
    conn.execute(
        og_cards.insert(),
        [{"slug": s, "version": v, "png": png} for s, (v, png) in latest.items()],
    )
    return len(latest)
