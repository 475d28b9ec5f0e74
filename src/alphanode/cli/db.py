"""``alphanode db upgrade|downgrade|current``: the schema under migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from alphanode.cli.backup import REINDEX_NOTE
from alphanode.cli.output import count_progress, database, err, print_json
from alphanode.services import dbcopy
from alphanode.settings import Settings
from alphanode.store import migrate
from alphanode.store.engine import connect

db_app = typer.Typer(
    help="The database: schema migrations, and copying a whole site.", no_args_is_help=True
)


@db_app.command("upgrade")
def upgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target migration.")] = "head",
) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    engine = database(ctx, migrate=False)
    migrate.upgrade(engine, revision)
    typer.echo(f"schema at {migrate.current(engine)}")


@db_app.command("downgrade")
def downgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target migration, -1 or base.")] = "-1",
) -> None:
    """Undo migrations down to REVISION (default: the last one). Data in dropped tables is lost."""
    engine = database(ctx, migrate=False)
    migrate.downgrade(engine, revision)
    typer.echo(f"schema at {migrate.current(engine) or 'base (empty)'}")


@db_app.command("current")
def current(ctx: typer.Context) -> None:
    """Print the schema's migration and the newest one this version knows."""
    engine = database(ctx, migrate=False)
    now = migrate.current(engine)
    head = migrate.head()
    state = "up to date" if now == head else "behind: run `alphanode db upgrade`"
    typer.echo(f"current {now or 'base (empty)'}, head {head}: {state}")


@db_app.command("copy")
def copy(
    source: Annotated[str, typer.Option("--from", help="Source database URL.")],
    target: Annotated[str, typer.Option("--to", help="Target database URL.")],
    force: Annotated[bool, typer.Option("--force", help="Replace a non-empty target.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report.")] = False,
) -> None:
    """Move a whole site between databases (e.g. SQLite to PostgreSQL), verified by checksums.

    The source is read in one snapshot, so it may be a live site: the target is the source
    as it was when the copy started (later writes are not copied). The source must exist and
    be at this version's schema.
    """
    src = connect(Settings.load(database_url=source))
    dst = connect(Settings.load(database_url=target))
    try:
        dbcopy.check_source(src)  # before counting rows: a missing source is not created
        with count_progress(dbcopy.total_rows(src), "copying rows") as bar:

            def advance(n: int) -> None:
                if bar is not None:
                    bar.advance(bar.task_ids[0], n)

            report = dbcopy.copy(src, dst, force=force, progress=advance)
    finally:
        src.dispose()
        dst.dispose()
    if as_json:
        print_json(report.to_dict())
    else:
        for name, t in report.tables.items():
            typer.echo(f"{name:<16} {t['rows']:>9} rows  sha256 {t['sha256'][:16]}  ok")
        typer.echo(f"copied {report.rows} rows; every table's checksum matches")
    err(REINDEX_NOTE)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
