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
    """Ready for traffic: the database answers and its schema is current (else 503)."""
    ready = await run_in_threadpool(health.readiness, engine(request))
    body = ready.to_dict()
    replicas = await run_in_threadpool(context_site(request).replica_status)
    if replicas:  # a replica behind or away degrades to the primary: still ready
        body["replicas"] = replicas
    return JSONResponse(body, status_code=200 if ready.ok else 503)


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
    body = request.app.state.metrics.render(figures, replicas)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
