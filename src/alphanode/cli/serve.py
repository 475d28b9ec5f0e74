"""``alphanode serve``: the reader's site and JSON API under uvicorn."""

from __future__ import annotations

import os
from typing import Annotated

import typer
import uvicorn

from alphanode.cli.output import database, err, settings

# The web layer is named, not imported: cli and web never import each other, and uvicorn's
# worker processes must load the app by name anyway.
APP_FACTORY = "alphanode.web.app:create_app_from_env"


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the site: article pages, listings, feeds, sitemap and the JSON API."""
    conf = settings(ctx)
    database(ctx)  # migrate (when auto_migrate is on) once, before workers start
    os.environ["ALPHANODE_DATABASE_URL"] = str(conf.database_url)
    err(f"alphanode: serving {conf.database_url} on http://{host}:{port}/")
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        proxy_headers=True,
        server_header=False,
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
