"""Review desk screens for fixing a post before approving it: the edit form, its preview,
and claims (included before the review router, whose ``/review/posts/{ref:path}`` would
otherwise catch ``…/edit``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from alphanode.content.card import reading_time
from alphanode.content.document import Document
from alphanode.errors import DocumentRejected, Problem
from alphanode.services import claims
from alphanode.services import site as site_service
from alphanode.services.accounts import Principal
from alphanode.web import body, metabox, templating
from alphanode.web.auth import FORM_LIMIT, client_address, require_form
from alphanode.web.context import engine, settings, site
from alphanode.web.routes.review import _screen as screen
from alphanode.web.routes.review import _who_or_login as who_or_login
from alphanode.web.urls import review_path

if TYPE_CHECKING:
    from alphanode.services import editing

router = APIRouter()


def _limit(request: Request) -> int:
    """The edit form carries a whole article: as large as an import accepts, with room for
    the form's encoding."""
    return max(FORM_LIMIT, 3 * settings(request).import_max_document_bytes)


def _article(request: Request, doc: Document, slug: str) -> dict[str, Any]:
    """What ``_article.html`` needs to show ``doc`` exactly as the post page does (with the
    Similar Posts the post has now)."""
    blocks, toc = body.view(doc, settings(request).external_images)
    found = site_service.preview(site(request), slug)
    return {
        "doc": doc,
        "blocks": blocks,
        "toc": toc,
        "source": body.source_view(doc),
        "meta_rows": metabox.rows(doc.meta),
        "reading_time": reading_time(doc),
        "published": "",
        "counted_views": found[0].views if found is not None else 0,
        "similar": found[0].similar if found is not None else [],
    }


def _page(
    request: Request,
    who: Principal,
    form: editing.EditForm,
    *,
    status: int = 200,
    message: str = "",
    problems: list[Problem] | None = None,
    preview: Document | None = None,
    since: int | None = None,
) -> Response:
    context: dict[str, Any] = {
        "form": form,
        "since": since,
        "claim": claims.current(engine(request), form.ref),
        "message": message,
        "problems": problems or [],
        "preview": preview is not None,
    }
    if preview is not None:
        context.update(_article(request, preview, form.slug))
    return screen(request, "review_edit.html", who, context, status)


@router.get("/review/posts/{ref:path}/edit", name="review_edit")
def edit_form(request: Request, ref: str) -> Response:
    from alphanode.services import editing  # its parsers load with the first edit

    who = who_or_login(request)
    if isinstance(who, Response):
        return who
    form, _ = editing.base_document(engine(request), ref)
    return _page(request, who, form)


@router.post("/review/posts/{ref:path}/edit", name="review_edit_post")
async def edit_save(request: Request, ref: str) -> Response:
    """Save the form as a new revision, or (the Preview button, no JavaScript needed) show
    it rendered. Whatever goes wrong, the page comes back with the reviewer's text in it."""
    from alphanode.services import editing  # its parsers load with the first edit

    who, data = await require_form(request, "review", _limit(request))
    base_form, base = await run_in_threadpool(editing.base_document, engine(request), ref)
    form = editing.sent(base_form, data)
    try:
        parsed = editing.build(base, data)
        if data.get("do") == "preview":
            return _page(request, who, form, preview=parsed.document)
        saved = await run_in_threadpool(
            editing.save,
            engine(request),
            settings(request),
            ref,
            data,
            who.name,
            client_address(request),
        )
    except DocumentRejected as exc:
        message = "Not saved: fix the fields below (nothing was stored; your text is kept)."
        return _page(request, who, form, status=422, message=message, problems=exc.problems)
    except (claims.Stale, claims.ClaimHeld) as exc:
        # A stale form links to what changed since it was based on (text still in the form).
        since = form.based_on if isinstance(exc, claims.Stale) and form.based_on else None
        return _page(request, who, form, status=exc.http_status, message=exc.message(), since=since)
    if saved.outcome != "updated":
        message = "Nothing changed, so no new revision was stored."
        return _page(request, who, form, message=message)
    return RedirectResponse(review_path(saved.ref), status_code=303)


@router.post("/review/posts/{ref:path}/preview", name="review_edit_preview")
async def edit_preview(request: Request, ref: str) -> Response:
    """The form rendered by the post page's own templates, as a fragment (the edit page's
    script asks for it while the reviewer types)."""
    from alphanode.services import editing  # its parsers load with the first edit

    _, data = await require_form(request, "review", _limit(request))
    form, base = await run_in_threadpool(editing.base_document, engine(request), ref)
    try:
        doc = editing.build(base, data).document
    except DocumentRejected as exc:
        context = {"problems": exc.problems, "preview": False}
        return _fragment(request, context, 422)
    return _fragment(
        request, {"problems": [], "preview": True, **_article(request, doc, form.slug)}
    )


def _fragment(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    response = templating.page(request, "_edit_preview.html", context, status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@router.post("/review/posts/{ref:path}/claim", name="review_claim")
async def claim(request: Request, ref: str) -> Response:
    """Claim the post for ``review_claim_minutes``; ``take_over=1`` ends another reviewer's
    claim (logged)."""
    who, data = await require_form(request, "review")
    await run_in_threadpool(
        claims.claim,
        engine(request),
        ref,
        who.name,
        settings(request).review_claim_minutes,
        client_address(request),
        take_over=data.get("take_over") == "1",
    )
    return RedirectResponse(review_path(ref), status_code=303)


@router.post("/review/posts/{ref:path}/release", name="review_release")
async def release(request: Request, ref: str) -> Response:
    who, _ = await require_form(request, "review")
    await run_in_threadpool(claims.release, engine(request), ref, who.name, client_address(request))
    return RedirectResponse(review_path(ref), status_code=303)
