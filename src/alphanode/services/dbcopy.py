"""Moving a whole site between databases (SQLite ⇄ PostgreSQL), verified by checksums."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from alphanode.errors import AlphanodeError, UsageError
from alphanode.store import copy as store
from alphanode.store import migrate
from alphanode.store.backup import sqlite_path
from alphanode.store.engine import is_sqlite, reading, writing

log = logging.getLogger("alphanode.dbcopy")


class CopyError(AlphanodeError):
    code = "AN-COPY-001"
    exit_code = 1


@dataclass
class CopyReport:
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return all(t["match"] for t in self.tables.values())

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "rows": self.rows, "tables": self.tables}


def check_source(source: Engine) -> None:
    """A source worth copying: it exists (opening a missing SQLite file would create it) and
    its schema is this version's."""
    if is_sqlite(source) and not sqlite_path(source).is_file():
        raise UsageError(
            f"the source database file {sqlite_path(source)} does not exist (and was not created)",
            "--from naming an existing database",
        )
    current = migrate.current(source)
    if current != migrate.head():
        raise UsageError(
            f"the source schema is at {current or 'base'}",
            f"a source at {migrate.head()} (run alphanode db upgrade on it first)",
        )


def total_rows(engine: Engine) -> int:
    """How many rows a copy will move (for a progress bar: the site may change meanwhile)."""
    with reading(engine) as conn:
        return sum(store.count(conn, t) for t in store.tables())


def copy(
    source: Engine,
    target: Engine,
    *,
    force: bool = False,
    progress: Callable[[int], None] = lambda n: None,
) -> CopyReport:
    """Copy every table (sessions and sign-in attempts excepted), then compare checksums.

    The source may be a live site: every table is read, and its checksum taken, in one
    snapshot, so the target is the source as it was when the copy started (later writes are
    not copied) and a write during the copy cannot make the checksums differ.
    """
    check_source(source)
    migrate.upgrade(target)
    report = CopyReport()
    snapshot: dict[str, tuple[int, str]] = {}
    with store.snapshot(source) as src, writing(target) as dst:
        if not store.is_empty(dst):
            if not force:
                raise UsageError("the target database is not empty", "an empty target, or --force")
            store.clear(dst)
        for table in store.tables():
            snapshot[table.name] = store.copy_table(src, dst, table, progress)
            report.rows += snapshot[table.name][0]
        store.reset_sequences(dst)
    # The target as committed, read back, against the rows read from the source's snapshot.
    with reading(target) as dst:
        for table in store.tables():
            a, b = snapshot[table.name], store.checksum(dst, table)
            report.tables[table.name] = {
                "rows": a[0],
                "sha256": a[1],
                "target_rows": b[0],
                "match": a == b,
            }
    if not report.ok:
        bad = [n for n, t in report.tables.items() if not t["match"]]
        raise CopyError(
            f"checksums differ after the copy for {', '.join(bad)}",
            "the target to hold exactly the rows read from the source (did something write to "
            "the target during the copy?)",
        )
    log.info("db copy: %d rows in %d tables, checksums match", report.rows, len(report.tables))
    return report
