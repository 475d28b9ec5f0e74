"""The web application factory: ``create_app(settings)``; nothing happens at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TextIO

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from alphanode import __version__
from alphanode.errors import AlphanodeError
from alphanode.services import pages as page_service
from alphanode.services import views as view_service
from alphanode.services.runtime import Site
from alphanode.settings import Settings, production_problem
from alphanode.web import errors
from alphanode.web.accesslog import AccessLog
from alphanode.web.fragments import card_version, render_version
from alphanode.web.hosts import HostCheck, parse_hosts
from alphanode.web.metrics import Metrics
from alphanode.web.middleware import Frontline
from alphanode.web.routes import (
    api,
    desk_edit,
    desk_home,
    desk_queue,
    feeds,
    ops,
    pages,
    review,
    search,
)
from alphanode.web.templating import make_templates
from alphanode.web.views import ViewCounter

HERE = Path(__file__).parent


def create_app(
    settings: Settings, access_stream: TextIO | None = None, *, site: Site | None = None
) -> FastAPI:
    """The whole site; request lines go to ``access_stream`` (default: stderr).

    The app runs one ``Site`` (built here from ``settings`` unless given, e.g. by a test with
    a cheap password hasher): its lifespan starts the site's workers (the outbox syncer and
    the view counter) and closes the site at shutdown.
    """
    refused = production_problem(site.settings if site else settings)
    if refused is not None:
        raise refused
    site = site or Site(settings)
    settings = site.settings
    engine = site.engine
    views = ViewCounter(engine, settings.views_flush_seconds)
    site.add_worker(views)
    fragments = page_service.FragmentQueue(engine) if settings.page_fragments else None
    if fragments is not None:
        site.add_worker(fragments)
    access = AccessLog(access_stream)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Page handlers are CPU-bound Python: a few threads per worker beat anyio's default
        # 40, which only fight over the GIL (measured in docs/benchmarks.md).
        to_thread.current_default_thread_limiter().total_tokens = settings.web_threads
        access.start()
        site.start()  # the outbox syncer (approvals made elsewhere) and the view counter
        yield
        site.close()
        access.stop()

    app = FastAPI(
        title="alphanode",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        version=__version__,
        description=api.DESCRIPTION,
        lifespan=lifespan,
        # Our own metrics and logs cover this; FastAPI's OpenTelemetry probe costs per request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.site = site
    app.state.settings = settings
    app.state.engine = engine
    app.state.templates = make_templates(HERE / "templates", settings)
    app.state.views = views
    app.state.fragments = fragments
    app.state.render_version = render_version(HERE / "templates")
    app.state.card_version = card_version()
    app.state.metrics = metrics
    app.state.access_log = access
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(feeds.router)
    app.include_router(search.router)
    app.include_router(api.router)
    app.include_router(desk_edit.router)  # before review's GET /review/posts/{ref:path}
    app.include_router(desk_queue.router)
    app.include_router(review.router)
    app.include_router(desk_home.router)
    app.include_router(ops.router)
    api.truthful_openapi(app, settings)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for it
        response = errors.respond(request, exc.status_code, str(exc.detail))
        # Starlette names the allowed methods on a 405 (RFC 9110 requires Allow there).
        response.headers.update(exc.headers or {})
        return response

    async def invalid(request: Request, exc: Exception) -> Response:
        return errors.respond(request, 400, "The request's parameters are not valid.")

    async def domain(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AlphanodeError)  # noqa: S101 - registered for it
        return errors.respond(request, exc.http_status, exc.message(), exc)

    async def crash(request: Request, exc: Exception) -> Response:
        return errors.respond(request, 500, "Something went wrong on our side.")

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(AlphanodeError, domain)
    app.add_exception_handler(Exception, crash)
    if not str(settings.site_url).strip():
        # Inside Frontline: refusals are logged and carry the security headers; only 200
        # answers are cached, so a refused Host never has a cache entry.
        app.add_middleware(
            HostCheck,
            allowed=parse_hosts(str(settings.allowed_hosts)),
            refuse=errors.wrong_host(app.state.templates),
        )
    app.add_middleware(
        Frontline,
        metrics=metrics,
        views=views,
        version=site.public_version,
        last_change=lambda: view_service.last_change(engine),
        entries=settings.page_cache_entries,
        check_seconds=settings.page_cache_check_seconds,
        log_format=settings.log_format,
        access=access,
        crash=errors.fixed(app.state.templates, 500, "Something went wrong on our side."),
        bad_query=errors.fixed(app.state.templates, 400, "The query string is not valid UTF-8."),
    )
    return app


def create_app_from_env() -> FastAPI:
    """For ``uvicorn --factory`` and ``alphanode serve``: settings from the environment."""
    return create_app(Settings.load())
