"""``alphanode users`` and ``alphanode tokens``: accounts and API tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from alphanode.cli.output import database, print_json, site
from alphanode.errors import UsageError
from alphanode.services import accounts

users_app = typer.Typer(help="Reviewer and admin accounts.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens with scopes (import, review).", no_args_is_help=True)


def _interactive() -> bool:
    return sys.stdin.isatty()


def _password(generate: bool) -> str | None:
    """The new account's password: generated, prompted for on a terminal, or one line of
    standard input (``printf '%s\\n' "$PW" | alphanode users add NAME``)."""
    if generate:
        return None
    if _interactive():
        return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UsageError(
            "no password on standard input",
            "the password as one line on standard input, a terminal to type it at, or --generate",
        )
    return password


@users_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Login name (lower case).")],
    role: Annotated[str, typer.Option("--role", help="reviewer or admin.")] = "reviewer",
    generate: Annotated[
        bool, typer.Option("--generate", help="Generate a password and show it once.")
    ] = False,
) -> None:
    """Add an account; the password is prompted for on a terminal, else read as one line of
    standard input (or, with --generate, generated and shown once)."""
    password = _password(generate)
    shown = accounts.add_user(site(ctx), name, role, password)
    typer.echo(f"added {role} {name}")
    if password is None:
        typer.echo(f"password (shown once): {shown}")


@users_app.command("list")
def list_users(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List accounts (never their passwords)."""
    rows = accounts.list_users(database(ctx))
    if as_json:
        print_json([{"name": u.name, "role": u.role, "disabled": u.disabled} for u in rows])
        return
    for u in rows:
        typer.echo(f"{u.name}  {u.role}{'  disabled' if u.disabled else ''}")


@users_app.command("disable")
def disable(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The account.")]) -> None:
    """Disable an account and end its sessions."""
    accounts.set_disabled(database(ctx), name, True)
    typer.echo(f"disabled {name}")


@users_app.command("enable")
def enable(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The account.")]) -> None:
    """Enable a disabled account."""
    accounts.set_disabled(database(ctx), name, False)
    typer.echo(f"enabled {name}")


@tokens_app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="What the token is for.")],
    scopes: Annotated[str, typer.Option("--scopes", help="import, review or import,review.")],
) -> None:
    """Create a token; it is shown once and only its hash is stored."""
    token = accounts.create_token(database(ctx), name, [s.strip() for s in scopes.split(",")])
    typer.echo(token)


@tokens_app.command("list")
def list_tokens(ctx: typer.Context) -> None:
    """List tokens: name, scopes, last use (never the token)."""
    for t in accounts.list_tokens(database(ctx)):
        used = t.last_used_at.isoformat(timespec="seconds") if t.last_used_at else "never"
        state = "  revoked" if t.revoked else ""
        typer.echo(f"{t.name}  {','.join(t.scopes)}  last used {used}{state}")


@tokens_app.command("revoke")
def revoke(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The token.")]) -> None:
    """Revoke a token at once."""
    accounts.revoke_token(database(ctx), name)
    typer.echo(f"revoked {name}")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
