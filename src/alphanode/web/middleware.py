"""The front line of every request: request id, cache rules and the page cache, ETags,
security headers, view counting, metrics and one structured log line.

A pure ASGI middleware: a page-cache hit never reaches the framework.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alphanode.cache_rules import CacheRule, rule_for
from alphanode.web.accesslog import AccessLog
from alphanode.web.agents import classify
from alphanode.web.metrics import Metrics
from alphanode.web.security import HEADERS as SECURITY_HEADERS
from alphanode.web.views import ViewCounter

_ARTICLE = re.compile(r"/posts/([^/]+)")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_SESSION = b"an_session="


UNMATCHED = "unmatched"


def _route(scope: Scope) -> str:
    """The path template the router matched (``/posts/{slug}``): a bounded metrics label."""
    route = scope.get("route")
    return str(getattr(route, "path", None) or UNMATCHED)


@dataclass
class Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    expires: float
    route: str = UNMATCHED
    hit_headers: list[tuple[bytes, bytes]] | None = None  # built on the first hit, reused


def _matches(etag: bytes, wanted: bytes) -> bool:
    """If-None-Match: ``*`` matches any current representation, else one of the listed tags."""
    return bool(wanted) and (wanted.strip() == b"*" or etag in wanted)


def _with_etag(
    start: Message, body: Message, wanted: bytes, state: dict[str, Any]
) -> tuple[Message, Message]:
    headers = list(start["headers"])
    etag = next((v for k, v in headers if k == b"etag"), b"")
    if not etag:
        etag = (
            b'"'
            + hashlib.blake2b(body.get("body", b""), digest_size=12).hexdigest().encode()
            + b'"'
        )
        headers.append((b"etag", etag))
    if _matches(etag, wanted):
        state["status"] = 304
        keep = {
            b"etag",
            b"cache-control",
            b"x-cache-rule",
            b"x-cache",
            b"x-request-id",
            b"last-modified",
        }
        return (
            {
                "type": "http.response.start",
                "status": 304,
                "headers": [h for h in headers if h[0] in keep],
            },
            {"type": "http.response.body", "body": b""},
        )
    return {**start, "headers": headers}, body


@lru_cache(maxsize=8192)
def _quoted(path: str) -> str:
    return json.dumps(path)


@lru_cache(maxsize=8192)
def _rule(path: str) -> CacheRule:
    return rule_for(path)


Headers = dict[bytes, bytes]


class Frontline:
    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        views: ViewCounter,
        version: Callable[[], int],
        entries: int,
        check_seconds: float,
        log_format: str,
        access: AccessLog | None,
        crash_html: bytes = b"Server error",
        crash_json: bytes = b'{"error": {"code": "AN-HTTP-500"}}',
    ) -> None:
        self.app = app
        self.access = access
        self.crash_html = crash_html
        self.crash_json = crash_json
        self.metrics = metrics
        self.views = views
        self.version = version
        self.max_entries = entries
        self.check_seconds = check_seconds
        self.json_logs = log_format == "json"
        self.cache: OrderedDict[str, Entry] = OrderedDict()
        self.seen_version: int | None = None
        self.checked_at = 0.0

    def _fresh(self, now: float) -> None:
        """Drop every cached page when public content changed since the last check."""
        if now - self.checked_at < self.check_seconds and self.seen_version is not None:
            return
        self.checked_at = now
        current = self.version()
        if current != self.seen_version:
            self.cache.clear()
            self.seen_version = current

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"]
        path = scope["path"]
        rule = _rule(path)
        h: Headers = dict(scope["headers"])
        rid = h.get(b"x-request-id", b"").decode("latin-1")
        if not _REQUEST_ID.fullmatch(rid):
            rid = os.urandom(8).hex()
        head = method == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        bypass = self._bypass(scope, h, rule, method)
        outcome = ("bypass" if bypass else "miss") if rule.in_process else "off"
        state: dict[str, Any] = {"status": 500}
        extra = [
            (b"x-cache-rule", rule.name.encode()),
            (b"x-request-id", rid.encode()),
            *SECURITY_HEADERS,
        ]
        try:
            if rule.in_process and not bypass and self.max_entries > 0:
                outcome = await self._cached(scope, h, receive, send, rule, head, extra, state)
            else:
                control = (
                    b"private, no-cache"
                    if bypass and rule.in_process
                    else rule.cache_control.encode()
                )
                await self._passthrough(
                    scope, h, receive, send, head, extra, control, outcome, state
                )
        except Exception:
            # A crash below: answer with the error page ourselves (so it carries the security
            # headers and is logged like any request), then let the server log the traceback.
            if not state.get("started"):
                state["status"] = 500
                await self._crash_page(path, send, extra)
            self._after(h, path, method, rule, outcome, state, started, rid, scope)
            raise
        self._after(h, path, method, rule, outcome, state, started, rid, scope)

    async def _crash_page(self, path: str, send: Send, extra: list[tuple[bytes, bytes]]) -> None:
        api = path.startswith("/api/")
        body, kind = (
            (self.crash_json, b"application/json")
            if api
            else (self.crash_html, b"text/html; charset=utf-8")
        )
        headers = [
            (b"content-type", kind),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
            *extra,
        ]
        await send({"type": "http.response.start", "status": 500, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _bypass(self, scope: Scope, h: Headers, rule: CacheRule, method: str) -> bool:
        if method not in ("GET", "HEAD") or not rule.in_process:
            return True
        if b"authorization" in h or _SESSION in h.get(b"cookie", b""):
            return True
        query = scope.get("query_string", b"")
        if query:
            keys = {k for k, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True)}
            if not keys <= set(rule.query_ok):
                return True
        return False

    async def _cached(
        self,
        scope: Scope,
        h: Headers,
        receive: Receive,
        send: Send,
        rule: CacheRule,
        head: bool,
        extra: list[tuple[bytes, bytes]],
        state: dict[str, Any],
    ) -> str:
        now = time.monotonic()
        self._fresh(now)
        query = scope.get("query_string", b"")
        # The host is part of the key: with no site_url set, pages carry links built from the
        # request's Host header, and one forged Host must not poison what others are served.
        host = h.get(b"host", b"").decode("latin-1").lower()
        key = host + scope["path"] + ("?" + query.decode("latin-1") if query else "")
        entry = self.cache.get(key)
        outcome = "hit"
        if entry is None or entry.expires < now:
            outcome = "miss"
            entry = await self._render(scope, receive, rule, now)
            if entry.status == 200:
                self.cache[key] = entry
                if len(self.cache) > self.max_entries:
                    self.cache.popitem(last=False)
        else:
            self.cache.move_to_end(key)
        self.metrics.cache_outcome(outcome)
        state["status"] = entry.status
        state["route"] = entry.route
        if outcome == "hit":
            if entry.hit_headers is None:
                entry.hit_headers = entry.headers + extra[:1] + extra[2:] + [(b"x-cache", b"hit")]
            headers = entry.hit_headers + extra[1:2]  # only the request id differs
        else:
            headers = entry.headers + extra + [(b"x-cache", outcome.encode())]
        if entry.status == 200 and _matches(entry.etag, h.get(b"if-none-match", b"")):
            state["status"] = 304
            keep = {b"etag", b"cache-control", b"x-cache-rule", b"x-cache", b"x-request-id"}
            await send(
                {
                    "type": "http.response.start",
                    "status": 304,
                    "headers": [h for h in headers if h[0] in keep],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return outcome
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else entry.body})
        return outcome

    async def _render(self, scope: Scope, receive: Receive, rule: CacheRule, now: float) -> Entry:
        status = 500
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def collect(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, collect)
        body = b"".join(chunks)
        etag = b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'
        control = rule.cache_control.encode() if status == 200 else b"no-cache"
        kept = [h for h in headers if h[0] not in (b"cache-control", b"etag")]
        kept += [(b"cache-control", control)]
        if status == 200:
            kept.append((b"etag", etag))
        return Entry(status, kept, body, etag, now + rule.ttl, _route(scope))

    async def _passthrough(
        self,
        scope: Scope,
        h: Headers,
        receive: Receive,
        send: Send,
        head: bool,
        extra: list[tuple[bytes, bytes]],
        control: bytes,
        outcome: str,
        state: dict[str, Any],
    ) -> None:
        """Add headers; give single-chunk 200 answers an ETag and answer If-None-Match."""
        held: Message | None = None
        wanted = h.get(b"if-none-match", b"")

        async def forward(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["started"] = True
                headers = [h for h in message.get("headers", []) if h[0] != b"cache-control"]
                public = control.startswith(b"public")
                headers.append(
                    (
                        b"cache-control",
                        b"no-cache" if message["status"] >= 400 and public else control,
                    )
                )
                message = {**message, "headers": headers + extra + [(b"x-cache", outcome.encode())]}
                if message["status"] == 200 and scope["method"] == "GET":
                    held = message  # wait for the body: it decides the ETag
                    return
            elif message["type"] == "http.response.body" and held is not None:
                start, held = held, None
                if not message.get("more_body", False):
                    start, message = _with_etag(start, message, wanted, state)
                await send(start)
            if head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, forward)

    def _after(
        self,
        h: Headers,
        path: str,
        method: str,
        rule: CacheRule,
        outcome: str,
        state: dict[str, Any],
        started: float,
        rid: str,
        scope: Scope,
    ) -> None:
        elapsed = time.perf_counter() - started
        status: int = state["status"]
        route: str = state.get("route") or _route(scope)
        ua = classify(h.get(b"user-agent", b"").decode("latin-1"))
        self.metrics.observe(route, rule.name, status, elapsed)
        if method == "GET" and status in (200, 304):
            m = _ARTICLE.fullmatch(path)
            if m is not None:
                self._count_view(h, m.group(1), ua)
        if self.access is not None:
            # Built by hand: this runs on every request. Only the path needs JSON escaping
            # (the request id is checked against a safe pattern, the rest are our words).
            ms = round(elapsed * 1000, 2)
            if self.json_logs:
                self.access.write(
                    f'{{"request_id":"{rid}","method":"{method}","path":{_quoted(path)},'
                    f'"route":{_quoted(route)},"rule":"{rule.name}","status":{status},'
                    f'"ms":{ms},"cache":"{outcome}","ua":"{ua}"}}'
                )
            else:
                self.access.write(
                    f"request_id={rid} method={method} path={path!r} route={route} "
                    f"rule={rule.name} status={status} ms={ms} cache={outcome} ua={ua}"
                )

    def _count_view(self, h: Headers, slug: str, ua: str) -> None:
        purpose = h.get(b"sec-purpose", b"") + h.get(b"purpose", b"")
        if ua != "browser":
            self.metrics.ignored(ua)
        elif b"prefetch" in purpose:
            self.metrics.ignored("prefetch")
        elif _SESSION in h.get(b"cookie", b""):
            self.metrics.ignored("reviewer")
        else:
            self.views.add(slug)
            self.metrics.views.inc()
