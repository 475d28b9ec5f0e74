"""Jinja2 set-up: autoescaping always on, helpers the templates share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import Response

from alphanode.settings import Settings
from alphanode.web.urls import review_path, term_path


def make_templates(directory: Path, settings: Settings) -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(directory),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["site_name"] = settings.site_name
    env.globals["term_path"] = term_path
    env.globals["review_path"] = review_path
    env.globals["noindex"] = False
    env.globals["canonical"] = ""
    env.globals["banner"] = ""
    env.globals["review_link"] = ""
    env.globals["user"] = None
    env.globals["csrf"] = ""
    return Jinja2Templates(env=env)


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """Render one template with the app's environment."""
    templates: Jinja2Templates = request.app.state.templates
    response: Response = templates.TemplateResponse(request, name, context, status_code=status_code)
    return response
