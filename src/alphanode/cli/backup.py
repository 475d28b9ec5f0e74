"""``alphanode backup``, ``restore`` and ``check``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from alphanode.cli.output import database, err, print_json, settings
from alphanode.services import backup as service
from alphanode.services import importer
from alphanode.services.backup import Report

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]


def _show(report: Report, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
        return
    state = "ok" if report.ok else "PROBLEMS"
    schema = report.schema or "at base (no migrations applied)"
    typer.echo(
        f"{state}: {report.database} schema {schema} (head {report.head}), "
        f"{report.posts} posts, {report.revisions} revisions"
    )
    if report.file:
        typer.echo(f"file {report.file} {report.bytes} bytes sha256 {report.sha256}")
    for problem in report.problems:
        typer.echo(f"problem: {problem}", err=True)


def backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Where to write the backup.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Write a consistent, verified copy of the database while the site keeps running.

    The report names the database backed up and the file's size and sha256. A SQLite
    database that does not exist is reported (exit 1), not created.
    """
    engine = database(ctx, migrate=False)  # the service migrates, once it knows the file exists
    _show(service.backup(engine, file, force, upgrade=settings(ctx).auto_migrate), as_json)


REINDEX_NOTE = (
    "alphanode: the search index is not part of a backup or a copy: run `alphanode reindex` "
    "(with the same --db) to rebuild it from these posts before serving search."
)


def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A file written by alphanode backup.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that already holds posts.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Replace the database with a backup, after checking the backup (exit 1 if damaged).

    FILE is only read, never written to or beside. Refuses a database that holds posts
    without --force (exit 2).
    """
    report = service.restore(database(ctx, migrate=False), file, force)
    _show(report, as_json)
    if not report.ok:
        raise typer.Exit(1)
    err(REINDEX_NOTE)


def check(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Check integrity, migration state and that every post's revisions exist (exit 1 if not).

    Import runs that never finished (still running, or killed) are listed as notes.

    A SQLite database file that does not exist is reported (exit 1), never created.
    """
    engine = database(ctx, migrate=False)
    report = service.check(engine)
    runs = importer.unfinished_runs(engine) if report.ok else []
    if as_json:
        print_json({**report.to_dict(), "unfinished_imports": [r.to_dict() for r in runs]})
    else:
        _show(report, as_json)
        for run in runs:
            started = run.started_at.isoformat(timespec="seconds")
            err(f"note: import run {run.id} started {started} has not finished ({run.sources})")
        if runs:
            err(f"note: {importer.RESUME_NOTE}")
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.command("check")(check)
