"""Search: the reader's /search page and GET /api/v1/search (live posts only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from alphanode.services import search as search_service
from alphanode.web import templating
from alphanode.web.context import site
from alphanode.web.routes.pages import iso

router = APIRouter()
Text = Annotated[str, Query(max_length=10_000)]
Filter = Annotated[str | None, Query(max_length=10_000)]
Page = Annotated[int, Query(ge=1, le=search_service.MAX_PAGE)]


@dataclass(frozen=True)
class Params:
    """The query string both the page and the API take."""

    q: Text = ""
    page: Page = 1
    stack: Filter = None
    tools: Filter = None
    difficulty: Filter = None
    code_language: Filter = None


Asked = Annotated[Params, Depends()]


async def _run(request: Request, p: Params) -> search_service.SearchPage:
    filters = {
        "stack": p.stack,
        "tools": p.tools,
        "difficulty": p.difficulty,
        "code_language": p.code_language,
    }
    return await run_in_threadpool(search_service.search, site(request), p.q, filters, p.page)


def _link(result: search_service.SearchPage, **changes: Any) -> str:
    params: dict[str, Any] = {"q": result.query, **result.filters, **changes}
    return "/search?" + urlencode({k: v for k, v in params.items() if v not in (None, "", 1)})


@router.get("/search", name="search")
async def search_page(request: Request, params: Asked) -> Response:
    result = await _run(request, params)
    facet_links = {
        name: [
            (value, count, _link(result, **{name: value, "page": None})) for value, count in values
        ]
        for name, values in result.facets.items()
    }
    return templating.page(
        request,
        "search.html",
        {
            "result": result,
            "facets": facet_links,
            "clear": {name: _link(result, **{name: None, "page": None}) for name in result.filters},
            "prev": _link(result, page=result.page - 1) if result.page > 1 else None,
            "next": _link(result, page=result.page + 1) if result.page < result.pages else None,
            "noindex": True,
        },
    )


@router.get("/api/v1/search", name="api_search")
async def api_search(request: Request, params: Asked) -> dict[str, Any]:
    result = await _run(request, params)
    return {
        "query": result.query,
        "filters": result.filters,
        "page": result.page,
        "pages": result.pages,
        "total": result.total,
        # true: more than ``total`` posts match; counting stopped there
        "more": result.more,
        "matched": result.matched,
        "suggestion": result.suggestion,
        "hits": [
            {
                "ref": h.card.ref,
                "slug": h.card.slug,
                "title": h.card.title,
                "url": f"/posts/{h.card.slug}",
                "snippet": h.snippet,
                "score": round(h.score, 4),
                "published_at": iso(h.card.published_at),
            }
            for h in result.hits
        ],
        "facets": {
            name: [{"value": v, "count": n} for v, n in values]
            for name, values in result.facets.items()
        },
    }
