"""``alphanode backup``, ``restore`` and ``check``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from alphanode.cli.output import database, print_json
from alphanode.services import backup as service
from alphanode.services.backup import Report

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
Force = Annotated[bool, typer.Option("--force", help="Overwrite what is there.")]


def _show(report: Report, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
        return
    state = "ok" if report.ok else "PROBLEMS"
    typer.echo(
        f"{state}: {report.database} schema {report.schema} (head {report.head}), "
        f"{report.posts} posts, {report.revisions} revisions"
    )
    if report.file:
        typer.echo(f"file {report.file} {report.bytes} bytes sha256 {report.sha256}")
    for problem in report.problems:
        typer.echo(f"problem: {problem}", err=True)


def backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Where to write the backup.")],
    force: Force = False,
    as_json: JsonOpt = False,
) -> None:
    """Write a consistent, verified copy of the database while the site keeps running."""
    _show(service.backup(database(ctx), file, force), as_json)


def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A file written by alphanode backup.")],
    force: Force = False,
    as_json: JsonOpt = False,
) -> None:
    """Replace the database with a backup (refuses a database with posts without --force)."""
    report = service.restore(database(ctx, migrate=False), file, force)
    _show(report, as_json)
    if not report.ok:
        raise typer.Exit(1)


def check(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Check integrity, migration state and that every post's revisions exist (exit 1 if not)."""
    report = service.check(database(ctx, migrate=False))
    _show(report, as_json)
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.command("check")(check)
