"""Health for load balancers and monitoring: liveness, readiness, figures from the database."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from alphanode.store import migrate, rejects, review
from alphanode.store.engine import reading


@functools.cache
def _head() -> str:
    return migrate.head()  # reads the migration scripts: once per process


@dataclass(frozen=True)
class Readiness:
    ok: bool
    checks: dict[str, str]
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "status": "ready" if self.ok else "not ready",
            "checks": self.checks,
            "problems": self.problems,
        }


def readiness(engine: Engine) -> Readiness:
    """Ready when the database answers and its schema is the one this version expects."""
    checks: dict[str, str] = {}
    problems: list[str] = []
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
        current = migrate.current(engine)
    except sa.exc.SQLAlchemyError as exc:
        checks["database"] = "unreachable"
        problems.append(f"database unreachable: {type(getattr(exc, 'orig', None) or exc).__name__}")
        return Readiness(False, checks, problems)
    head = _head()
    checks["schema"] = current or "base"
    if current != head:
        problems.append(f"schema at {current or 'base'}, this version expects {head}")
    return Readiness(not problems, checks, problems)


@dataclass(frozen=True)
class Figures:
    imports: dict[str, int]  # documents by result, over every import run
    review_queue: int  # posts whose newest revision awaits a decision


def figures(engine: Engine) -> Figures:
    """What /metrics reports from the database (the same for every worker and server)."""
    with reading(engine) as conn:
        return Figures(rejects.run_totals(conn), review.queue_count(conn, ()))
