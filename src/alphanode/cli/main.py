"""The ``alphanode`` command: global options, error handling and command registration."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from argon2 import PasswordHasher
from typer.core import TyperGroup

from alphanode import logs
from alphanode.errors import AlphanodeError
from alphanode.services.runtime import Site
from alphanode.settings import Settings


class _Group(TyperGroup):
    """Turns domain errors into a one-line message on stderr and a meaningful exit code."""

    def invoke(self, ctx: Any) -> Any:  # typer vendors click's Context privately
        try:
            return super().invoke(ctx)
        except AlphanodeError as exc:
            typer.echo(f"error: {exc.message()}", err=True)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:
            # The reader went away (``alphanode export | head``): that is how pipes end.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)


def _global(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL (overrides ALPHANODE_DATABASE_URL), "
            "e.g. sqlite:///alphanode.db or postgresql://localhost/alphanode.",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="A TOML file of settings (see `alphanode defaults`)."),
    ] = None,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Log actions (import runs, review decisions, backups) on stderr, in the "
            "log_format setting's format; without it only warnings are logged.",
        ),
    ] = False,
) -> None:
    settings = Settings.load(config_file=config, database_url=db)
    # A caller may hand in the password hasher (``CliRunner.invoke(..., obj=hasher)``: tests
    # use cheap argon2 costs); otherwise the site makes the production one.
    hasher = ctx.obj if isinstance(ctx.obj, PasswordHasher) else None
    site = Site(settings, hasher=hasher)
    ctx.obj = site
    ctx.call_on_close(site.close)
    logs.setup(settings.log_format, "INFO" if verbose else "WARNING")


def build_app() -> typer.Typer:
    """A new ``alphanode`` app with every command group registered."""
    from alphanode.cli import (
        accounts,
        backup,
        db,
        defaults,
        documents,
        importing,
        review,
        search,
        serve,
        synth,
    )

    app = typer.Typer(
        cls=_Group,
        name="alphanode",
        help="alphanode: import, review, search and serve technical articles.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.callback()(_global)
    modules = (documents, importing, review, search, accounts, serve, backup, db, defaults)
    for module in (*modules, synth):
        module.register(app)
    return app


def main() -> None:
    build_app()()
