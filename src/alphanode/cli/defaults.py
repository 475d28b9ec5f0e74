"""``alphanode defaults``: every setting with its default, owner, expected result and rollback."""

from __future__ import annotations

from typing import Annotated

import typer

from alphanode import cache_rules as rules
from alphanode.cli.output import print_json, settings
from alphanode.settings import SETTINGS, settings_markdown


def defaults(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print docs/production-defaults.md.")
    ] = False,
    effective: Annotated[
        bool,
        typer.Option(
            "--effective",
            help="Print the values in force here (environment, --config file, defaults) and "
            "where each came from; secrets only say whether they are set.",
        ),
    ] = False,
) -> None:
    """Print every setting: default, environment variable, owner, expected result, rollback."""
    if effective:
        rows = settings(ctx).effective()
        if as_json:
            print_json(rows)
            return
        for row in rows:
            typer.echo(f"{row['name']} = {row['value']!r}  ({row['origin']})")
        return
    if as_json:
        print_json(
            [
                {
                    "name": s.name,
                    "type": s.type.__name__,
                    "default": s.shown_default,
                    "env": s.env,
                    "help": s.help,
                    "owner": s.owner,
                    "expected": s.expected,
                    "rollback": s.rollback,
                }
                for s in SETTINGS
            ]
        )
        return
    if markdown:
        typer.echo(settings_markdown(), nl=False)
        return
    for s in SETTINGS:
        typer.echo(f"{s.name} = {s.shown_default!r}  ({s.env}, {s.type.__name__})")
        typer.echo(f"    {s.help}")
        typer.echo(f"    owner: {s.owner}")
        typer.echo(f"    expected: {s.expected}")
        typer.echo(f"    rollback: {s.rollback}")


def cache_rules(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print docs/cache-rules.md.")
    ] = False,
) -> None:
    """Print the named cache rules: pattern, Cache-Control, bypass conditions, examples."""
    if markdown:
        typer.echo(rules.markdown(), nl=False)
        return
    for r in rules.RULES:
        typer.echo(f"{r.name}: {r.pattern} -> {r.cache_control}")


def register(app: typer.Typer) -> None:
    app.command("defaults")(defaults)
    app.command("cache-rules")(cache_rules)
