"""Review screens: sign-in, the per-post review page, decisions (the queue: desk_queue)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from alphanode.errors import UsageError
from alphanode.services import accounts, claims, desk, review, scheduling
from alphanode.services import site as site_service
from alphanode.services.accounts import Principal
from alphanode.web import templating
from alphanode.web.auth import (
    clear_login_cookie,
    clear_session_cookie,
    client_address,
    form,
    login_form_ok,
    login_token,
    require_form,
    require_session,
    session_principal,
    set_login_cookie,
    set_session_cookie,
)
from alphanode.web.bodies import form_number
from alphanode.web.context import engine, site
from alphanode.web.routes.pages import article_context

router = APIRouter()
PER_PAGE = 50


def _screen(
    request: Request, name: str, who: Principal, context: dict[str, Any], status: int = 200
) -> Response:
    headers_free = {"user": who, "csrf": who.csrf, "noindex": True, **context}
    response = templating.page(request, name, headers_free, status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _login_page(
    request: Request, message: str = "", status: int = 200, next_url: str = "/review"
) -> Response:
    """The sign-in form, with its CSRF token in a hidden field and in a cookie."""
    token = login_token(request)
    context = {"message": message, "next": next_url, "login_csrf": token, "noindex": True}
    response = templating.page(request, "login.html", context, status)
    response.headers["Cache-Control"] = "private, no-store"
    set_login_cookie(request, response, token)
    return response


def _safe_next(value: str) -> str:
    return value if value.startswith("/") and not value.startswith("//") else "/review"


@router.get("/login", name="login")
def login_form(request: Request, next: str = "/review") -> Response:  # noqa: A002
    return _login_page(request, next_url=_safe_next(next))


@router.post("/login", name="login_post")
async def login(request: Request) -> Response:
    data = await form(request)
    next_url = _safe_next(data.get("next", "/review"))
    if not login_form_ok(request, data):
        # Checked before the password: another site must not sign anyone in (login CSRF).
        message = (
            "This sign-in form has expired or was not sent from this site's sign-in page "
            "(cookies must be allowed). Nothing was checked; please sign in again below."
        )
        return _login_page(request, message, 403, next_url)
    try:
        token, _ = await run_in_threadpool(
            accounts.login,
            site(request),
            data.get("name", "").strip().lower(),
            data.get("password", ""),
            client_address(request),
        )
    except accounts.TooManyAttempts as exc:
        minutes = -(-exc.retry_after // 60)
        message = f"Too many failed sign-ins from here; try again in {minutes} min."
        response = _login_page(request, message, 429, next_url)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except accounts.AuthError:
        return _login_page(request, "Wrong name or password.", 401, next_url)
    response = RedirectResponse(next_url, status_code=303)
    set_session_cookie(request, response, token)
    clear_login_cookie(request, response)
    return response


@router.post("/logout", name="logout")
async def logout(request: Request) -> Response:
    await require_form(request, "review")
    token = request.cookies.get("an_session", "")
    await run_in_threadpool(accounts.logout, engine(request), token)
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(response)
    return response


def _filters_from(query: dict[str, str]) -> list[tuple[str, str]]:
    pairs = [f"{k}={v}" for k, v in query.items() if k in review.FILTER_KINDS and v]
    return review.parse_filters(pairs)


def _who_or_login(request: Request) -> Principal | Response:
    who = session_principal(request)
    if who is None:
        return _login_page(request, "Sign in to review.", 401, str(request.url.path))
    return require_session(request, "review")


def _facts(view: review.ReviewView) -> dict[str, Any]:
    """What a reviewer decides on, beside the article."""
    meta = view.document.meta
    source = meta.get("source")
    flags = meta.get("flags")
    scores = meta.get("score")
    age = dt.datetime.now(dt.UTC) - _aware(view.created_at or dt.datetime.now(dt.UTC))
    hours = int(age.total_seconds() // 3600)
    return {
        "source": (source.get("url") or source.get("name") or "")
        if isinstance(source, dict)
        else view.source,
        "source_status": source.get("status", "") if isinstance(source, dict) else "",
        "run": view.run_id,
        "age": f"{hours // 24} d {hours % 24} h"
        if hours >= 24
        else f"{hours} h {int(age.total_seconds() // 60) % 60} min",
        "flags": [(k, v) for k, v in flags.items() if v] if isinstance(flags, dict) else [],
        "scores": list(scores.items()) if isinstance(scores, dict) else [],
    }


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


@router.get("/review/posts/{ref:path}/compare", name="review_compare")
def review_compare(
    request: Request,
    ref: str,
    from_: Annotated[int | None, Query(alias="from", ge=1, le=1_000_000)] = None,
    to: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> Response:
    who = _who_or_login(request)
    if isinstance(who, Response):
        return who
    comparison = desk.compare(engine(request), ref, from_, to)
    return _screen(request, "review_compare.html", who, {"comparison": comparison})


@router.get("/review/posts/{ref:path}", name="review_post")
def review_post(request: Request, ref: str) -> Response:
    """The pending revision rendered as readers will see it, beside the facts and the
    difference from the live revision."""
    who = _who_or_login(request)
    if isinstance(who, Response):
        return who
    view = review.review_view(engine(request), ref)
    found = site_service.preview(site(request), view.post.slug)
    context: dict[str, Any] = {"view": view, "facts": _facts(view), "comparison": None}
    if found is not None:
        context.update(article_context(request, found[0]))
        context["counted_views"] = found[0].views
    if view.live_document is not None and view.revision != view.post.live_revision:
        context["comparison"] = desk.compare(engine(request), view.post.ref, None, None)
    context["beside"] = desk.beside_original(engine(request), view.post.ref)
    context["claim"] = claims.current(engine(request), view.post.ref)
    context["schedule"] = scheduling.of(engine(request), view.post.ref)
    return _screen(request, "review_post.html", who, context)


@router.post("/review/posts/{ref:path}/not-duplicate", name="review_not_duplicate")
async def not_duplicate(request: Request, ref: str) -> Response:
    who, _ = await require_form(request, "review")
    await run_in_threadpool(
        desk.not_duplicate, engine(request), ref, who.name, client_address(request)
    )
    return _back("not-duplicate")


@router.get("/review/log", name="review_log")
def review_log(
    request: Request,
    actor: Annotated[str, Query(max_length=200)] = "",
    action: Annotated[str, Query(max_length=40)] = "",
    ref: Annotated[str, Query(max_length=200)] = "",
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    who = _who_or_login(request)
    if isinstance(who, Response):
        return who
    entries = desk.log(engine(request), actor, action, ref, before, PER_PAGE)
    next_before = entries[-1].id if len(entries) == PER_PAGE else None
    chosen = {k: v for k, v in {"actor": actor, "action": action, "ref": ref}.items() if v}
    return _screen(
        request,
        "review_log.html",
        who,
        {
            "entries": entries,
            "actor": actor,
            "action": action,
            "ref": ref,
            "next_before": next_before,
            "next_query": urlencode({**chosen, "before": next_before or ""}),
        },
    )


# What the queue's banner may say after a decision: ``done=`` carries one of these codes,
# never text, so a link cannot make the desk show words of someone else's choosing.
DONE = {
    "approve": "Approved: the post is live.",
    "reject": "Rejected: the post stays out of public view; the note is in the review log.",
    "retract": "Retracted: the post left every public page, feed and search.",
    "bulk-approve": "Approved every matching post.",
    "not-duplicate": "Marked as not a duplicate: the mark is gone, and the review log says so.",
}


async def _decided(request: Request, done: str) -> Response:
    """After a decision commits: make it searchable now (the outbox's one consumer), then
    back to the queue with the banner ``done`` names."""
    await run_in_threadpool(site(request).index_pending)
    return _back(done)


def _back(done: str) -> Response:
    assert done in DONE  # noqa: S101 - a code from the table above
    return RedirectResponse("/review?" + urlencode({"done": done}), status_code=303)


@router.post("/review/posts/{ref:path}/approve", name="review_approve")
async def approve(request: Request, ref: str) -> Response:
    who, data = await require_form(request, "review")
    revision = form_number(data.get("revision", ""), "revision")
    await run_in_threadpool(
        review.approve,
        engine(request),
        ref,
        who.name,
        data.get("note", ""),
        revision,
        client_address(request),
        # The newest revision the page showed: refused if the post moved on since.
        seen=form_number(data.get("seen", ""), "seen"),
    )
    return await _decided(request, "approve")


@router.post("/review/posts/{ref:path}/reject", name="review_reject")
async def reject(request: Request, ref: str) -> Response:
    who, data = await require_form(request, "review")
    await run_in_threadpool(
        review.reject,
        engine(request),
        ref,
        who.name,
        data.get("note", ""),
        client_address(request),
        seen=form_number(data.get("seen", ""), "seen"),
    )
    return await _decided(request, "reject")


@router.post("/review/posts/{ref:path}/retract", name="review_retract")
async def retract(request: Request, ref: str) -> Response:
    who, data = await require_form(request, "retract")
    await run_in_threadpool(
        review.retract,
        engine(request),
        ref,
        who.name,
        data.get("note", ""),
        client_address(request),
    )
    return await _decided(request, "retract")


@router.post("/review/bulk-approve", name="review_bulk_approve")
async def bulk_approve(request: Request) -> Response:
    """First post: how many would be approved; second post (with that count): approve them."""
    who, data = await require_form(request, "bulk")
    filters = _filters_from(data)
    if not filters:
        raise UsageError("bulk approval without filters", "at least one filter")
    count = await run_in_threadpool(review.count_matching, engine(request), filters)
    if data.get("confirm") != str(count):
        return _screen(
            request, "review_confirm.html", who, {"count": count, "filters": dict(filters)}
        )
    await run_in_threadpool(
        review.approve_matching,
        engine(request),
        filters,
        who.name,
        data.get("note", ""),
    )
    return await _decided(request, "bulk-approve")
