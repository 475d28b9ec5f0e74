"""Queries on import runs and rejected documents."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alphanode.content.states import ImportOutcome
from alphanode.errors import Problem
from alphanode.store.posts import now
from alphanode.store.schema import import_runs, rejects


@dataclass(frozen=True)
class Rejection:
    source: str
    problems: tuple[Problem, ...]
    raw: str
    format: str = ""  # the reader that read it (for the import summary by format)


@dataclass(frozen=True)
class RejectRow:
    id: int
    run_id: int | None
    source: str
    line: int | None
    code: str
    field: str
    value: str
    expected: str
    retry_safe: bool
    message: str
    problems: list[dict[str, Any]]
    created_at: dt.datetime


def start_run(conn: Connection, sources: str) -> int:
    result = conn.execute(import_runs.insert().values(started_at=now(), sources=sources[:2000]))
    key = result.inserted_primary_key
    assert key is not None  # noqa: S101 - an insert always has a key
    return int(key[0])


@dataclass(frozen=True)
class UnfinishedRun:
    id: int
    started_at: dt.datetime
    sources: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "sources": self.sources,
        }


def unfinished_runs(conn: Connection, limit: int = 100) -> list[UnfinishedRun]:
    """Import runs with no finish time (still running, or stopped before they finished)."""
    query = (
        sa.select(import_runs.c.id, import_runs.c.started_at, import_runs.c.sources)
        .where(import_runs.c.finished_at.is_(None))
        .order_by(import_runs.c.id)
        .limit(limit)
    )
    return [UnfinishedRun(r.id, r.started_at, r.sources) for r in conn.execute(query)]


def finish_run(conn: Connection, run_id: int, counts: dict[str, int]) -> None:
    conn.execute(
        import_runs.update().where(import_runs.c.id == run_id).values(finished_at=now(), **counts)
    )


def insert(conn: Connection, rows: Sequence[Rejection], run_id: int | None) -> None:
    if not rows:
        return
    stamp = now()
    conn.execute(
        rejects.insert(),
        [
            {
                "run_id": run_id,
                "source": r.source,
                "line": r.problems[0].line,
                "code": r.problems[0].code,
                "field": r.problems[0].field,
                "value": r.problems[0].value,
                "expected": r.problems[0].expected,
                "retry_safe": r.problems[0].retry_safe,
                "message": r.problems[0].message(),
                "problems": json.dumps([p.to_dict() for p in r.problems], ensure_ascii=False),
                "raw": r.raw,
                "created_at": stamp,
            }
            for r in rows
        ],
    )


def listing(conn: Connection, run_id: int | None = None, limit: int = 1000) -> list[RejectRow]:
    query = sa.select(rejects).order_by(rejects.c.id.desc()).limit(limit)
    if run_id is not None:
        query = query.where(rejects.c.run_id == run_id)
    return [
        RejectRow(
            r.id,
            r.run_id,
            r.source,
            r.line,
            r.code,
            r.field,
            r.value,
            r.expected,
            bool(r.retry_safe),
            r.message,
            json.loads(r.problems),
            r.created_at,
        )
        for r in conn.execute(query)
    ]


RESULTS = tuple(o.value for o in ImportOutcome)


def run_totals(conn: Connection) -> dict[str, int]:
    """Documents handled by every finished import run, by result."""
    columns = [sa.func.coalesce(sa.func.sum(import_runs.c[r]), 0) for r in RESULTS]
    row = conn.execute(sa.select(*columns)).one()
    return {r: int(v) for r, v in zip(RESULTS, row, strict=True)}
