"""An article's body as the page and the feed show it: blocks with their image views, and
the same blocks as sanitised HTML for feed readers."""

from __future__ import annotations

from typing import Any

import nh3
from jinja2 import Environment

from alphanode.content.document import Document, Image
from alphanode.web.urls import image_view

TEMPLATE = "_body.html"  # shared by post.html and the feed, so both say the same


def blocks(doc: Document, external_images: str = "block") -> list[dict[str, Any]]:
    """The body blocks as the template reads them; images carry a view (src, size, fallback;
    images on other sites as the setting ``external_images`` says)."""
    out: list[dict[str, Any]] = []
    for b in doc.body:
        item = b.to_dict()
        if isinstance(b, Image):
            item["view"] = image_view(b.url, b.alt or b.caption, external_images)
        out.append(item)
    return out


def html(env: Environment, doc: Document, base: str, external_images: str = "block") -> str:
    """The body as HTML for an Atom ``content`` element: the page's own markup with local
    image URLs made absolute (a feed is read away from the site), then cleaned by nh3."""
    template = env.get_template(TEMPLATE)
    markup = template.module.body(blocks(doc, external_images), base)  # type: ignore[attr-defined]
    return nh3.clean(str(markup)).strip()
