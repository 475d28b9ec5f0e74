"""``alphanode review``: the review queue and decisions from the command line."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from alphanode.cli.output import count_progress, database, print_json, settings, site
from alphanode.content.states import ReviewAction
from alphanode.errors import UsageError
from alphanode.services import near_duplicates, review

review_app = typer.Typer(
    help="Review before indexing: list, approve, reject, retract.", no_args_is_help=True
)
As = Annotated[str, typer.Option("--as", help="Who decides (kept in the review log).")]
Note = Annotated[str, typer.Option("--note", help="Why (required to reject or retract).")]


FilterOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--filter",
        help="KIND=VALUE, repeatable; KIND is flag, generator, topic, stack, near_duplicate, "
        "source_format or source_status (e.g. flag=needs_human_review, near_duplicate=yes, "
        "source_status=draft).",
    ),
]
FlagOpt = Annotated[list[str] | None, typer.Option("--flag", help="Same as --filter flag=NAME.")]
GeneratorOpt = Annotated[str | None, typer.Option("--generator", help="payload generator")]
TopicOpt = Annotated[str | None, typer.Option("--topic", help="the post's problem")]
NearOpt = Annotated[bool, typer.Option("--near-duplicate", help="only near-duplicates")]


JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON summary.")]


def _bulk(
    ctx: typer.Context,
    decide: review.BulkDecision,
    action: ReviewAction,
    chosen: list[tuple[str, str]],
    actor: str,
    note: str,
    as_json: bool,
) -> None:
    """A bulk decision with a progress bar on a terminal, chunk by chunk."""
    engine = database(ctx)
    verb = action.value.removesuffix("e") + "ed"
    started = time.perf_counter()
    with count_progress(None, verb) as bar:

        def progress(done: int, total: int) -> None:
            if bar is not None:
                bar.update(bar.task_ids[0], completed=done, total=total)

        count = decide(engine, chosen, actor, note, progress=progress)
    seconds = time.perf_counter() - started
    site(ctx).index_pending()
    if as_json:
        print_json(
            {
                "action": action.value,
                "count": count,
                "filters": [f"{k}={v}" for k, v in chosen],
                "seconds": round(seconds, 3),
                "per_second": round(count / seconds) if seconds > 0 else None,
            }
        )
        return
    typer.echo(f"{verb} {count}")


def _filters(
    filters: list[str] | None,
    flags: list[str] | None,
    generator: str | None,
    topic: str | None,
    near: bool,
) -> list[tuple[str, str]]:
    pairs = list(filters or []) + [f"flag={f}" for f in flags or []]
    if generator:
        pairs.append(f"generator={generator}")
    if topic:
        pairs.append(f"topic={topic}")
    if near:
        pairs.append("near_duplicate=yes")
    return review.parse_filters(pairs)


@review_app.command("list")
def list_(
    ctx: typer.Context,
    filters: FilterOpt = None,
    flag: FlagOpt = None,
    generator: GeneratorOpt = None,
    topic: TopicOpt = None,
    near_duplicate: NearOpt = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Posts whose newest revision awaits a decision, oldest first, optionally filtered."""
    chosen = _filters(filters, flag, generator, topic, near_duplicate)
    rows, total = review.queue(database(ctx), chosen, 0, limit)
    if as_json:
        print_json(
            {
                "count": total,
                "filters": [f"{k}={v}" for k, v in chosen],
                "pending": [
                    {
                        "ref": r.ref,
                        "slug": r.slug,
                        "title": r.title,
                        "revision": r.revision,
                        "status": r.status,
                        "live_revision": r.live_revision,
                    }
                    for r in rows
                ],
            }
        )
        return
    for r in rows:
        live = f" (live: {r.live_revision})" if r.live_revision else ""
        typer.echo(f"{r.ref}  revision {r.revision}{live}  {r.title}")
    typer.echo(f"{total} pending", err=True)


@review_app.command("approve")
def approve(
    ctx: typer.Context,
    actor: As,
    ref: Annotated[str | None, typer.Argument(help="A reference or slug.")] = None,
    note: Note = "",
    all_pending: Annotated[
        bool, typer.Option("--all-pending", help="Approve every pending revision.")
    ] = False,
    all_matching: Annotated[
        bool,
        typer.Option("--all-matching", help="Approve every pending revision matching the filters."),
    ] = False,
    filters: FilterOpt = None,
    flag: FlagOpt = None,
    generator: GeneratorOpt = None,
    topic: TopicOpt = None,
    near_duplicate: NearOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Approve a post's newest revision (or a filtered set): it goes live and is indexed.

    Bulk approval commits 1,000 posts per transaction with a progress bar on a terminal;
    a run that is interrupted keeps what it committed, and running it again continues."""
    engine = database(ctx)
    chosen = _filters(filters, flag, generator, topic, near_duplicate)
    if all_matching and not chosen:
        raise UsageError("--all-matching without filters", "at least one filter, or --all-pending")
    if all_pending or all_matching:
        _bulk(ctx, review.approve_matching, ReviewAction.APPROVE, chosen, actor, note, as_json)
        return
    if ref is None:
        raise UsageError("no post named", "a reference or slug, --all-matching or --all-pending")
    decision = review.approve(engine, ref, actor, note)
    site(ctx).index_pending()
    if as_json:
        print_json(
            {
                "action": ReviewAction.APPROVE.value,
                "count": 1,
                "ref": decision.ref,
                "revision": decision.revision,
            }
        )
        return
    typer.echo(f"approved {decision.ref} revision {decision.revision}")


@review_app.command("reject")
def reject(
    ctx: typer.Context,
    actor: As,
    ref: Annotated[str | None, typer.Argument(help="A reference or slug.")] = None,
    note: Note = "",
    all_pending: Annotated[
        bool, typer.Option("--all-pending", help="Reject every pending revision.")
    ] = False,
    all_matching: Annotated[
        bool,
        typer.Option("--all-matching", help="Reject every pending revision matching the filters."),
    ] = False,
    filters: FilterOpt = None,
    flag: FlagOpt = None,
    generator: GeneratorOpt = None,
    topic: TopicOpt = None,
    near_duplicate: NearOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Reject a post's newest revision, or a filtered set (a note is required)."""
    chosen = _filters(filters, flag, generator, topic, near_duplicate)
    if all_matching and not chosen:
        raise UsageError("--all-matching without filters", "at least one filter, or --all-pending")
    if all_pending or all_matching:
        _bulk(ctx, review.reject_matching, ReviewAction.REJECT, chosen, actor, note, as_json)
        return
    if ref is None:
        raise UsageError("no post named", "a reference or slug, --all-matching or --all-pending")
    decision = review.reject(database(ctx), ref, actor, note)
    site(ctx).index_pending()
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
    site(ctx).index_pending()
    typer.echo(f"retracted {decision.ref}")


@review_app.command("duplicates")
def duplicates(
    ctx: typer.Context,
    rescan: Annotated[
        bool,
        typer.Option(
            "--rescan",
            help="First fingerprint every post's current body and judge it again (posts "
            "imported before detection existed, or after near_duplicate_threshold changed).",
        ),
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Near-duplicates found at import: each post with the earlier post it nearly repeats."""
    engine = database(ctx)
    scanned = None
    if rescan:
        threshold = settings(ctx).near_duplicate_threshold
        scanned, _ = near_duplicates.scan(engine, threshold)
    pairs, total = near_duplicates.listing(engine, limit)
    if as_json:
        print_json(
            {
                "count": total,
                "scanned": scanned,
                "near_duplicates": [
                    {
                        "ref": p.ref,
                        "title": p.title,
                        "status": p.status,
                        "original_ref": p.original_ref,
                        "original_title": p.original_title,
                        "similarity": p.similarity,
                    }
                    for p in pairs
                ],
            }
        )
        return
    for p in pairs:
        typer.echo(f"{p.ref}  ~{p.similarity:.2f}  {p.original_ref}  {p.title}")
    if scanned is not None:
        typer.echo(f"{scanned} posts scanned", err=True)
    typer.echo(f"{total} near-duplicates", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
