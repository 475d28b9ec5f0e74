"""SQLite's query plans of the statements a call runs, for tests that a page's reads use an
index (they assert the plan, never a time)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine


def plans(engine: Engine, call: Callable[[], Any]) -> list[tuple[str, str]]:
    """(statement, its EXPLAIN QUERY PLAN details joined by newlines) of each SELECT that
    ``call`` runs on ``engine`` (a SQLite one)."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    out = []
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        for statement, params in seen:
            rows = raw.execute("EXPLAIN QUERY PLAN " + statement, params).fetchall()
            out.append((statement, "\n".join(str(r[-1]) for r in rows)))
    return out
