"""The JSON API, version 1: read endpoints serve approved content to anyone.

``views`` is what this site counted (real browsers only); ``meta.view_count`` is the figure
a page was imported with. They are never added together. The post endpoints are kept in the
page cache for 30 s (cache rule api-read) and views are written every views_flush_seconds, so
``views`` may be that far behind.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from alphanode.errors import UsageError
from alphanode.services import importer, review, site
from alphanode.services import views as view_service
from alphanode.web import bodies
from alphanode.web.auth import require_token
from alphanode.web.context import engine, settings
from alphanode.web.context import site as context_site
from alphanode.web.routes.pages import iso

router = APIRouter(prefix="/api/v1")


@router.get("/posts", name="api_posts")
def posts(request: Request, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> dict[str, Any]:
    listing = site.listing(engine(request), page)
    if listing is None:
        raise HTTPException(404, "no such page of posts")
    counted = view_service.totals(engine(request), [c.ref for c in listing.cards])
    return {
        "page": listing.page,
        "pages": listing.pages,
        "total": listing.total,
        "posts": [
            {
                "ref": c.ref,
                "slug": c.slug,
                "title": c.title,
                "summary": c.summary,
                "stack": list(c.stack),
                "reading_time": c.reading_time,
                "difficulty": c.difficulty,
                "published_at": iso(c.published_at),
                "updated_at": iso(c.updated_at),
                "url": f"/posts/{c.slug}",
                "views": counted[c.ref],
            }
            for c in listing.cards
        ],
    }


@router.get("/posts/{ref}", name="api_post")
def post(request: Request, ref: str) -> dict[str, Any]:
    found = site.api_post(engine(request), ref)
    if found is None:
        raise HTTPException(404, f"no published post with reference {ref!r}")
    return {**found, "views": view_service.totals(engine(request), [ref])[ref]}


@router.get("/most-read", name="api_most_read")
def most_read(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=view_service.MAX_RANKED)] = 10,
    days: int = view_service.DEFAULT_WINDOW,
) -> dict[str, Any]:
    """Live posts ranked by the views counted in the last ``days`` days (7, 30 or 365)."""
    on = view_service.today()
    ranked = view_service.most_read(engine(request), days, limit, on)
    return {
        "days": days,
        "since": view_service.window_start(days, on).isoformat(),
        "posts": [
            {
                "ref": r.card.ref,
                "slug": r.card.slug,
                "title": r.card.title,
                "url": f"/posts/{r.card.slug}",
                "views": r.views,
            }
            for r in ranked
        ],
    }


@router.post("/import", name="api_import")
async def import_(request: Request) -> JSONResponse:
    """Import the body (scraped page, JSON document or array, JSONL); scope ``import``.

    200 when every document was accepted, 422 when some were rejected (the others are
    imported; the body is the same summary ``alphanode import --json`` prints).
    """
    who = await run_in_threadpool(require_token, request, "import")
    body = await bodies.read_body(request, settings(request).api_max_body_bytes)
    if not body.strip():
        raise UsageError("empty request body", "a scraped page, a JSON document or JSONL")
    report = await run_in_threadpool(
        importer.import_bytes, engine(request), settings(request), f"api:{who.name}", body
    )
    return JSONResponse(report.to_dict(), status_code=422 if report.rejected else 200)


@router.post("/posts/{ref}/review", name="api_review")
async def review_post(request: Request, ref: str) -> dict[str, Any]:
    """``{"action": "approve"|"reject", "note": "...", "revision": N}``; scope ``review``."""
    who = await run_in_threadpool(require_token, request, "review")
    data = await bodies.read_json(request, bodies.REVIEW_BODY_BYTES)
    action = data.get("action") if isinstance(data, dict) else None
    note = data.get("note", "") if isinstance(data, dict) else ""
    if action not in ("approve", "reject") or not isinstance(note, str):
        raise UsageError(f"action {action!r}", '"approve" or "reject", with a text "note"')
    revision = data.get("revision")
    if action == "approve":
        if revision is not None:
            revision = bodies.whole_number(revision, "revision")
        d = await run_in_threadpool(review.approve, engine(request), ref, who.name, note, revision)
    else:
        if not note.strip():
            raise UsageError(  # 400, before the service's CLI-worded 409 "--note"
                "reject needs a note saying why",
                'a non-empty "note" field in the JSON body (it is kept in the review log)',
                code="AN-REVIEW-002",
            )
        d = await run_in_threadpool(review.reject, engine(request), ref, who.name, note)
    await run_in_threadpool(context_site(request).index_pending)  # the decision, searchable now
    return {"ref": d.ref, "revision": d.revision, "action": d.action, "status": d.status}
