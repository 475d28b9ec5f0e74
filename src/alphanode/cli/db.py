"""``alphanode db upgrade|downgrade|current``: the schema under migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from alphanode.cli.output import database
from alphanode.store import migrate

db_app = typer.Typer(help="The database schema: upgrade, downgrade, current.", no_args_is_help=True)


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


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
