"""``alphanode review``: the review queue and decisions from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from alphanode.cli.output import database, print_json
from alphanode.errors import UsageError
from alphanode.services import review

review_app = typer.Typer(
    help="Review before indexing: list, approve, reject, retract.", no_args_is_help=True
)
As = Annotated[str, typer.Option("--as", help="Who decides (kept in the review log).")]
Note = Annotated[str, typer.Option("--note", help="Why (required to reject or retract).")]


@review_app.command("list")
def list_(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Posts whose newest revision awaits a decision, oldest first."""
    refs = review.pending(database(ctx))
    if as_json:
        print_json({"pending": refs, "count": len(refs)})
        return
    for ref in refs:
        typer.echo(ref)


@review_app.command("approve")
def approve(
    ctx: typer.Context,
    actor: As,
    ref: Annotated[str | None, typer.Argument(help="A reference or slug.")] = None,
    note: Note = "",
    all_pending: Annotated[
        bool, typer.Option("--all-pending", help="Approve every pending revision.")
    ] = False,
) -> None:
    """Approve a post's newest revision: it goes live and becomes listed and searchable."""
    engine = database(ctx)
    if all_pending:
        count = review.approve_all_pending(engine, actor, note)
        typer.echo(f"approved {count}")
        return
    if ref is None:
        raise UsageError("no post named", "a reference or slug, or --all-pending")
    decision = review.approve(engine, ref, actor, note)
    typer.echo(f"approved {decision.ref} revision {decision.revision}")


@review_app.command("reject")
def reject(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="A reference or slug.")],
    actor: As,
    note: Note = "",
) -> None:
    """Reject a post's newest revision (a note is required)."""
    decision = review.reject(database(ctx), ref, actor, note)
    typer.echo(f"rejected {decision.ref} revision {decision.revision} (status {decision.status})")


@review_app.command("retract")
def retract(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="A reference or slug.")],
    actor: As,
    note: Note = "",
) -> None:
    """Take a live post down from every public surface (a note is required)."""
    decision = review.retract(database(ctx), ref, actor, note)
    typer.echo(f"retracted {decision.ref}")


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
