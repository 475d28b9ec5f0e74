"""Consistent copies of the database: SQLite's online backup API, pg_dump for PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from alphanode.errors import StoreError
from alphanode.store.schema import posts, revisions


def sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        raise StoreError("this is not a SQLite database file", "sqlite:///path/to/file.db")
    return Path(database)


def _read_only(path: Path) -> str:
    # as_uri() escapes "?", "#" and "%" in the path, which SQLite would otherwise parse.
    return path.resolve().as_uri() + "?mode=ro"


def sqlite_copy(source: Path, target: Path) -> None:
    """Copy a live SQLite database in one step: one consistent snapshot, writers go on (WAL).

    The copy is left in rollback-journal mode: one self-contained file, which a read-only
    reader can open without writing -wal/-shm files beside it.
    """
    src = sqlite3.connect(_read_only(source), uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # a backup is one self-contained file
    finally:
        dst.close()
        src.close()


def sqlite_stage(source: Path, target: Path) -> None:
    """Copy a backup file byte for byte, to be read and checked there instead.

    Opening a SQLite file, even read-only, can write beside it: a file in WAL mode (as
    backups from earlier versions are) gets -wal and -shm files. A backup must stay as it was.
    """
    shutil.copyfile(source, target)


def sqlite_reader(path: Path) -> Engine:
    """An engine that only reads ``path`` (a file not in WAL mode, such as ``sqlite_copy``'s).

    Not ``connect()``: that switches the file to WAL mode, a write.
    """
    uri = _read_only(path)
    return sa.create_engine(
        "sqlite://",
        creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
        poolclass=sa.pool.NullPool,
    )


def sqlite_integrity(path: Path) -> list[str]:
    """SQLite's integrity_check of a file, read-only: the problems found (none: ``[]``)."""
    if not path.is_file():
        return [f"{path} does not exist"]
    try:
        con = sqlite3.connect(_read_only(path), uri=True)
        try:
            rows = con.execute("PRAGMA integrity_check").fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]  # callers name the file (it may be a staged copy of the one meant)
    return [] if rows == [("ok",)] else [str(r[0]) for r in rows]


def _pg_tool(name: str, url: str, args: list[str], expected: str) -> None:
    """Run PostgreSQL's ``name`` against ``url``; the password goes in PGPASSWORD, never in
    the command line (where other users of the machine could read it)."""
    tool = shutil.which(name)
    if tool is None:
        raise StoreError(f"{name} is not installed", "PostgreSQL's client tools on PATH")
    parsed = sa.engine.make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    libpq = parsed.set(drivername="postgresql", password=None).render_as_string(False)
    result = subprocess.run(  # noqa: S603 - fixed tool, URL passed as one argument
        [tool, *args, f"--dbname={libpq}"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if result.returncode != 0:
        raise StoreError(f"{name} failed: {result.stderr.strip()}", expected)


def pg_dump(url: str, target: Path) -> None:
    _pg_tool(
        "pg_dump",
        url,
        ["--format=custom", "--no-owner", f"--file={target}"],
        "a reachable database",
    )


def pg_restore(url: str, source: Path) -> None:
    _pg_tool(
        "pg_restore",
        url,
        ["--clean", "--if-exists", "--no-owner", str(source)],
        "a valid pg_dump file",
    )


@dataclass(frozen=True)
class Consistency:
    posts: int
    revisions: int
    missing_current: int  # posts whose current revision row does not exist
    missing_live: int  # posts whose live revision row does not exist

    @property
    def ok(self) -> bool:
        return self.missing_current == 0 and self.missing_live == 0


def consistency(conn: Connection) -> Consistency:
    def missing(column: sa.ColumnElement[int]) -> int:
        query = (
            sa.select(sa.func.count())
            .select_from(posts)
            .where(
                column.is_not(None),
                ~sa.exists().where(revisions.c.post_id == posts.c.id, revisions.c.number == column),
            )
        )
        return int(conn.scalar(query) or 0)

    return Consistency(
        int(conn.scalar(sa.select(sa.func.count()).select_from(posts)) or 0),
        int(conn.scalar(sa.select(sa.func.count()).select_from(revisions)) or 0),
        missing(posts.c.current_revision),
        missing(posts.c.live_revision),
    )
