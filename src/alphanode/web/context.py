"""Per-request helpers: the engine, settings and the site's public base URL."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.engine import Engine

from alphanode.settings import Settings


def engine(request: Request) -> Engine:
    value = request.app.state.engine
    assert isinstance(value, Engine)  # noqa: S101 - set by create_app
    return value


def settings(request: Request) -> Settings:
    value = request.app.state.settings
    assert isinstance(value, Settings)  # noqa: S101 - set by create_app
    return value


def base_url(request: Request) -> str:
    configured = str(settings(request).site_url).rstrip("/")
    return configured or str(request.base_url).rstrip("/")
