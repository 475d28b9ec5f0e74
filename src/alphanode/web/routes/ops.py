"""Operations endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import JSONResponse, Response

from alphanode.services import health
from alphanode.services.accounts import AuthError
from alphanode.web.context import engine, settings
from alphanode.web.context import site as context_site
from alphanode.web.errors import error_body

router = APIRouter()


@router.get("/healthz", name="healthz")
async def healthz() -> JSONResponse:
    """The process is up and answering (touches nothing else: for liveness probes)."""
    return JSONResponse({"status": "ok"})


@router.get("/readyz", name="readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready for traffic: the database answers, its schema is current and (on a host with
    its own search index) that index has been built (else 503); ``search`` says how far the
    index is behind the change log."""
    ready = await run_in_threadpool(health.readiness, engine(request))
    body = ready.to_dict()
    replicas = await run_in_threadpool(context_site(request).replica_status)
    if replicas:  # a replica behind or away degrades to the primary: still ready
        body["replicas"] = replicas
    ok = ready.ok
    if ready.ok:
        search = await run_in_threadpool(context_site(request).search_replica)
        if search is not None:  # this host's own index: behind is still ready, never built not
            body["search"] = search.to_dict()
            if search.upto is None:
                ok = False
                body["status"] = "not ready"
                problems = body.get("problems")
                if isinstance(problems, list):
                    problems.append("this host's search index is being built from the posts")
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics", name="metrics")
async def metrics(request: Request) -> Response:
    """Prometheus text; with the ``metrics_token`` setting, only for that bearer token."""
    token = settings(request).metrics_token
    if token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            refused = AuthError(
                "/metrics without its bearer token",
                "an Authorization: Bearer header with the metrics_token setting's value",
            )
            return JSONResponse(
                error_body(401, refused.message(), refused),
                status_code=401,
                headers={"www-authenticate": 'Bearer realm="metrics"'},
            )
    figures = await run_in_threadpool(health.figures, engine(request))
    replicas = await run_in_threadpool(context_site(request).replica_status)
    search = await run_in_threadpool(context_site(request).search_replica)
    body = request.app.state.metrics.render(figures, replicas, search)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
