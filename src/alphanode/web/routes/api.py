"""The JSON API, version 1: read endpoints serve approved content to anyone.

``views`` is what this site counted (real browsers only); ``meta.view_count`` is the figure
a page was imported with. They are never added together. The post endpoints are kept in the
page cache for 30 s (cache rule api-read) and views are written every views_flush_seconds, so
``views`` may be that far behind.

The OpenAPI document (/api/v1/openapi.json) is generated from these declarations: request
bodies, the bearer scheme of the write operations, every status with the error shape and
the constraints the code enforces (tests/web/test_openapi_conformance.py runs schemathesis).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request, Security
from fastapi.openapi.utils import get_openapi
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from alphanode.errors import UsageError
from alphanode.services import review, site
from alphanode.services import views as view_service
from alphanode.settings import Settings
from alphanode.web import bodies
from alphanode.web.auth import require_token
from alphanode.web.context import engine, read_engine, settings
from alphanode.web.context import site as context_site
from alphanode.web.errors import ErrorBody
from alphanode.web.routes.pages import iso

router = APIRouter(prefix="/api/v1")
DESCRIPTION = (
    "Read endpoints serve approved content to anyone. Write endpoints take a bearer API "
    "token with the scope they name (import or review). Every error answers with one JSON "
    'shape: `{"error": {code, what, expected, retry_safe, message, status}}`.'
)
NOTE_MAX_CHARS = 10_000

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="apiToken",
    description="An API token (`alphanode tokens create NAME --scopes import,review`) as "
    "`Authorization: Bearer an_…`. Scopes: `import` for POST /import, `review` for "
    "POST /posts/{ref}/review.",
)
Token = [Security(bearer)]


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    words = {
        400: "The request is not valid (parameters, body or Host).",
        401: "No valid bearer token.",
        403: "The token lacks the operation's scope.",
        404: "Nothing published at this address.",
        405: "Method not allowed; the Allow header lists the methods that are.",
        409: "The post is not in a state that allows this decision.",
        413: "The body is larger than the api_max_body_bytes setting.",
        422: "Some documents were rejected (the others were imported).",
    }
    return {s: {"model": ErrorBody, "description": words[s]} for s in statuses}


class Card(BaseModel):
    ref: str
    slug: str
    title: str
    summary: str
    stack: list[str]
    reading_time: int
    difficulty: str | None
    published_at: str
    updated_at: str
    url: str
    views: int


class PostsPage(BaseModel):
    page: int
    pages: int
    total: int
    posts: list[Card]


class Ranked(BaseModel):
    ref: str
    slug: str
    title: str
    url: str
    views: int


class MostRead(BaseModel):
    days: Literal[7, 30, 365]
    since: str
    posts: list[Ranked]


class ImportReport(BaseModel):
    imported: int
    updated: int
    unchanged: int
    rejected: int
    warnings: int
    documents: int
    run_id: int | None
    seconds: float
    docs_per_second: float
    errors: list[dict[str, Any]]


class ReviewRequest(BaseModel):
    """One decision. ``reject`` needs a note saying why (kept in the review log)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "if": {"properties": {"action": {"const": "reject"}}, "required": ["action"]},
            "then": {"required": ["note"], "properties": {"note": {"pattern": r"\S"}}},
            "examples": [
                {"action": "approve", "note": "checked the figures", "revision": 2},
                {"action": "reject", "note": "duplicate of anp-ref-026145-7938"},
            ],
        },
    )
    action: Literal["approve", "reject"]
    note: str = Field("", max_length=NOTE_MAX_CHARS)
    revision: int | None = Field(None, ge=1, le=bodies.MAX_REVISION, description="approve only")


class Decision(BaseModel):
    ref: str
    revision: int
    action: str
    status: str


POST_EXAMPLE = {"ref": "anp-ref-026145-7938", "slug": "production-checklist", "views": 12}


@router.get("/posts", name="api_posts", response_model=PostsPage, responses=_errors(400, 404))
def posts(request: Request, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> Any:
    """Live posts, newest first, 20 a page."""
    listing = site.listing(read_engine(request), page, counts=context_site(request).live_counts)
    if listing is None:
        raise HTTPException(404, "no such page of posts")
    counted = view_service.totals(read_engine(request), [c.ref for c in listing.cards])
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


@router.get(
    "/posts/{ref:path}",
    name="api_post",
    responses={
        200: {
            "description": "The live revision: title, body and meta, with its reference, "
            "slug, revision, dates and counted views.",
            "content": {"application/json": {"example": POST_EXAMPLE}},
        },
        **_errors(400, 404),
    },
)
def post(request: Request, ref: str) -> dict[str, Any]:
    """One live post by reference (percent-encode it: ``wp:site/1`` → ``wp%3Asite%2F1``)."""
    found = site.api_post(read_engine(request), ref)
    if found is None:
        raise HTTPException(404, f"no published post with reference {ref!r}")
    return {**found, "views": view_service.totals(read_engine(request), [ref])[ref]}


@router.get("/most-read", name="api_most_read", response_model=MostRead, responses=_errors(400))
def most_read(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=view_service.MAX_RANKED)] = 10,
    days: Annotated[int, Query(json_schema_extra={"enum": list(view_service.WINDOWS)})] = (
        view_service.DEFAULT_WINDOW
    ),
) -> Any:
    """Live posts ranked by the views counted in the last ``days`` days (7, 30 or 365)."""
    on = view_service.today()
    kept = context_site(request).most_read
    ranked = view_service.most_read(read_engine(request), days, limit, on, kept=kept)
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


_TEXT_BODY = {"type": "string", "pattern": r"\S"}
IMPORT_BODY = {
    "required": True,
    "description": "A scraped page, a JSON document or array of documents, or JSONL.",
    "content": {
        "text/plain": {"schema": _TEXT_BODY, "example": "a title\n\nA paragraph.\n"},
        "application/json": {
            # Any JSON value is read: a document (object) or an array of them is imported,
            # anything else is reported as rejected (422), never refused unread.
            "schema": {"description": "a document, or an array of documents"},
            "example": {"title": "a title", "body": [{"type": "paragraph", "text": "Hi."}]},
        },
        "application/x-ndjson": {"schema": _TEXT_BODY},
    },
}


@router.post(
    "/import",
    name="api_import",
    dependencies=Token,
    response_model=ImportReport,
    responses={
        422: {"model": ImportReport, "description": "Some documents were rejected."},
        **_errors(400, 401, 403, 413),
    },
    openapi_extra={"requestBody": IMPORT_BODY},
)
async def import_(request: Request) -> JSONResponse:
    """Import the body (scraped page, JSON document or array, JSONL); scope ``import``.

    200 when every document was accepted, 422 when some were rejected (the others are
    imported; the body is the same summary ``alphanode import --json`` prints).
    """
    # The importer's parsers (lxml, feedparser, YAML front matter) are loaded by the first
    # import a worker serves, not by every worker that only serves readers.
    from alphanode.services import importer

    who = await run_in_threadpool(require_token, request, "import")
    body = await bodies.read_body(request, settings(request).api_max_body_bytes)
    if not body.strip():
        raise UsageError("empty request body", "a scraped page, a JSON document or JSONL")
    report = await run_in_threadpool(
        importer.import_bytes, engine(request), settings(request), f"api:{who.name}", body
    )
    return JSONResponse(report.to_dict(), status_code=422 if report.rejected else 200)


@router.post(
    "/posts/{ref:path}/review",
    name="api_review",
    dependencies=Token,
    response_model=Decision,
    responses=_errors(400, 401, 403, 404, 409, 413),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ReviewRequest.model_json_schema()}},
        }
    },
)
async def review_post(request: Request, ref: str) -> Any:
    """Approve or reject a post's pending revision; scope ``review``."""
    who = await run_in_threadpool(require_token, request, "review")
    # Bounded: size (the smaller of the setting and what a decision needs) and depth.
    limit = min(bodies.REVIEW_BODY_BYTES, settings(request).api_max_body_bytes)
    data = await bodies.read_json(request, limit)
    if isinstance(data, dict) and data.get("revision") is not None:
        # ASCII whole numbers a revision column can hold; never a bool, float or huge int.
        data["revision"] = bodies.whole_number(data["revision"], "revision")
    try:
        asked = ReviewRequest.model_validate(data)
    except ValidationError as exc:
        problems = exc.errors()
        where = ".".join(str(p) for p in problems[0]["loc"]) if problems else ""
        said = problems[0]["msg"] if problems else "not valid"
        raise UsageError(
            f"{where or 'body'}: {said}",
            f'a JSON object {{"action": "approve"|"reject", "note": text of at most '
            f'{NOTE_MAX_CHARS} characters, "revision": a revision number}}',
            code="AN-REQUEST-002",
        ) from None
    if asked.action == "approve":
        d = await run_in_threadpool(
            review.approve, engine(request), ref, who.name, asked.note, asked.revision
        )
    else:
        if not asked.note.strip():
            raise UsageError(  # 400, before the service's CLI-worded 409 "--note"
                "reject needs a note saying why",
                'a non-empty "note" field in the JSON body (it is kept in the review log)',
                code="AN-REVIEW-002",
            )
        d = await run_in_threadpool(review.reject, engine(request), ref, who.name, asked.note)
    await run_in_threadpool(context_site(request).index_pending)  # the decision, searchable now
    return {"ref": d.ref, "revision": d.revision, "action": d.action, "status": d.status}


def truthful_openapi(app: FastAPI, settings: Settings) -> None:
    """/api/v1/openapi.json: the JSON API only (pages, feeds and the review screens are not
    JSON), 400 with the error shape where FastAPI would document its own 422, and the
    limits set by settings (the query length) as they are on this server."""

    def generate() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            paths = schema.get("paths", {})
            schema["paths"] = {p: item for p, item in paths.items() if p.startswith("/api/")}
            _refine(schema, settings)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = generate  # type: ignore[method-assign]


def _refine(schema: dict[str, Any], settings: Settings) -> None:
    bad_request = {
        "description": "The request is not valid (parameters, body or Host).",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    for path, item in schema.get("paths", {}).items():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None) if path != "/api/v1/import" else None
            responses.setdefault("400", bad_request)
            for param in operation.get("parameters", []):
                if path == "/api/v1/search" and param["name"] == "q":
                    param["schema"]["maxLength"] = int(settings.search_max_query_chars)
    components = schema.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
