"""Discovery: the Atom feed (full, sanitised content), the sitemap and robots.txt (live only)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - we only build XML, never parse input

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from alphanode.services import site
from alphanode.web import body, previews
from alphanode.web.context import base_url, read_engine, settings
from alphanode.web.context import site as context_site
from alphanode.web.routes.pages import iso

router = APIRouter()
ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
FEED_ENTRIES = 50
# Characters XML 1.0 cannot carry at all; imported text may contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attrs.items()})
    if text is not None:
        el.text = _clean(text)
    return el


def _xml(root: ET.Element, media_type: str) -> Response:
    body = ET.tostring(root, encoding="unicode", xml_declaration=False)
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + body, media_type=media_type)


@router.get("/feed.xml", name="feed")
def feed(request: Request) -> Response:
    base = base_url(request)
    reader = read_engine(request)  # one database for the whole feed
    listing = site.listing(reader, 1, counts=context_site(request).live_counts)
    cards = listing.cards[:FEED_ENTRIES] if listing else []
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    site_name = settings(request).site_name
    _sub(root, f"{{{ATOM}}}title", site_name)
    _sub(root, f"{{{ATOM}}}id", base + "/")
    _sub(root, f"{{{ATOM}}}link", href=base + "/feed.xml", rel="self")
    _sub(root, f"{{{ATOM}}}link", href=base + "/", rel="alternate")
    updated = max((iso(c.updated_at) for c in cards), default="1970-01-01T00:00:00+00:00")
    _sub(root, f"{{{ATOM}}}updated", updated)
    author = _sub(root, f"{{{ATOM}}}author")
    _sub(author, f"{{{ATOM}}}name", site_name)
    env = request.app.state.templates.env
    for c in cards:
        art = site.article(context_site(request), c.slug, db=reader)
        if art is None:  # retracted between the listing and this read
            continue
        entry = _sub(root, f"{{{ATOM}}}entry")
        url = f"{base}/posts/{c.slug}"
        _sub(entry, f"{{{ATOM}}}title", c.title)
        _sub(entry, f"{{{ATOM}}}id", url)
        _sub(entry, f"{{{ATOM}}}link", href=url, rel="alternate")
        _sub(entry, f"{{{ATOM}}}published", iso(c.published_at))
        _sub(entry, f"{{{ATOM}}}updated", iso(c.updated_at))
        who = _sub(entry, f"{{{ATOM}}}author")
        _sub(who, f"{{{ATOM}}}name", previews.author_name(art.document) or site_name)
        _sub(entry, f"{{{ATOM}}}summary", c.summary, type="text")
        # The full body, sanitised: the page's own markup (web/body.py), escaped as text here.
        _sub(
            entry,
            f"{{{ATOM}}}content",
            body.html(env, art.document, base, settings(request).external_images),
            type="html",
        )
        for s in c.stack:
            _sub(entry, f"{{{ATOM}}}category", term=s)
    return _xml(root, "application/atom+xml; charset=utf-8")


@router.get("/sitemap.xml", name="sitemap")
def sitemap(request: Request) -> Response:
    base = base_url(request)
    ET.register_namespace("", SITEMAP)
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    home = _sub(root, f"{{{SITEMAP}}}url")
    _sub(home, f"{{{SITEMAP}}}loc", base + "/")
    for slug, updated in site.sitemap(read_engine(request)):
        url = _sub(root, f"{{{SITEMAP}}}url")
        _sub(url, f"{{{SITEMAP}}}loc", f"{base}/posts/{slug}")
        _sub(url, f"{{{SITEMAP}}}lastmod", iso(updated))
    return _xml(root, "application/xml; charset=utf-8")


@router.get("/robots.txt", name="robots")
def robots(request: Request) -> Response:
    base = base_url(request)
    lines = [
        "User-agent: *",
        "Disallow: /review",
        "Disallow: /api/",
        "Disallow: /login",
        "Allow: /",
        f"Sitemap: {base}/sitemap.xml",
    ]
    return PlainTextResponse("\n".join(lines) + "\n")
