"""``alphanode review``: the review queue and decisions from the command line."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from alphanode.cli.output import count_progress, database, print_json, settings, site
from alphanode.content.states import DeskAction, ReviewAction
from alphanode.errors import UsageError
from alphanode.services import desk, near_duplicates, review, scheduling
from alphanode.store.posts import now as clock_now

review_app = typer.Typer(
    help="Review before indexing: list, approve, reject, retract, log.", no_args_is_help=True
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
AtOpt = Annotated[
    str | None,
    typer.Option(
        "--at",
        help="Approve at this time instead of now: ISO 8601 with a timezone, e.g. "
        "2026-12-24T09:00+01:00 (the background worker of `alphanode serve` publishes it).",
    ),
]
UnpublishAtOpt = Annotated[
    str | None,
    typer.Option(
        "--unpublish-at",
        help="Also take the post down at this time (ISO 8601 with a timezone).",
    ),
]


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
    at: AtOpt = None,
    unpublish_at: UnpublishAtOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Approve a post's newest revision (or a filtered set): it goes live and is indexed.

    With --at it goes live at that time instead (it stays in the queue, marked, until then);
    --unpublish-at takes it down at a later time. A time in the past is a usage error.

    Bulk approval commits 1,000 posts per transaction with a progress bar on a terminal;
    a run that is interrupted keeps what it committed, and running it again continues."""
    chosen = _filters(filters, flag, generator, topic, near_duplicate)
    if at is not None or unpublish_at is not None:
        if all_pending or all_matching or ref is None:
            raise UsageError(
                "--at/--unpublish-at without one post",
                "a reference or slug: publication times are set per post",
            )
        _approve_scheduled(ctx, ref, actor, note, at, unpublish_at, as_json)
        return
    _decide(ctx, ReviewAction.APPROVE, ref, actor, note, all_pending, all_matching, chosen, as_json)


def _decide(
    ctx: typer.Context,
    action: ReviewAction,
    ref: str | None,
    actor: str,
    note: str,
    all_pending: bool,
    all_matching: bool,
    chosen: list[tuple[str, str]],
    as_json: bool,
) -> None:
    """Approve or reject: one post, or (``--all-pending``/``--all-matching``) a filtered set."""
    if all_matching and not chosen:
        raise UsageError("--all-matching without filters", "at least one filter, or --all-pending")
    approving = action is ReviewAction.APPROVE
    if all_pending or all_matching:
        bulk = review.approve_matching if approving else review.reject_matching
        _bulk(ctx, bulk, action, chosen, actor, note, as_json)
        return
    if ref is None:
        raise UsageError("no post named", "a reference or slug, --all-matching or --all-pending")
    if approving:
        decision = review.approve(database(ctx), ref, actor, note)
    else:
        decision = review.reject(database(ctx), ref, actor, note)
    site(ctx).index_pending()
    if as_json:
        print_json(
            {
                "action": action.value,
                "count": 1,
                "ref": decision.ref,
                "revision": decision.revision,
                "status": decision.status.value,
            }
        )
        return
    verb = action.value.removesuffix("e") + "ed"
    said = f"{verb} {decision.ref} revision {decision.revision}"
    typer.echo(said if approving else f"{said} (status {decision.status})")


def _approve_scheduled(
    ctx: typer.Context,
    ref: str,
    actor: str,
    note: str,
    at: str | None,
    unpublish_at: str | None,
    as_json: bool,
) -> None:
    """``approve REF --at`` and/or ``--unpublish-at``: both times are checked before anything
    is written, so a bad second time schedules nothing."""
    engine, now = database(ctx), clock_now()
    when = scheduling.parse_time(at, now, "--at") if at is not None else None
    until = (
        scheduling.parse_time(unpublish_at, now, "--unpublish-at")
        if unpublish_at is not None
        else None
    )
    if when is not None and until is not None and until <= when:
        raise UsageError(
            f"--unpublish-at {unpublish_at!r} is not after --at {at!r}",
            "an unpublication time later than the publication time",
        )
    revision = None
    if when is not None:
        revision = scheduling.schedule_publish(engine, ref, when, actor, now=now).publish_revision
    else:
        decision = review.approve(engine, ref, actor, note)
        revision = decision.revision
        site(ctx).index_pending()
    if until is not None:
        scheduling.schedule_unpublish(engine, ref, until, actor, now=now)
    shown = scheduling.of(engine, ref)
    if as_json:
        print_json(
            {
                "action": "schedule" if when is not None else ReviewAction.APPROVE.value,
                "ref": shown.ref,
                "revision": revision,
                "publish_at": shown.publish_at.isoformat() if shown.publish_at else None,
                "unpublish_at": shown.unpublish_at.isoformat() if shown.unpublish_at else None,
            }
        )
        return
    if when is not None:
        typer.echo(f"scheduled {shown.ref} revision {revision} to go live at {when.isoformat()}")
    else:
        typer.echo(f"approved {shown.ref} revision {revision}")
    if until is not None:
        typer.echo(f"scheduled {shown.ref} to come down at {until.isoformat()}")


@review_app.command("expire")
def expire(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="A reference or slug.")],
    actor: As,
    at: Annotated[
        str, typer.Option("--at", help="When to take it down: ISO 8601 with a timezone.")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Schedule a live post (or one scheduled to go live) to come down at a time."""
    now = clock_now()
    until = scheduling.parse_time(at, now, "--at")
    shown = scheduling.schedule_unpublish(database(ctx), ref, until, actor, now=now)
    if as_json:
        print_json({"action": "expire", "ref": shown.ref, "unpublish_at": until.isoformat()})
        return
    typer.echo(f"scheduled {shown.ref} to come down at {until.isoformat()}")


@review_app.command("unschedule")
def unschedule(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="A reference or slug.")],
    actor: As,
    only: Annotated[
        str,
        typer.Option("--only", help="publish, unpublish or both (default)."),
    ] = "both",
    as_json: JsonOpt = False,
) -> None:
    """Cancel a post's scheduled publication and/or unpublication (kept in the review log)."""
    shown = scheduling.cancel(database(ctx), ref, actor, only)
    if as_json:
        print_json(
            {
                "action": "unschedule",
                "ref": shown.ref,
                "publish_at": shown.publish_at.isoformat() if shown.publish_at else None,
                "unpublish_at": shown.unpublish_at.isoformat() if shown.unpublish_at else None,
            }
        )
        return
    typer.echo(f"cancelled the schedule of {shown.ref} ({only})")


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
    _decide(ctx, ReviewAction.REJECT, ref, actor, note, all_pending, all_matching, chosen, as_json)


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


LOG_ACTIONS = tuple(a.value for a in ReviewAction) + tuple(a.value for a in DeskAction)


@review_app.command("log")
def log(
    ctx: typer.Context,
    actor: Annotated[str, typer.Option("--actor", help="Only this reviewer's rows.")] = "",
    action: Annotated[
        str, typer.Option("--action", help="Only this action: " + ", ".join(LOG_ACTIONS) + ".")
    ] = "",
    ref: Annotated[str, typer.Option("--ref", help="Only this post's rows (its reference).")] = "",
    before: Annotated[
        int | None,
        typer.Option("--before", min=1, help="Rows older than this id (the next page)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The review log, newest first: every decision, edit, claim and release, with who,
    when, from which address and the note; the same filters as /review/log.

    One row per line, tab-separated (id, time, actor, address, action, reference, revision,
    note), so it can be piped; the next page's --before is printed on stderr."""
    if action and action not in LOG_ACTIONS:
        raise UsageError(f"--action {action!r}", "one of " + ", ".join(LOG_ACTIONS))
    entries = desk.log(database(ctx), actor, action, ref, before, limit)
    more = entries[-1].id if len(entries) == limit else None
    if as_json:
        print_json(
            {
                "count": len(entries),
                "next_before": more,
                "entries": [
                    {
                        "id": e.id,
                        "at": e.created_at.isoformat(timespec="seconds"),
                        "actor": e.actor,
                        "address": e.address,
                        "action": e.action,
                        "ref": e.ref,
                        "title": e.title,
                        "revision": e.revision,
                        "note": e.note,
                    }
                    for e in entries
                ],
            }
        )
        return
    for e in entries:
        note = " ".join(e.note.split())  # one row per line whatever the note holds
        at = e.created_at.isoformat(timespec="seconds")[:19]
        fields = (str(e.id), at, e.actor, e.address, e.action, e.ref, str(e.revision), note)
        typer.echo("\t".join(fields))
    if more is not None:
        typer.echo(f"more: --before {more}", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
