"""Backups, restores and health checks of a whole site."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from alphanode.errors import AlphanodeError, UsageError
from alphanode.store import backup as store
from alphanode.store import migrate
from alphanode.store.engine import is_sqlite, reading

log = logging.getLogger("alphanode.backup")


class BackupError(AlphanodeError):
    code = "AN-BACKUP-001"
    exit_code = 1


class MissingDatabase(AlphanodeError):
    """The SQLite file named does not exist (a typo in --db?): checked, never created."""

    code = "AN-CHECK-001"
    exit_code = 1


@dataclass
class Report:
    ok: bool
    database: str
    schema: str | None
    head: str
    posts: int = 0
    revisions: int = 0
    problems: list[str] = field(default_factory=list)
    file: str | None = None
    bytes: int | None = None
    sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _name(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _existing_file(engine: Engine) -> Path:
    """The SQLite database's file, which must exist: opening a missing one would create it."""
    path = store.sqlite_path(engine)
    if not path.is_file():
        raise MissingDatabase(
            f"the SQLite database file {path} does not exist (and was not created)",
            "an existing database file: check the path in --db or ALPHANODE_DATABASE_URL",
        )
    return path


def check(engine: Engine) -> Report:
    """Integrity (SQLite), migration state, and that every post's revisions exist."""
    problems: list[str] = []
    if is_sqlite(engine):
        problems += store.sqlite_integrity(_existing_file(engine))
    return _inspect(engine, _name(engine), problems)


def _inspect(engine: Engine, database: str, problems: list[str]) -> Report:
    current = migrate.current(engine)
    head = migrate.head()
    if current != head:
        problems.append(f"schema at {current or 'base'}, this version expects {head}")
    counts = store.Consistency(0, 0, 0, 0)
    if current is not None:
        with reading(engine) as conn:
            counts = store.consistency(conn)
    if counts.missing_current:
        problems.append(f"{counts.missing_current} posts miss their current revision")
    if counts.missing_live:
        problems.append(f"{counts.missing_live} posts miss their live revision")
    return Report(not problems, database, current, head, counts.posts, counts.revisions, problems)


def backup(engine: Engine, target: Path, force: bool = False, *, upgrade: bool = False) -> Report:
    """A consistent copy while the site serves and imports; verified before it is reported.

    ``upgrade`` brings the schema to head first (the CLI's auto_migrate), but never creates
    a SQLite database that is not there: a backup of an empty one would hide a wrong path.
    """
    if target.exists() and not force:
        raise UsageError(f"{target} exists", "a new file name, or --force to overwrite")
    if is_sqlite(engine):
        _existing_file(engine)
    if upgrade:
        migrate.ensure_current(engine)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    if is_sqlite(engine):
        store.sqlite_copy(store.sqlite_path(engine), partial)
        # Checked read-only, so that it stays one self-contained file (see sqlite_copy);
        # the report names the database backed up, not the file being checked.
        copy = store.sqlite_reader(partial)
        try:
            report = _inspect(copy, _name(engine), store.sqlite_integrity(partial))
        finally:
            copy.dispose()
    else:
        store.pg_dump(engine.url.render_as_string(hide_password=False), partial)
        report = check(engine)
    if not report.ok:
        partial.unlink(missing_ok=True)
        raise BackupError("the copy failed its check: " + "; ".join(report.problems))
    partial.replace(target)
    report.file, report.bytes, report.sha256 = str(target), target.stat().st_size, _sha256(target)
    log.info("backup written: %s (%d bytes, %d posts)", target, report.bytes, report.posts)
    return report


def restore(engine: Engine, source: Path, force: bool = False) -> Report:
    """Replace the site's database with a backup, after checking the backup itself."""
    if not source.is_file():
        raise UsageError(f"{source}: no such backup file", "a file written by alphanode backup")
    if _has_posts(engine) and not force:
        raise UsageError(
            "the target database already holds posts", "an empty database, or --force to replace it"
        )
    if is_sqlite(engine):
        target = store.sqlite_path(engine)
        with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
            # Read and check a copy, never the backup itself (see sqlite_stage).
            staged = Path(tmp) / "restore.db"
            store.sqlite_stage(source, staged)
            problems = store.sqlite_integrity(staged)
            if problems:
                raise BackupError(f"{source} is damaged: {problems[0]}", "an intact backup file")
            engine.dispose()
            for suffix in ("-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
            staged.replace(target)
    else:
        store.pg_restore(engine.url.render_as_string(hide_password=False), source)
    report = check(engine)
    log.info("restored %s: %d posts, ok=%s", source, report.posts, report.ok)
    return report


def _has_posts(engine: Engine) -> bool:
    if "posts" not in sa.inspect(engine).get_table_names():
        return False
    with reading(engine) as conn:
        return bool(conn.scalar(sa.text("SELECT EXISTS (SELECT 1 FROM posts)")))
