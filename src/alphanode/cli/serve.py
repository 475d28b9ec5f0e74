"""``alphanode serve``: the reader's site and JSON API under uvicorn."""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Annotated, Any

import typer
import uvicorn

from alphanode import logs
from alphanode.cli.output import err, settings, site
from alphanode.settings import SETTINGS, Settings, production_problem

# The web layer is named, not imported: cli and web never import each other, and uvicorn's
# worker processes must load the app by name anyway.
APP_FACTORY = "alphanode.web.app:create_app_from_env"


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    log_format: Annotated[
        str | None, typer.Option("--log-format", help="json or text (default: setting).")
    ] = None,
) -> None:
    """Serve the site: article pages, listings, feeds, sitemap and the JSON API."""
    conf = settings(ctx)
    if log_format is not None:
        conf = conf.replace(log_format=log_format)
    refused = production_problem(conf)
    if refused is not None:
        raise refused
    # Migrate (when auto_migrate is on) once, before workers start, and catch the search
    # index up with the database (a crash may have left outbox rows).
    site(ctx).index_pending()
    # Workers are separate processes that load settings from the environment: every value
    # that is not the default (from --db, --config, --log-format or this environment) goes
    # there, so they run with exactly what this command resolved.
    for setting in SETTINGS:
        if conf.origin(setting.name) != "default":
            os.environ[setting.env] = str(conf.get(setting.name))
    metrics_dir = None  # made here (several workers share their counters), removed on exit
    if workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        metrics_dir = tempfile.mkdtemp(prefix="alphanode-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    err(f"alphanode: serving {conf.database_url} on http://{host}:{port}/")
    try:
        _run(conf, host, port, workers)
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _run(conf: Settings, host: str, port: int, workers: int) -> None:
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(conf.log_format),
        access_log=False,  # alphanode.access writes one structured line per request
        # Empty forwarded_allow_ips (the default): no proxy is believed, not even loopback.
        proxy_headers=bool(conf.forwarded_allow_ips.strip()),
        forwarded_allow_ips=conf.forwarded_allow_ips or None,
        server_header=False,
    )


def log_config(fmt: str) -> dict[str, Any]:
    """Logging for the server: actions and uvicorn's warnings on stderr, in ``fmt``."""
    return logs.config(fmt, server=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
