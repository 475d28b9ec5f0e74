"""The search outbox: what the index and similar posts must catch up with, in order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alphanode.content.states import SearchAction
from alphanode.store import posts as posts_store
from alphanode.store.live import is_live
from alphanode.store.posts import now
from alphanode.store.schema import posts, search_changes, search_outbox


@dataclass(frozen=True)
class Entry:
    id: int
    post_id: int
    action: str


def enqueue(conn: Connection, post_id: int, action: str) -> None:
    """Called inside the transaction that changes what is public (so both commit or neither)."""
    enqueue_many(conn, [post_id], action, now())


def enqueue_many(
    conn: Connection, post_ids: Sequence[int], action: str, stamp: dt.datetime
) -> None:
    """One outbox row and one search change-log row per post, in the caller's transaction:
    the outbox is drained once (index, Similar Posts), the log is followed by every host that
    keeps its own index (store/changes.py)."""
    if not post_ids:
        return
    value = SearchAction(action).value
    conn.execute(
        search_outbox.insert(),
        [{"post_id": p, "action": value, "created_at": stamp} for p in post_ids],
    )
    conn.execute(search_changes.insert(), [{"post_id": p, "created_at": stamp} for p in post_ids])


def batch(conn: Connection, limit: int) -> list[Entry]:
    query = sa.select(search_outbox).order_by(search_outbox.c.id).limit(limit)
    return [Entry(r.id, r.post_id, r.action) for r in conn.execute(query)]


def remove_upto(conn: Connection, last_id: int) -> None:
    conn.execute(search_outbox.delete().where(search_outbox.c.id <= last_id))


def pending(conn: Connection) -> int:
    return int(conn.scalar(sa.select(sa.func.count()).select_from(search_outbox)) or 0)


def last_id(conn: Connection) -> int:
    return int(conn.scalar(sa.select(sa.func.max(search_outbox.c.id))) or 0)


def live_ids(conn: Connection) -> list[int]:
    return list(conn.scalars(sa.select(posts.c.id).where(is_live()).order_by(posts.c.id)))


def live_documents(conn: Connection, post_ids: list[int]) -> dict[int, str]:
    """The live revision's document JSON of those posts that are live (the others: absent)."""
    return posts_store.documents(conn, post_ids, "live_revision", is_live())
