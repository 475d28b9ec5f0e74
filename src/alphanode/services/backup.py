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
from alphanode.settings import Settings
from alphanode.store import backup as store
from alphanode.store import migrate
from alphanode.store.engine import connect, is_sqlite, reading

log = logging.getLogger("alphanode.backup")


class BackupError(AlphanodeError):
    code = "AN-BACKUP-001"
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


def check(engine: Engine) -> Report:
    """Integrity (SQLite), migration state, and that every post's revisions exist."""
    problems: list[str] = []
    if is_sqlite(engine):
        problems += store.sqlite_integrity(store.sqlite_path(engine))
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
    url = engine.url.render_as_string(hide_password=True)
    return Report(not problems, url, current, head, counts.posts, counts.revisions, problems)


def backup(engine: Engine, target: Path, force: bool = False) -> Report:
    """A consistent copy while the site serves and imports; verified before it is reported."""
    if target.exists() and not force:
        raise UsageError(f"{target} exists", "a new file name, or --force to overwrite")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    if is_sqlite(engine):
        store.sqlite_copy(store.sqlite_path(engine), partial)
        copy = connect(Settings.load(env={}, database_url=f"sqlite:///{partial}"))
        report = check(copy)
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
        problems = store.sqlite_integrity(source)
        if problems:
            raise BackupError(f"{source} is damaged: {problems[0]}", "an intact backup file")
        target = store.sqlite_path(engine)
        engine.dispose()
        with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
            staged = Path(tmp) / "restore.db"
            store.sqlite_copy(source, staged)
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
