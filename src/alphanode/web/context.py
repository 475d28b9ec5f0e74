"""Per-request helpers: the site's runtime, its engine and settings, its public base URL."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.engine import Engine

from alphanode.services.runtime import Site
from alphanode.settings import Settings

# The reviewer's session cookie (web/auth.py sets it; named here so auth can import us).
SESSION_COOKIE = "an_session"


def site(request: Request) -> Site:
    value = request.app.state.site
    assert isinstance(value, Site)  # noqa: S101 - set by create_app
    return value


def engine(request: Request) -> Engine:
    return site(request).engine


def read_engine(request: Request) -> Engine:
    """The database for a public read: a caught-up replica when there are any, but the
    primary for anyone signed in or sending credentials (they see their own writes)."""
    if SESSION_COOKIE in request.cookies or "authorization" in request.headers:
        return site(request).engine
    return site(request).read_engine


def settings(request: Request) -> Settings:
    return site(request).settings


def base_url(request: Request) -> str:
    configured = settings(request).site_url.rstrip("/")
    return configured or str(request.base_url).rstrip("/")
