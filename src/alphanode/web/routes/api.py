"""The JSON API, version 1: read endpoints serve approved content to anyone."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

from alphanode.services import site
from alphanode.web.context import engine
from alphanode.web.routes.pages import iso

router = APIRouter(prefix="/api/v1")


@router.get("/posts", name="api_posts")
def posts(request: Request, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> dict[str, Any]:
    listing = site.listing(engine(request), page)
    if listing is None:
        raise HTTPException(404, "no such page of posts")
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
            }
            for c in listing.cards
        ],
    }


@router.get("/posts/{ref}", name="api_post")
def post(request: Request, ref: str) -> dict[str, Any]:
    found = site.api_post(engine(request), ref)
    if found is None:
        raise HTTPException(404, f"no published post with reference {ref!r}")
    return found
