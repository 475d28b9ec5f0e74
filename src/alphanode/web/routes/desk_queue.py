"""The review queue at a glance: a sortable, keyset-paged table with combined filters, and
one action (approve, reject, assign) on several posts after a confirmation that counts them.
Plain forms throughout; static/desk.js only adds keys."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from alphanode.services import accounts, review, scheduling
from alphanode.services import queue as queue_service
from alphanode.services.accounts import Principal
from alphanode.store import queue
from alphanode.web.auth import client_address, require_form
from alphanode.web.context import engine, site
from alphanode.web.routes.review import DONE, PER_PAGE, _filters_from, _screen, _who_or_login

router = APIRouter()
PICK = "pick."  # a ticked row: ``pick.<post id>=<revision> <ref>``
# What the banner says after an action on several posts: a code, and counts (never text).
ACTED = {
    "approve": "Approved {n}: live, listed and searchable.",
    "reject": "Rejected {n}: out of public view, the note is in the review log.",
    "assign": "Assigned {n}.",
}
VERB = {"approve": "Approve", "reject": "Reject", "assign": "Assign"}


def _state(request: Request) -> dict[str, str]:
    """The queue's view in its URL: filters, the claimed filter, sort and direction (only
    when not the sort's default), so every link keeps the others."""
    params = request.query_params
    out = {k: v for k, v in params.items() if k in review.FILTER_KINDS and v}
    if params.get("claimed") in queue.CLAIMED:
        out["claimed"] = params["claimed"]
    sort = params.get("sort", "age")
    if sort in queue.SORTS and sort != "age":
        out["sort"] = sort
    direction = params.get("dir", "")
    if direction in ("asc", "desc") and (direction == "desc") != _default_desc(sort):
        out["dir"] = direction
    return out


def _default_desc(sort: str) -> bool:
    return queue.SORTS.get(sort, queue.SORTS["age"])[1]


def _order(state: dict[str, str]) -> queue.Order:
    sort = state.get("sort", "age")
    descending = _default_desc(sort)
    if "dir" in state:
        descending = state["dir"] == "desc"
    return queue.Order(sort, descending)


def _sort_links(state: dict[str, str], order: queue.Order) -> dict[str, dict[str, str]]:
    """Each column's sort link (choosing the current sort again flips its direction) and its
    ``aria-sort``."""
    base = {k: v for k, v in state.items() if k not in ("sort", "dir")}
    links = {}
    for sort in queue.SORTS:
        params = dict(base)
        if sort != "age":
            params["sort"] = sort
        if sort == order.sort:
            flipped = not order.descending
            if flipped != _default_desc(sort):
                params["dir"] = "desc" if flipped else "asc"
            aria = "descending" if order.descending else "ascending"
        else:
            aria = "none"
        links[sort] = {"href": "/review?" + urlencode(params), "aria": aria}
    return links


def _age(created: dt.datetime, now: dt.datetime) -> str:
    """How long a revision has waited, to the minute (``3 d 4 h``, ``2 h 5 min``)."""
    aware = created if created.tzinfo is not None else created.replace(tzinfo=dt.UTC)
    minutes = max(0, int((now - aware).total_seconds() // 60))
    hours, days = minutes // 60, minutes // 1440
    if days:
        return f"{days} d {hours % 24} h"
    return f"{hours} h {minutes % 60} min" if hours else f"{minutes} min"


def _banner(request: Request) -> str:
    params = request.query_params
    done = params.get("done", "")
    count = params.get("n", "")
    if done in ACTED and count.isdigit():
        return ACTED[done].format(n=f"{int(count)} post{'' if count == '1' else 's'}")
    return DONE.get(done, "")


@router.get("/review", name="review_queue")
def queue_page(
    request: Request,
    after: Annotated[int | None, Query(ge=1)] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    who = _who_or_login(request)
    if isinstance(who, Response):
        return who
    state = _state(request)
    filters = _filters_from(dict(request.query_params))
    order = _order(state)
    claimed = state.get("claimed", "")
    found = queue_service.listing(
        engine(request),
        site(request).queue_counts,
        filters,
        order,
        claimed=claimed,
        after=after,
        before=before,
        limit=PER_PAGE,
    )
    chosen = dict(filters)
    keep = {k: v for k, v in state.items() if k in ("sort", "dir")}
    facets = {
        kind: [(value, n, urlencode({**state, kind: value})) for value, n in values]
        for kind, values in found.counts.facets.items()
    }
    claimed_links = [
        (label, value, urlencode({**{k: v for k, v in state.items() if k != "claimed"}, **arg}))
        for label, value, arg in (
            ("any", "", {}),
            ("claimed", "yes", {"claimed": "yes"}),
            ("not claimed", "no", {"claimed": "no"}),
        )
    ]
    page = found.page
    now = dt.datetime.now(dt.UTC)
    return _screen(
        request,
        "review_queue.html",
        who,
        {
            "rows": [(e, _age(e.created_at, now)) for e in page.entries],
            "total": found.counts.total,
            "counts": found.counts,
            "filters": chosen,
            "claimed": claimed,
            "state": state,
            "filtered": bool(chosen or claimed),
            "clear_query": urlencode(keep),
            "facets": facets,
            "claimed_links": claimed_links,
            "sorts": _sort_links(state, order),
            "order": order,
            "next_query": urlencode({**state, "after": page.next_after}) if page.next_after else "",
            "prev_query": urlencode({**state, "before": page.prev_before})
            if page.prev_before
            else "",
            "first_query": urlencode(state) if (after or before) else None,
            "reviewers": found.reviewers,
            "message": _banner(request),
            "schedules": scheduling.for_posts(engine(request), [e.post_id for e in page.entries]),
        },
    )


def _request_from(data: dict[str, str]) -> queue_service.Request:
    action, _, scope = data.get("do", "").partition(":")
    picks = queue_service.selected([v for k, v in data.items() if k.startswith(PICK)])
    claimed = data.get("claimed", "")
    return queue_service.Request(
        action=action,
        scope=scope,
        picks=picks,
        filters=tuple(_filters_from(data)),
        claimed=claimed if claimed in queue.CLAIMED else "",
        note=data.get("note", "").strip(),
        reviewer=data.get("reviewer", "").strip(),
    )


@router.post("/review/act", name="review_queue_act")
async def act(request: Request) -> Response:
    """First post (from the queue): a confirmation that says how many; second post (with
    that count in ``confirm``): the action. Selected posts need the review scope; all
    matching needs ``bulk``, like the bulk approval."""
    who, data = await require_form(request, "review")
    wanted = _request_from(data)
    wanted.check()
    if wanted.scope == "matching":
        accounts.require(who, "bulk")
    count = await run_in_threadpool(queue_service.how_many, engine(request), wanted)
    problem = ""
    if data.get("confirm") == str(count):
        if wanted.action == "reject" and not wanted.note:
            problem = "A rejection needs a note saying why (it is kept in the review log)."
        elif wanted.action == "assign" and not wanted.reviewer:
            problem = "Choose the reviewer to assign the posts to."
        else:
            return await _carry_out(request, who, wanted)
    return _confirm(request, who, wanted, count, problem)


def _confirm(
    request: Request, who: Principal, wanted: queue_service.Request, count: int, problem: str
) -> Response:
    context: dict[str, Any] = {
        "wanted": wanted,
        "verb": VERB[wanted.action],
        "count": count,
        "problem": problem,
        "filters": dict(wanted.filters),
        "picks": [(f"{PICK}{i}", p) for i, p in enumerate(wanted.picks)],
        "reviewers": queue_service.reviewers(engine(request)),
    }
    return _screen(request, "review_act_confirm.html", who, context, 400 if problem else 200)


async def _carry_out(request: Request, who: Principal, wanted: queue_service.Request) -> Response:
    outcome = await run_in_threadpool(
        queue_service.carry_out, engine(request), wanted, who.name, client_address(request)
    )
    if wanted.action in ("approve", "reject") and outcome.done:
        await run_in_threadpool(site(request).index_pending)
    if outcome.skipped:
        context = {"wanted": wanted, "verb": VERB[wanted.action], "outcome": outcome}
        return _screen(request, "review_act_done.html", who, context)
    query = urlencode({"done": wanted.action, "n": outcome.done})
    return RedirectResponse("/review?" + query, status_code=303)
