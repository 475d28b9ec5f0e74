"""Shared site state (the content version) and counted views."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from alphanode.store.schema import post_views, posts, site_state

CONTENT_VERSION = "content_version"
VIEWS_VERSION = "views_version"


def content_version(conn: Connection) -> int:
    value = conn.scalar(sa.select(site_state.c.value).where(site_state.c.key == CONTENT_VERSION))
    return int(value or 0)


def last_post_change(conn: Connection) -> dt.datetime | None:
    """When any post last changed (approval and retraction stamp ``updated_at``): an upper
    bound on when public content last changed, for a worker that has just started."""
    value = conn.scalar(sa.select(sa.func.max(posts.c.updated_at)))
    if isinstance(value, str):  # SQLite hands back an aggregate's datetime as text
        value = dt.datetime.fromisoformat(value)
    return value if isinstance(value, dt.datetime) else None


def views_version(conn: Connection) -> int:
    """Moves with every write of counted views (``add_views``): what a kept ranking follows."""
    value = conn.scalar(sa.select(site_state.c.value).where(site_state.c.key == VIEWS_VERSION))
    return int(value or 0)


def _bump(conn: Connection, key: str) -> None:
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(site_state)
    conn.execute(
        insert.values(key=key, value=1).on_conflict_do_update(
            index_elements=[site_state.c.key], set_={"value": site_state.c.value + 1}
        )
    )


def bump_content_version(conn: Connection) -> None:
    """Public content changed: every process drops its cached pages on its next check."""
    _bump(conn, CONTENT_VERSION)


def add_views(conn: Connection, by_slug: Mapping[str, int], day: dt.date) -> int:
    """Add counted views (one statement per post); returns how many posts were updated."""
    if not by_slug:
        return 0
    query = sa.select(posts.c.slug, posts.c.id).where(posts.c.slug.in_(list(by_slug)))
    ids: dict[str, int] = dict(conn.execute(query).all())
    rows = [{"post_id": ids[s], "day": day, "views": n} for s, n in by_slug.items() if s in ids]
    if not rows:
        return 0
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(post_views)
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=[post_views.c.post_id, post_views.c.day],
            set_={"views": post_views.c.views + insert.excluded.views},
        ),
        rows,
    )
    _bump(conn, VIEWS_VERSION)  # one per batch (a worker's flush), not per post
    return len(rows)


# Built once (a SQL expression, not state): every article request reads it.
_VIEWS_OF = sa.select(sa.func.coalesce(sa.func.sum(post_views.c.views), 0)).where(
    post_views.c.post_id == sa.bindparam("post_id")
)


def views_of(conn: Connection, post_id: int) -> int:
    return int(conn.scalar(_VIEWS_OF, {"post_id": post_id}) or 0)


def views_by_ref(conn: Connection, refs: Sequence[str]) -> dict[str, int]:
    """Counted views of all time for each post reference asked for (0 when none were counted)."""
    if not refs:
        return {}
    query = (
        sa.select(posts.c.ref, sa.func.sum(post_views.c.views))
        .select_from(posts.join(post_views, post_views.c.post_id == posts.c.id))
        .where(posts.c.ref.in_(list(refs)))
        .group_by(posts.c.ref)
    )
    found = {ref: int(n or 0) for ref, n in conn.execute(query)}
    return {ref: found.get(ref, 0) for ref in refs}
