"""Review screens: sign-in, the queue with filters, the per-post review page, decisions."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from alphanode.errors import UsageError
from alphanode.services import accounts, review
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


@router.get("/review", name="review_queue")
def queue(request: Request, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> Response:
    who = _who_or_login(request)
    if isinstance(who, Response):
        return who
    filters = _filters_from(dict(request.query_params))
    rows, total = review.queue(engine(request), filters, (page - 1) * PER_PAGE, PER_PAGE)
    chosen = dict(filters)
    facets = review.facet_values(engine(request), filters)
    return _screen(
        request,
        "review_queue.html",
        who,
        {
            "rows": rows,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PER_PAGE)),
            "filters": chosen,
            "filter_query": urlencode(chosen),
            "facets": {
                kind: [(value, n, urlencode({**chosen, kind: value})) for value, n in values]
                for kind, values in facets.items()
            },
            "message": DONE.get(request.query_params.get("done", ""), ""),
        },
    )


def _who_or_login(request: Request) -> Principal | Response:
    who = session_principal(request)
    if who is None:
        return _login_page(request, "Sign in to review.", 401, str(request.url.path))
    return require_session(request, "review")


@router.get("/review/posts/{ref:path}", name="review_post")
def review_post(request: Request, ref: str) -> Response:
    who = _who_or_login(request)
    if isinstance(who, Response):
        return who
    view = review.review_view(engine(request), ref)
    return _screen(request, "review_post.html", who, {"view": view})


# What the queue's banner may say after a decision: ``done=`` carries one of these codes,
# never text, so a link cannot make the desk show words of someone else's choosing.
DONE = {
    "approve": "Approved: the post is live.",
    "reject": "Rejected: the post stays out of public view; the note is in the review log.",
    "retract": "Retracted: the post left every public page, feed and search.",
    "bulk-approve": "Approved every matching post.",
}


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
    )
    await run_in_threadpool(site(request).index_pending)  # the decision, searchable now
    return _back("approve")


@router.post("/review/posts/{ref:path}/reject", name="review_reject")
async def reject(request: Request, ref: str) -> Response:
    who, data = await require_form(request, "review")
    await run_in_threadpool(review.reject, engine(request), ref, who.name, data.get("note", ""))
    await run_in_threadpool(site(request).index_pending)  # the decision, searchable now
    return _back("reject")


@router.post("/review/posts/{ref:path}/retract", name="review_retract")
async def retract(request: Request, ref: str) -> Response:
    who, data = await require_form(request, "retract")
    await run_in_threadpool(review.retract, engine(request), ref, who.name, data.get("note", ""))
    await run_in_threadpool(site(request).index_pending)  # the decision, searchable now
    return _back("retract")


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
    await run_in_threadpool(site(request).index_pending)  # the decision, searchable now
    return _back("bulk-approve")
