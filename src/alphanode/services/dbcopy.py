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
from alphanode.store.engine import reading, writing

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


def total_rows(engine: Engine) -> int:
    with reading(engine) as conn:
        return sum(store.checksum(conn, t)[0] for t in store.tables())


def copy(
    source: Engine,
    target: Engine,
    *,
    force: bool = False,
    progress: Callable[[int], None] = lambda n: None,
) -> CopyReport:
    """Copy every table (sessions and sign-in attempts excepted), then compare checksums."""
    if migrate.current(source) != migrate.head():
        raise UsageError(
            f"the source schema is at {migrate.current(source) or 'base'}",
            f"a source at {migrate.head()} (run alphanode db upgrade on it first)",
        )
    migrate.upgrade(target)
    with reading(target) as conn:
        empty = store.is_empty(conn)
    if not empty and not force:
        raise UsageError("the target database is not empty", "an empty target, or --force")
    report = CopyReport()
    with reading(source) as src, writing(target) as dst:
        if not empty:
            store.clear(dst)
        for table in store.tables():
            report.rows += store.copy_table(src, dst, table, progress)
        store.reset_sequences(dst)
    with reading(source) as src, reading(target) as dst:
        for table in store.tables():
            a, b = store.checksum(src, table), store.checksum(dst, table)
            report.tables[table.name] = {
                "rows": a[0],
                "sha256": a[1],
                "target_rows": b[0],
                "match": a == b,
            }
    if not report.ok:
        bad = [n for n, t in report.tables.items() if not t["match"]]
        raise CopyError(f"checksums differ after the copy for {', '.join(bad)}", "identical tables")
    log.info("db copy: %d rows in %d tables, checksums match", report.rows, len(report.tables))
    return report
