"""Per-request helpers: the site's runtime, its engine and settings, its public base URL."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.engine import Engine

from alphanode.services.runtime import Site
from alphanode.settings import Settings


def site(request: Request) -> Site:
    value = request.app.state.site
    assert isinstance(value, Site)  # noqa: S101 - set by create_app
    return value


def engine(request: Request) -> Engine:
    return site(request).engine


def settings(request: Request) -> Settings:
    return site(request).settings


def base_url(request: Request) -> str:
    configured = settings(request).site_url.rstrip("/")
    return configured or str(request.base_url).rstrip("/")
