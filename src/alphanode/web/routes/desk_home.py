"""The desk's home (``/review/desk``: charts of the queue, decisions, imports and views)
and the scheduling forms of the review page (approve at a time, unpublish at a time,
cancel)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from alphanode.errors import UsageError
from alphanode.services import accounts, deskstats, scheduling
from alphanode.web import charts
from alphanode.web.auth import client_address, require_form
from alphanode.web.bodies import form_number
from alphanode.web.context import engine, site
from alphanode.web.routes.review import _screen, _who_or_login

router = APIRouter()


def _labels(days: list[dt.date]) -> list[str]:
    return [d.strftime("%m-%d") for d in days]


def _charts(home: deskstats.DeskHome) -> dict[str, Any]:
    labels = _labels(home.days)
    span = f"{home.days[0].isoformat()} to {home.days[-1].isoformat()} (UTC)"
    size_desc = (
        f"Posts waiting for review at the end of each day, {span}; now {home.queue_size[-1]}."
    )
    decisions = [charts.Series(n, tuple(v)) for n, v in home.decisions.items()]
    imports = [
        charts.Series("imported", tuple(home.imported)),
        charts.Series("updated", tuple(home.updated)),
    ] + [charts.Series(f"rejected {code}", tuple(v)) for code, v in home.rejects.items()]
    oldest_titles = [w.title for w in home.oldest]
    oldest_days = [round((home.now - w.entered).total_seconds() / 86400, 1) for w in home.oldest]
    return {
        "queue_size": charts.line_chart(
            "chart-queue-size",
            "Queue size, last 30 days",
            size_desc,
            labels,
            [charts.Series("waiting", tuple(home.queue_size))],
            "posts",
        ),
        "queue_age": charts.line_chart(
            "chart-queue-age",
            "Queue age, last 30 days",
            f"Days the oldest waiting post had waited, and the mean wait, at each day's end, "
            f"{span}.",
            labels,
            [
                charts.Series("oldest", tuple(home.oldest_age)),
                charts.Series("mean", tuple(home.mean_age)),
            ],
            "days",
            integer=False,
        ),
        "decisions": charts.bar_chart(
            "chart-decisions",
            "Decisions per day by reviewer",
            f"Approvals, rejections and retractions per day, stacked by reviewer, {span}; "
            f"{sum(sum(v) for v in home.decisions.values())} in all.",
            labels,
            decisions,
            "decisions",
        ),
        "imports": charts.bar_chart(
            "chart-imports",
            "Imports per day, with rejects by error code",
            f"Documents imported, updated and rejected (by error code) per day, {span}.",
            labels,
            imports,
            "documents",
        ),
        "views": charts.bar_chart(
            "chart-views",
            "Views per day",
            f"Page views counted by the site per day, {span}; {sum(home.views)} in all.",
            labels,
            [charts.Series("views", tuple(home.views))],
            "views",
        ),
        "oldest": charts.hbar_chart(
            "chart-oldest",
            "The ten oldest waiting posts",
            "Days each of the longest-waiting posts has been in the queue, oldest first.",
            oldest_titles,
            oldest_days,
            "days waiting",
        ),
        "oldest_days": oldest_days,
    }


def _tables(home: deskstats.DeskHome) -> dict[str, list[list[object]]]:
    """Each chart's numbers, one row per day (the first cell is the row's header)."""
    days = [d.isoformat() for d in home.days]
    decisions = list(home.decisions.values())
    rejects = list(home.rejects.values())
    return {
        "queue_size": [[d, n] for d, n in zip(days, home.queue_size, strict=True)],
        "queue_age": [
            [d, a, m] for d, a, m in zip(days, home.oldest_age, home.mean_age, strict=True)
        ],
        "decisions": [[d, *(v[i] for v in decisions)] for i, d in enumerate(days)],
        "imports": [
            [d, home.imported[i], home.updated[i], *(v[i] for v in rejects)]
            for i, d in enumerate(days)
        ],
        "views": [[d, n] for d, n in zip(days, home.views, strict=True)],
    }


@router.get("/review/desk", name="review_desk")
def desk_home(request: Request) -> Response:
    """The desk at a glance: server-rendered SVG charts, each with its numbers as a table."""
    who = _who_or_login(request)
    if isinstance(who, Response):
        return who
    home = deskstats.home(engine(request), site(request).clock())
    context = {
        "home": home,
        "charts": _charts(home),
        "tables": _tables(home),
        "scheduled": scheduling.upcoming(engine(request)),
        "message": SCHEDULED.get(request.query_params.get("done", ""), ""),
    }
    return _screen(request, "review_desk.html", who, context)


# What the desk's banner may say after a scheduling form (codes only, never text).
SCHEDULED = {
    "schedule": "Scheduled: the background worker acts within a minute of each time.",
    "unschedule": "Schedule cancelled; the review log says so.",
}


def _to_desk(done: str) -> Response:
    return RedirectResponse("/review/desk?" + urlencode({"done": done}), status_code=303)


def _schedule(request: Request, ref: str, data: dict[str, str], who: accounts.Principal) -> None:
    publish = data.get("publish_at", "").strip()
    unpublish = data.get("unpublish_at", "").strip()
    if not publish and not unpublish:
        raise UsageError(
            "the scheduling form has neither a publication nor an unpublication time",
            "a time in 'Approve at' or 'Unpublish at'",
        )
    if unpublish and not who.can("retract"):
        raise accounts.Forbidden(
            "scheduling an unpublication needs the right to retract", "an admin's session"
        )
    now, address, db = site(request).clock(), client_address(request), engine(request)
    # Both times are checked before either is written.
    when = scheduling.parse_time(publish, now, "approve at", need_zone=False) if publish else None
    until = (
        scheduling.parse_time(unpublish, now, "unpublish at", need_zone=False)
        if unpublish
        else None
    )
    if when is not None and until is not None and until <= when:
        raise UsageError("the unpublication time is not after the publication time", "a later one")
    revision = form_number(data.get("revision", ""), "revision")
    if when is not None:
        scheduling.schedule_publish(
            db, ref, when, who.name, now=now, revision=revision, address=address
        )
    if until is not None:
        scheduling.schedule_unpublish(db, ref, until, who.name, now=now, address=address)


@router.post("/review/posts/{ref:path}/schedule", name="review_schedule")
async def schedule(request: Request, ref: str) -> Response:
    """Approve at a time (``publish_at``) and/or take down at a time (``unpublish_at``);
    times without an offset are UTC, as the form says."""
    who, data = await require_form(request, "review")
    await run_in_threadpool(_schedule, request, ref, data, who)
    return _to_desk("schedule")


@router.post("/review/posts/{ref:path}/unschedule", name="review_unschedule")
async def unschedule(request: Request, ref: str) -> Response:
    who, data = await require_form(request, "review")
    what = data.get("what", "both") or "both"
    if what != "publish" and not who.can("retract"):
        # Dropping an unpublication keeps a post live that an admin set to come down.
        what = "publish"
    await run_in_threadpool(
        scheduling.cancel, engine(request), ref, who.name, what, client_address(request)
    )
    return _to_desk("unschedule")
