"""Opening the database: one engine per process, SQLite tuned for a web site, PostgreSQL as is."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from alphanode.errors import StoreError
from alphanode.settings import Settings

_WRITE = "alphanode_write"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as psycopg 3 URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def connect(settings: Settings) -> Engine:
    """Create the engine for ``settings.database_url`` (nothing is created at import time)."""
    url = normalise_url(settings.database_url)
    try:
        # Behind PgBouncer in transaction mode a prepared statement may meet another server
        # connection that never saw it: psycopg's automatic preparing can be switched off.
        prepared = (
            url.startswith("postgresql+psycopg") and not settings.postgres_prepared_statements
        )
        args = {"connect_args": {"prepare_threshold": None}} if prepared else {}
        engine = sa.create_engine(url, **args)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise StoreError(
            f"database_url {url!r} cannot be used: {exc}",
            "sqlite:///path/to/alphanode.db or postgresql://user@host/dbname",
            code="AN-STORE-002",
        ) from None
    if is_sqlite(engine):
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN, so that writers can ask for
        # BEGIN IMMEDIATE and never fail half-way with "database is locked" on upgrade.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction (SQLite: BEGIN IMMEDIATE, so concurrent writers queue cleanly)."""
    with engine.connect() as conn:
        conn = conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn


@contextmanager
def unchecked(engine: Engine) -> Iterator[Connection]:
    """A write transaction in which SQLite does not enforce foreign keys, for a bulk job
    that keeps them true itself (PostgreSQL: an ordinary write transaction).

    - Emptying tables that no foreign key refers to: SQLite empties a table at once
      ("truncate") only while it does not enforce foreign keys; enforcing them, it deletes
      row by row, maintaining every index (20 s against 1.3 s for Similar Posts' tables at
      20,000 posts). A row no key refers to breaks no key when deleted.
    - Loading millions of rows whose parent rows were just read: enforcing the keys looks
      each parent up in turn, all over its table; the job removes, once loaded, the rows of
      any parent deleted meanwhile (``store.similar.restore_term_indexes``)."""
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection if is_sqlite(engine) else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")  # outside a transaction: ignored inside
        try:
            with conn.execution_options(**{_WRITE: True}).begin():
                yield conn
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn


_RETRY_PGCODES = {"40P01", "40001", "23505"}  # deadlock, serialization failure, unique


def is_retryable(exc: BaseException) -> bool:
    """A write that lost a race with another writer; the whole transaction can be run again."""
    if isinstance(exc, sa.exc.IntegrityError):
        code = getattr(getattr(exc, "orig", None), "sqlstate", None)
        return code is None or code in _RETRY_PGCODES
    if isinstance(exc, sa.exc.OperationalError):
        orig = getattr(exc, "orig", None)
        code = getattr(orig, "sqlstate", None)
        return code in _RETRY_PGCODES or "database is locked" in str(orig)
    return False


def bulk_insert(
    conn: Connection, table: sa.Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """executemany straight to the driver: the import's hot path, where SQLAlchemy's
    per-row parameter processing costs a quarter of the writer's time."""
    if conn.dialect.name == "postgresql":
        # COPY: PostgreSQL's bulk path, several times faster than row-by-row inserts.
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.close()
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "  # noqa: S608 - names from our schema
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    conn.exec_driver_sql(sql, rows)
