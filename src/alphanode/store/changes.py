"""The search change log: ordered rows naming posts whose public state changed.

Written with the outbox (``outbox.enqueue_many``, same transaction); read by each host that
keeps its own search index (services/follower.py), from its own position; pruned by age.
``pruned_upto`` (in ``site_state``) is the highest id pruning ever deleted: a host whose
position is below it may have missed rows and rebuilds from the live posts instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from alphanode.store.schema import search_changes, site_state
from alphanode.store.search import IndexBusy

PRUNED_UPTO = "search_changes_pruned"
_DRAIN_LOCK_KEY = 7_220_514_002  # pg_advisory_lock key: one host drains the outbox at a time


@dataclass(frozen=True)
class Change:
    id: int
    post_id: int
    created_at: dt.datetime | None


def _change(row: sa.Row[Any, Any, Any]) -> Change:
    stamp = row.created_at
    if isinstance(stamp, str):  # SQLite may hand back text
        stamp = dt.datetime.fromisoformat(stamp)
    if isinstance(stamp, dt.datetime) and stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return Change(int(row.id), int(row.post_id), stamp if isinstance(stamp, dt.datetime) else None)


_COLUMNS = (search_changes.c.id, search_changes.c.post_id, search_changes.c.created_at)


def after(conn: Connection, position: int, limit: int) -> list[Change]:
    """The rows after ``position``, in order, at most ``limit``."""
    query = (
        sa.select(*_COLUMNS)
        .where(search_changes.c.id > position)
        .order_by(search_changes.c.id)
        .limit(limit)
    )
    return [_change(r) for r in conn.execute(query)]


def ids_after(conn: Connection, position: int, upto: int) -> Iterator[int]:
    """The ids after ``position`` up to ``upto`` that are in the log now, in order."""
    query = (
        sa.select(search_changes.c.id)
        .where(search_changes.c.id > position, search_changes.c.id <= upto)
        .order_by(search_changes.c.id)
    )
    return (int(i) for i in conn.scalars(query))


def named(conn: Connection, ids: Sequence[int]) -> list[Change]:
    """Those of ``ids`` that are in the log now (gaps that have since committed)."""
    if not ids:
        return []
    query = sa.select(*_COLUMNS).where(search_changes.c.id.in_(list(ids)))
    return [_change(r) for r in conn.execute(query.order_by(search_changes.c.id))]


def end(conn: Connection) -> int:
    """The log's last id (0 when empty)."""
    return int(conn.scalar(sa.select(sa.func.max(search_changes.c.id))) or 0)


def pruned_upto(conn: Connection) -> int:
    query = sa.select(site_state.c.value).where(site_state.c.key == PRUNED_UPTO)
    return int(conn.scalar(query) or 0)


def settled_before(conn: Connection, cutoff: dt.datetime) -> int:
    """The last id written before ``cutoff`` (0 if none): where a rebuild starts following
    from, so that rows written around the snapshot are applied again (that is harmless)."""
    query = sa.select(sa.func.max(search_changes.c.id)).where(search_changes.c.created_at < cutoff)
    return int(conn.scalar(query) or 0)


def behind(conn: Connection, position: int) -> tuple[int, dt.datetime | None]:
    """How many rows follow ``position``, and when the first of them was written."""
    count = conn.scalar(
        sa.select(sa.func.count()).select_from(search_changes).where(search_changes.c.id > position)
    )
    first = after(conn, position, 1)
    return int(count or 0), first[0].created_at if first else None


def prune(conn: Connection, cutoff: dt.datetime) -> int:
    """Delete the rows written before ``cutoff`` and raise ``pruned_upto`` to the last of
    them (never lowers it, whoever prunes at the same time); how many rows went."""
    upto = settled_before(conn, cutoff)
    if not upto:
        return 0
    gone = conn.execute(search_changes.delete().where(search_changes.c.id <= upto)).rowcount
    postgres = conn.dialect.name == "postgresql"
    insert = (postgresql.insert if postgres else sqlite.insert)(site_state)
    larger = (sa.func.greatest if postgres else sa.func.max)(site_state.c.value, upto)
    conn.execute(
        insert.values(key=PRUNED_UPTO, value=upto).on_conflict_do_update(
            index_elements=[site_state.c.key], set_={"value": larger}
        )
    )
    return int(gone or 0)


@contextmanager
def drain_lock(engine: Engine) -> Iterator[None]:
    """One host at a time drains the outbox (Similar Posts, the outbox rows) when each host
    has its own index: a PostgreSQL session lock (``IndexBusy`` when another holds it).
    Elsewhere the index writer's own lock is the one lock, so this holds nothing."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": _DRAIN_LOCK_KEY})
        if not got.scalar():
            conn.rollback()
            raise IndexBusy("another host is draining the search outbox", "")
        conn.commit()
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _DRAIN_LOCK_KEY})
            conn.commit()
