"""``alphanode serve``: the reader's site and JSON API under uvicorn."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from typing import Annotated

import typer

from alphanode.cli import supervise
from alphanode.cli.output import err, settings, site
from alphanode.settings import SETTINGS, production_problem


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
    metrics_dir = ""  # made here (several workers share their counters), removed on exit
    if workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        metrics_dir = tempfile.mkdtemp(prefix="alphanode-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    err(f"alphanode: serving {conf.database_url} on http://{host}:{port}/")
    plan = supervise.Plan(
        host, port, workers, conf.log_format, conf.forwarded_allow_ips, metrics_dir
    )
    # This process becomes the server (same pid, so signals and supervisors still reach
    # it), holding only uvicorn: what was loaded to get here is not kept for its lifetime.
    site(ctx).close()  # its connections and the index released first
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execv(sys.executable, plan.argv())  # noqa: S606 - this interpreter, no shell
    except OSError:
        if metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
        raise


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
