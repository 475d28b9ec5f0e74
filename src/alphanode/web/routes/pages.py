"""Reader pages: the latest posts, most read, taxonomy listings, articles, image placeholders."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import Response

from alphanode.content.slug import is_slug
from alphanode.services import pages, site
from alphanode.services import views as view_service
from alphanode.store.fragments import Parts
from alphanode.web import body, metabox, ogimage, placeholder, previews, templating
from alphanode.web.auth import is_reviewer
from alphanode.web.context import base_url, engine, read_engine, settings
from alphanode.web.context import site as context_site
from alphanode.web.frontline.conditional import http_date
from alphanode.web.urls import MAX_SIDE, review_path

router = APIRouter()
Page = Annotated[int, Query(ge=1, le=1_000_000)]

KIND_TITLES = {"stack": "Stack", "tools": "Tool", "difficulty": "Difficulty", "topic": "Topic"}
HOME_MOST_READ = 5  # the short list under the latest posts
MOST_READ_SHOWN = 20


def _listing(
    request: Request,
    listing: site.Listing | None,
    heading: str,
    base: str,
    most_read: list[view_service.Ranked] | None = None,
) -> Response:
    if listing is None:
        raise HTTPException(404)
    return templating.page(
        request,
        "listing.html",
        {
            "listing": listing,
            "heading": heading,
            "base": base,
            "canonical": base_url(request)
            + base
            + (f"?page={listing.page}" if listing.page > 1 else ""),
            "most_read": most_read,
            "most_read_days": view_service.DEFAULT_WINDOW,
        },
    )


@router.get("/", name="home")
def home(request: Request, page: Page = 1) -> Response:
    listing = site.listing(read_engine(request), page, counts=context_site(request).live_counts)
    # The home page is cached like any listing (30 s), so the short list may lag that long.
    ranked = (
        view_service.most_read(
            read_engine(request), limit=HOME_MOST_READ, kept=context_site(request).most_read
        )
        if listing is not None and page == 1
        else None
    )
    return _listing(request, listing, "Latest posts", "/", ranked)


@router.get("/most-read", name="most_read")
def most_read(request: Request, days: int = view_service.DEFAULT_WINDOW) -> Response:
    """Live posts ranked by the views counted in the last ``days`` days (7, 30 or 365)."""
    ranked = view_service.most_read(
        read_engine(request), days, MOST_READ_SHOWN, kept=context_site(request).most_read
    )
    default = days == view_service.DEFAULT_WINDOW
    return templating.page(
        request,
        "most_read.html",
        {
            "ranked": ranked,
            "days": days,
            "windows": view_service.WINDOWS,
            "default_days": view_service.DEFAULT_WINDOW,
            "canonical": base_url(request) + "/most-read" + ("" if default else f"?days={days}"),
        },
    )


def _term_page(request: Request, kind: str, term: str, page: int) -> Response:
    counts = context_site(request).live_counts
    listing = site.listing(read_engine(request), page, kind, term, counts=counts)
    heading = f"{KIND_TITLES[kind]}: {listing.label}" if listing else ""
    prefix = {"topic": "topics"}.get(kind, kind)
    return _listing(request, listing, heading, f"/{prefix}/{term}")


@router.get("/stack/{term}", name="stack")
def stack(request: Request, term: str, page: Page = 1) -> Response:
    return _term_page(request, "stack", term, page)


@router.get("/tools/{term}", name="tools")
def tools(request: Request, term: str, page: Page = 1) -> Response:
    return _term_page(request, "tools", term, page)


@router.get("/difficulty/{term}", name="difficulty")
def difficulty(request: Request, term: str, page: Page = 1) -> Response:
    return _term_page(request, "difficulty", term, page)


@router.get("/topics/{term}", name="topics")
def topics(request: Request, term: str, page: Page = 1) -> Response:
    return _term_page(request, "topic", term, page)


def iso(value: dt.datetime) -> str:
    """Timestamps as ISO 8601 in UTC (SQLite hands them back without a zone)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")


def article_context(request: Request, art: site.Article) -> dict[str, Any]:
    doc = art.document
    base = base_url(request)
    site_name = str(settings(request).site_name)
    canonical = f"{base}/posts/{art.slug}"
    blocks, toc = body.view(doc, settings(request).external_images)
    summary = doc.meta.get("summary")
    description = (summary if isinstance(summary, str) else "") or next(
        (b["text"] for b in blocks if b["type"] == "paragraph"), doc.title
    )
    keywords = [label for kind, _, label in art.terms if kind in ("stack", "tools")]
    fields = {
        "headline": doc.title[:110],
        "description": description[:300],
        "datePublished": iso(art.published_at),
        "dateModified": iso(art.updated_at),
        "mainEntityOfPage": canonical,
        "url": canonical,
        "wordCount": doc.word_count(),
        "timeRequired": f"PT{art.reading_time}M",
        "keywords": keywords,
    }
    og_image = previews.card_image(base, art.slug)
    return {
        "doc": doc,
        "blocks": blocks,
        "toc": toc,
        "source": body.source_view(doc),
        "meta_rows": metabox.rows(doc.meta),
        "reading_time": art.reading_time,
        "published": iso(art.published_at),
        "similar": art.similar,
        "canonical": canonical,
        "description": description[:300],
        "og_image": og_image,
        "author_name": previews.author_name(doc) or site_name,
        "json_ld": previews.script_json(
            previews.article_ld(doc, fields, site_name, base, og_image)
        ),
    }


def render_parts(request: Request, art: site.Article) -> Parts:
    """The parts of an article page that depend on its revision alone: rendered once, kept."""
    context = article_context(request, art)
    env = request.app.state.templates.env
    return Parts(
        art.document.title,
        *(env.get_template(name).render(context) for name in _KEPT_TEMPLATES),
    )


_KEPT_TEMPLATES = ("_article_head.html", "_article_top.html", "_article_rest.html")


def _fragment_queue(request: Request) -> pages.FragmentQueue | None:
    queue = request.app.state.fragments
    return queue if isinstance(queue, pages.FragmentQueue) else None


def _salt(request: Request) -> str:
    """What every kept part of this site depends on besides the post (see services/pages)."""
    conf = settings(request)
    return json.dumps(
        [request.app.state.render_version, base_url(request), conf.site_name, conf.external_images]
    )


@router.get("/posts/{slug}", name="post")
def post(request: Request, slug: str) -> Response:
    """The live revision to everyone; to a signed-in reviewer, pending posts with a banner."""
    found_page = pages.article_page(
        context_site(request),
        slug,
        lambda art: render_parts(request, art),
        _salt(request),
        _fragment_queue(request),
        db=read_engine(request),
    )
    if found_page is not None:
        # Counted views are read with the page (views_flush_seconds behind at most); the
        # article-page cache rule may keep the rendered page for up to 60 s more.
        context: dict[str, Any] = {
            "fragment": found_page.parts,
            "similar": found_page.similar,
            "counted_views": found_page.views,
            "canonical": f"{base_url(request)}/posts/{found_page.slug}",
        }
        if is_reviewer(request) and site.has_pending_revision(engine(request), slug):
            context["banner"] = "A newer revision of this post awaits review."
            context["review_link"] = review_path(found_page.ref)
        response = templating.page(request, "post.html", context)
        # The post's last change, for If-Modified-Since (the front line adds it to cached pages).
        response.headers["last-modified"] = http_date(found_page.updated_at).decode()
        return response
    found = site.preview(context_site(request), slug) if is_reviewer(request) else None
    if found is None:
        raise HTTPException(404)
    preview, status = found
    context = {
        "fragment": render_parts(request, preview),  # never kept: previews are not public
        "similar": [],
        "counted_views": preview.views,
        "canonical": f"{base_url(request)}/posts/{preview.slug}",
        "noindex": True,
        "banner": f"Not public: this post is {status.replace('_', ' ')}. Only reviewers see it.",
        "review_link": review_path(preview.ref),
    }
    return templating.page(request, "post.html", context)


@router.get("/placeholder/{width}x{height}.svg", name="placeholder")
def image_placeholder(width: int, height: int, text: str = "") -> Response:
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise HTTPException(404)
    return Response(
        placeholder.svg(width, height, text),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


@router.get("/og/posts/{slug}.png", name="og_card")
def og_card(request: Request, slug: str) -> Response:
    """A post's link-preview card (PNG, 1200×630), drawn from its slug alone (and kept)."""
    if not is_slug(slug):
        raise HTTPException(404)
    png = pages.card(
        context_site(request),
        slug,
        request.app.state.card_version,
        ogimage.card,
        _fragment_queue(request),
    )
    return Response(png, media_type=ogimage.MEDIA_TYPE)


@router.get("/og/site.png", name="og_logo")
def og_logo(request: Request) -> Response:
    """The site's logo (PNG, 256×256): JSON-LD ``publisher.logo``."""
    return Response(ogimage.logo(str(settings(request).site_name)), media_type=ogimage.MEDIA_TYPE)
