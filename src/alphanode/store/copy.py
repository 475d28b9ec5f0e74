"""Copying every table between two databases (SQLite ⇄ PostgreSQL), with checksums."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alphanode.store.schema import metadata

# Short-lived rows that mean nothing on another server: sign-in sessions and failed attempts.
SKIPPED = {"sessions", "login_attempts", "alembic_version"}
CHUNK = 2000


def tables() -> list[sa.Table]:
    """Every table to copy, parents before children."""
    return [t for t in metadata.sorted_tables if t.name not in SKIPPED]


def _normal(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, bytes | memoryview):  # psycopg gives BYTEA as memoryview
        return bytes(value).hex()
    return value


def rows(conn: Connection, table: sa.Table) -> Iterator[dict[str, Any]]:
    """All rows in primary-key order, a chunk at a time."""
    key = list(table.primary_key.columns)
    offset = 0
    while True:
        query = sa.select(table).order_by(*key).offset(offset).limit(CHUNK)
        chunk = [dict(r._mapping) for r in conn.execute(query)]
        if not chunk:
            return
        yield from chunk
        offset += len(chunk)


def checksum(conn: Connection, table: sa.Table) -> tuple[int, str]:
    """(row count, sha256 of the rows in key order with values in one normal form)."""
    digest = hashlib.sha256()
    count = 0
    names = [c.name for c in table.columns]
    for row in rows(conn, table):
        digest.update(json.dumps([_normal(row[n]) for n in names], default=str).encode())
        digest.update(b"\n")
        count += 1
    return count, digest.hexdigest()


def is_empty(conn: Connection) -> bool:
    existing = set(sa.inspect(conn).get_table_names())
    for table in tables():
        if table.name in existing and conn.scalar(sa.select(sa.func.count()).select_from(table)):
            return False
    return True


def clear(conn: Connection) -> None:
    for table in reversed(metadata.sorted_tables):
        if table.name != "alembic_version":
            conn.execute(table.delete())


def copy_table(
    source: Connection, target: Connection, table: sa.Table, progress: Callable[[int], None]
) -> int:
    batch: list[dict[str, Any]] = []
    copied = 0
    for row in rows(source, table):
        batch.append(row)
        if len(batch) >= CHUNK:
            target.execute(table.insert(), batch)
            copied += len(batch)
            progress(len(batch))
            batch = []
    if batch:
        target.execute(table.insert(), batch)
        copied += len(batch)
        progress(len(batch))
    return copied


def reset_sequences(conn: Connection) -> None:
    """After explicit ids were inserted, PostgreSQL's sequences must continue above them."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables():
        key = list(table.primary_key.columns)
        if len(key) == 1 and isinstance(key[0].type, sa.Integer) and key[0].autoincrement:
            top = conn.scalar(sa.select(sa.func.max(key[0])))
            sequence = sa.func.pg_get_serial_sequence(table.name, key[0].name)
            conn.execute(sa.select(sa.func.setval(sequence, (top or 0) + 1, False)))
