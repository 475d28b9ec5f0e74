"""Read queries for what readers may see: only live (approved) revisions, never anything else."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alphanode.store.live import is_live
from alphanode.store.schema import post_terms, post_views, posts, revisions


@dataclass(frozen=True)
class LiveCard:
    post_id: int
    ref: str
    slug: str
    published_at: dt.datetime
    updated_at: dt.datetime
    card: dict[str, Any]


@dataclass(frozen=True)
class LivePost:
    post_id: int
    ref: str
    slug: str
    revision: int
    published_at: dt.datetime
    updated_at: dt.datetime
    document: str


def _card(row: Any) -> LiveCard:
    return LiveCard(
        row.id, row.ref, row.slug, row.published_at, row.updated_at, json.loads(row.live_card)
    )


_CARD_COLUMNS = (
    posts.c.id,
    posts.c.ref,
    posts.c.slug,
    posts.c.published_at,
    posts.c.updated_at,
    posts.c.live_card,
)


def _of_term(query: Any, kind: str, term: str) -> Any:
    """Read from the term's rows in ``post_terms``, each post by key."""
    return query.select_from(post_terms.join(posts, posts.c.id == post_terms.c.post_id)).where(
        post_terms.c.kind == kind, post_terms.c.term == term, is_live(by_status=False)
    )


def cards(
    conn: Connection,
    *,
    offset: int = 0,
    limit: int = 20,
    kind: str | None = None,
    term: str | None = None,
    walk: bool = False,
) -> list[LiveCard]:
    """Live posts, newest first.

    A term's posts are read one of two ways. By default from the term's rows in
    ``post_terms``, each post by key, sorted (cost: the term's posts, whatever the page).
    With ``walk``, the live posts newest first (``ix_posts_live``), each checked for the
    term by post_terms' primary key until the page is full (cost: about ``(offset + limit)
    * live posts / the term's posts``): far less for a common term's first pages. The caller,
    which knows both counts, picks the cheaper (``services.site.listing``).
    """
    query = sa.select(*_CARD_COLUMNS)
    if kind is None:
        query = query.where(is_live())
    elif walk:
        query = query.where(
            is_live(),
            sa.select(post_terms.c.post_id)
            .where(
                post_terms.c.post_id == posts.c.id,
                post_terms.c.kind == kind,
                post_terms.c.term == term,
            )
            .exists(),
        )
    else:
        query = _of_term(query, kind, term or "")
    query = query.order_by(posts.c.published_at.desc(), posts.c.id.desc())
    return [_card(r) for r in conn.execute(query.offset(offset).limit(limit))]


def count(conn: Connection, kind: str | None = None, term: str | None = None) -> int:
    """Live posts (of one term, when ``kind`` is given): visits each of them (see
    ``services.live_counts`` for the kept counts)."""
    query = sa.select(sa.func.count())
    if kind is None:
        query = query.select_from(posts).where(is_live())
    else:
        query = _of_term(query, kind, term or "")
    return int(conn.scalar(query) or 0)


def term_label(conn: Connection, kind: str, term: str) -> str | None:
    query = sa.select(post_terms.c.label).where(
        post_terms.c.kind == kind, post_terms.c.term == term
    )
    return conn.scalar(query.limit(1))


def live_post(
    conn: Connection, *, slug: str | None = None, ref: str | None = None
) -> LivePost | None:
    query = (
        sa.select(
            posts.c.id,
            posts.c.ref,
            posts.c.slug,
            posts.c.live_revision,
            posts.c.published_at,
            posts.c.updated_at,
            revisions.c.document,
        )
        .join(
            revisions,
            sa.and_(revisions.c.post_id == posts.c.id, revisions.c.number == posts.c.live_revision),
        )
        .where(is_live())
    )
    query = (
        query.where(posts.c.slug == slug) if slug is not None else query.where(posts.c.ref == ref)
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    return LivePost(
        row.id, row.ref, row.slug, row.live_revision, row.published_at, row.updated_at, row.document
    )


def sitemap(conn: Connection, limit: int = 50_000) -> list[tuple[str, dt.datetime]]:
    query = (
        sa.select(posts.c.slug, posts.c.updated_at)
        .where(is_live())
        .order_by(posts.c.published_at.desc())
        .limit(limit)
    )
    return [(r.slug, r.updated_at) for r in conn.execute(query)]


def terms_of(conn: Connection, post_id: int) -> list[tuple[str, str, str]]:
    query = sa.select(post_terms.c.kind, post_terms.c.term, post_terms.c.label).where(
        post_terms.c.post_id == post_id
    )
    return [(r.kind, r.term, r.label) for r in conn.execute(query)]


def cards_by_ids(conn: Connection, ids: Sequence[int]) -> dict[int, LiveCard]:
    """The live posts among ``ids`` (a page of search hits, a Similar Posts list).

    The rows are found by primary key alone and the live rule is read as a column: with
    ``is_live()`` in the WHERE clause, SQLite (no statistics) took ``ix_posts_live
    (status=?)`` over the keys once more than three ids were asked for, and visited every
    approved post of the site (5-8 ms per article page and per search page at 100,000 posts).
    """
    if not ids:
        return {}
    query = sa.select(*_CARD_COLUMNS, is_live().label("live")).where(posts.c.id.in_(list(ids)))
    return {r.id: _card(r) for r in conn.execute(query) if r.live}


def most_read(conn: Connection, *, since: dt.date, limit: int) -> list[tuple[LiveCard, int]]:
    """Live posts by the views counted on ``since`` and later, most first (ties: newest first).

    Posts that are not live (pending, rejected, retracted) keep their counted views but never
    rank: the live filter is applied after the views are summed.
    """
    counted = (
        sa.select(post_views.c.post_id, sa.func.sum(post_views.c.views).label("views"))
        .where(post_views.c.day >= since)
        .group_by(post_views.c.post_id)
        .subquery()
    )
    query = (
        sa.select(*_CARD_COLUMNS, counted.c.views)
        .select_from(posts.join(counted, counted.c.post_id == posts.c.id))
        .where(is_live())
        .order_by(counted.c.views.desc(), posts.c.published_at.desc(), posts.c.id.desc())
        .limit(limit)
    )
    return [(_card(r), int(r.views)) for r in conn.execute(query)]
