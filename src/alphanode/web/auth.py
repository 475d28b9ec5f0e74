"""Who is asking: a reviewer's session cookie (screens) or a bearer token (API writes).

Screens take only the session cookie and check a CSRF token on every form; API write
routes take only bearer tokens, so a browser's cookie can never be replayed against them.
The sign-in form, which comes before any session, is guarded by a double-submit token: a
random value in a short-lived HttpOnly cookie and the same value in a hidden field, so
another site cannot sign a visitor into an account of its choosing.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qs

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from alphanode.services import accounts
from alphanode.services.accounts import Principal
from alphanode.web.context import SESSION_COOKIE, engine, settings

COOKIE = SESSION_COOKIE
# With Secure on, the __Host- prefix makes browsers refuse the cookie unless this host set it
# (Secure, Path=/, no Domain), so a sibling subdomain cannot plant a value it knows.
LOGIN_COOKIE = "__Host-an_login"
LOGIN_COOKIE_PLAIN = "an_login"  # session_cookie_secure = false: plain-HTTP testing only
LOGIN_SECONDS = 3600
_LOGIN_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


def client_address(request: Request) -> str:
    """The client's address, for rate limits.

    This is the connecting peer unless uvicorn's proxy-headers middleware replaced it with
    X-Forwarded-For, which it does only for a proxy listed in the ``forwarded_allow_ips``
    setting (default: none, not even loopback). Anything else would let a client choose its
    own address.
    """
    return request.client.host if request.client else "unknown"


def session_principal(request: Request) -> Principal | None:
    """The signed-in person, looked up once per request; None when anonymous or expired."""
    if not hasattr(request.state, "session_principal"):
        token = request.cookies.get(COOKIE)
        found = accounts.session(engine(request), token) if token else None
        request.state.session_principal = found
    result: Principal | None = request.state.session_principal
    return result


def token_principal(request: Request) -> Principal | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    return accounts.token_principal(engine(request), header[7:].strip())


def require_session(request: Request, scope: str) -> Principal:
    """401 when not signed in, 403 when the person lacks ``scope``."""
    return accounts.require(session_principal(request), scope)


def require_token(request: Request, scope: str) -> Principal:
    """401 without a valid bearer token, 403 when the token lacks ``scope``."""
    return accounts.require(token_principal(request), scope)


def is_reviewer(request: Request) -> bool:
    if COOKIE not in request.cookies:
        return False
    who = session_principal(request)
    return who is not None and who.can("review")


FORM_LIMIT = 64 * 1024


async def form(request: Request, limit: int = FORM_LIMIT) -> dict[str, str]:
    """An urlencoded form body (the review screens post nothing else), at most ``limit``
    bytes (64 KiB unless the route says otherwise: the edit form carries a whole article)."""
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > limit:
            raise HTTPException(413, f"a form body larger than {limit} bytes")
    body = raw.decode("utf-8", "replace")
    return {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}


async def require_form(
    request: Request, scope: str, limit: int = FORM_LIMIT
) -> tuple[Principal, dict[str, str]]:
    """The signed-in person (with ``scope``) and the form, once the CSRF token checks out."""
    who = await run_in_threadpool(require_session, request, scope)
    data = await form(request, limit)
    if not accounts.csrf_ok(who, data.get("csrf", "")):
        raise accounts.Forbidden("the form's CSRF token is missing or stale", "reload the page")
    return who, data


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=accounts.SESSION_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=settings(request).session_cookie_secure,
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")


def _login_cookie(request: Request) -> tuple[str, bool]:
    secure = settings(request).session_cookie_secure
    return (LOGIN_COOKIE if secure else LOGIN_COOKIE_PLAIN), secure


def login_token(request: Request) -> str:
    """The sign-in form's token: the one this browser holds (so several open sign-in tabs
    keep working), else a new one."""
    held = request.cookies.get(_login_cookie(request)[0], "")
    return held if _LOGIN_TOKEN.fullmatch(held) else secrets.token_urlsafe(32)


def set_login_cookie(request: Request, response: Response, token: str) -> None:
    name, secure = _login_cookie(request)
    response.set_cookie(
        name, token, max_age=LOGIN_SECONDS, httponly=True, samesite="lax", secure=secure, path="/"
    )


def clear_login_cookie(request: Request, response: Response) -> None:
    name, secure = _login_cookie(request)
    response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")


def login_form_ok(request: Request, data: dict[str, str]) -> bool:
    """The posted sign-in form came from our own page: its token matches the cookie's, and
    the browser does not call the request cross-site."""
    if request.headers.get("sec-fetch-site", "") == "cross-site":
        return False
    held = request.cookies.get(_login_cookie(request)[0], "")
    return accounts.same_secret(held, data.get("csrf", ""))
