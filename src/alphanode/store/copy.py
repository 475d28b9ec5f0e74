"""Copying every table between two databases (SQLite ⇄ PostgreSQL), with checksums."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from alphanode.store.schema import metadata

# Short-lived rows that mean nothing on another server: sign-in sessions and failed attempts;
# and kept page fragments and cards, which a page renders again (its base URL may differ).
SKIPPED = {"sessions", "login_attempts", "alembic_version", "page_fragments", "og_cards"}
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


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """One read transaction: every query in it sees the database as it was at one moment.

    A live site keeps writing (counted views are flushed every few seconds), so a copy and its
    checksums must all come from the same snapshot. SQLite (WAL): one deferred ``BEGIN`` held
    throughout; PostgreSQL: a read-only ``REPEATABLE READ`` transaction, like pg_dump's.
    Writers are never blocked; what they commit after the snapshot is taken is not seen.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with conn.begin():
            # Both take the snapshot at the transaction's first read, not at BEGIN: take it now.
            sqlite = conn.dialect.name == "sqlite"
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master" if sqlite else "SELECT 1")
            yield conn


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


class Checksum:
    """Row count and sha256 of a table's rows, fed in key order, values in one normal form."""

    def __init__(self, table: sa.Table) -> None:
        self.names = [c.name for c in table.columns]
        self.digest = hashlib.sha256()
        self.count = 0

    def add(self, row: dict[str, Any]) -> None:
        values = [_normal(row[n]) for n in self.names]
        self.digest.update(json.dumps(values, default=str).encode())
        self.digest.update(b"\n")
        self.count += 1

    def result(self) -> tuple[int, str]:
        return self.count, self.digest.hexdigest()


def checksum(conn: Connection, table: sa.Table) -> tuple[int, str]:
    """(row count, sha256 of the rows in key order with values in one normal form)."""
    sums = Checksum(table)
    for row in rows(conn, table):
        sums.add(row)
    return sums.result()


def count(conn: Connection, table: sa.Table) -> int:
    return int(conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


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
) -> tuple[int, str]:
    """Copy every row; returns the checksum of the rows read, as ``checksum`` computes it."""
    sums = Checksum(table)
    batch: list[dict[str, Any]] = []
    for row in rows(source, table):
        sums.add(row)
        batch.append(row)
        if len(batch) >= CHUNK:
            target.execute(table.insert(), batch)
            progress(len(batch))
            batch = []
    if batch:
        target.execute(table.insert(), batch)
        progress(len(batch))
    return sums.result()


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
