"""The front line of every request, composed from the parts in ``web/frontline/``.

A pure ASGI middleware: edge answers and page-cache hits never reach the framework.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alphanode.web.accesslog import AccessLog
from alphanode.web.agents import classify
from alphanode.web.errors import FixedError, fixed_json
from alphanode.web.frontline import conditional, edge, encoding, views
from alphanode.web.frontline.exchange import Exchange, Headers, route_of
from alphanode.web.frontline.logline import LogLines
from alphanode.web.frontline.pagecache import Entry, PageCache
from alphanode.web.frontline.representation import Representation, Variant
from alphanode.web.frontline.rules import RuleBook
from alphanode.web.frontline.version import ContentVersion
from alphanode.web.metrics import Metrics
from alphanode.web.views import ViewCounter

STATIC = Path(__file__).parent / "static"
_CRASH = FixedError(b"Server error", fixed_json(500, "Something went wrong on our side."))
_BAD_QUERY = FixedError(
    b"Bad request: the query string is not valid UTF-8.",
    fixed_json(400, "The query string is not valid UTF-8."),
)


class Frontline:
    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        views: ViewCounter,
        version: Callable[[], int],
        last_change: Callable[[], float | None] | None = None,
        entries: int,
        check_seconds: float,
        log_format: str,
        access: AccessLog | None,
        crash: FixedError = _CRASH,
        bad_query: FixedError = _BAD_QUERY,
    ) -> None:
        self.app = app
        self.access = access
        self.crash = crash
        self.bad_query = bad_query
        self.metrics = metrics
        self.views = views
        self.cache = PageCache(entries)
        self.version = ContentVersion(version, check_seconds, self._changed, last_change)
        self.book = RuleBook()
        self.negotiate = lru_cache(maxsize=512)(encoding.negotiate)
        self.lines = LogLines(log_format)
        self.favicon = (STATIC / "favicon.ico").read_bytes()

    def _changed(self, first: bool) -> None:
        """Public content moved: every kept page may be stale, so the cache is emptied."""
        if not first:
            self.metrics.invalidated(len(self.cache.entries))
        self.cache.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ex = Exchange.begin(scope, self.book, self.negotiate)
        try:
            fixed = edge.answer(ex, self.favicon, self.bad_query)
            if fixed is not None:
                ex.outcome = "off"
                tracing = [*ex.tracing(), (b"x-cache", b"off")]
                variant = fixed.variant(ex.coding)
                await self._send(ex, fixed, variant, variant.headers + tracing, send)
            elif ex.public:
                await self.version.refresh()
                if self.cache.on:
                    await self._cached(ex, receive, send)
                else:
                    await self._passthrough(ex, receive, send)
            else:
                await self._passthrough(ex, receive, send)
        except Exception:
            # A crash below: answer with the error page ourselves (so it carries the security
            # headers and is logged like any request), then let the server log the traceback.
            if not ex.responded:
                ex.status = 500
                await self._crash_page(ex, send)
            self._after(ex)
            raise
        self._after(ex)

    def _last_modified(self, ex: Exchange) -> bytes:
        """Site-wide pages changed when the content version last did (an article route sets
        its own, the post's last change, which wins)."""
        return conditional.http_date(self.version.changed_at) if ex.public else b""

    async def _send(
        self, ex: Exchange, answer: Representation, variant: Variant, headers: Headers, send: Send
    ) -> None:
        """Send a whole answer, or the one 304 when the request's conditions say so."""
        ex.status = answer.status
        ex.responded = True
        if answer.status == 200 and conditional.not_modified(
            variant.etag,
            answer.last_modified,
            ex.headers.get(b"if-none-match", b""),
            ex.headers.get(b"if-modified-since", b""),
        ):
            ex.status = 304
            start, body = conditional.response_304(headers)
            await send(start)
            await send(body)
            return
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if ex.head else variant.body})

    async def _cached(self, ex: Exchange, receive: Receive, send: Send) -> None:
        now = time.monotonic()
        key = ex.cache_key()
        entry = self.cache.get(key, now)
        if entry is None:
            ex.outcome = "miss"
            entry = await self._render(ex, receive, now)
            if entry.answer.status == 200:
                self.cache.put(key, entry)
        else:
            ex.outcome = "hit"
        self.metrics.cache_outcome(ex.outcome)
        ex.route = entry.route
        variant = entry.answer.variant(ex.coding)
        tracing = ex.tracing()
        if ex.outcome == "hit":
            if variant.hit_headers is None:
                variant.hit_headers = (
                    variant.headers + tracing[:1] + tracing[2:] + [(b"x-cache", b"hit")]
                )
            headers = variant.hit_headers + tracing[1:2]  # only the request id differs
        else:
            headers = variant.headers + tracing + [(b"x-cache", b"miss")]
        await self._send(ex, entry.answer, variant, headers, send)

    async def _render(self, ex: Exchange, receive: Receive, now: float) -> Entry:
        status = 500
        headers: Headers = []
        chunks: list[bytes] = []

        async def collect(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(ex.scope, receive, collect)
        control = ex.rule.cache_control.encode() if status == 200 else b"no-cache"
        kept = [h for h in headers if h[0] not in (b"cache-control", b"etag")]
        kept.append((b"cache-control", control))
        answer = Representation.of(
            status,
            kept,
            b"".join(chunks),
            last_modified=self._last_modified(ex),
            may_compress=ex.may_compress,
            now=time.time(),
        )
        # A page whose Last-Modified was left out (content changed this very second) is
        # rebuilt a second later, with it.
        ttl = min(ex.rule.ttl, 1) if status == 200 and not answer.last_modified else ex.rule.ttl
        return Entry(answer, now + ttl, route_of(ex.scope))

    def _holds(self, ex: Exchange, status: int, headers: Headers) -> bool:
        """Wait for the body of a GET answer when it decides the ETag (a 200) or may be
        compressed (HTML, XML, JSON)."""
        if ex.scope["method"] != "GET":
            return False
        if status == 200:
            return True
        found = dict(headers)
        kind = found.get(b"content-type", b"")
        return (
            ex.may_compress
            and b"content-encoding" not in found
            and encoding.compressible(kind, encoding.MIN_SIZE)
        )

    async def _passthrough(self, ex: Exchange, receive: Receive, send: Send) -> None:
        """Add headers; a single-chunk answer gets its ETag, its encoding and conditions."""
        held: Message | None = None
        tracing = [*ex.tracing(), (b"x-cache", ex.outcome.encode())]

        async def forward(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                ex.status = message["status"]
                headers = [h for h in message.get("headers", []) if h[0] != b"cache-control"]
                headers.append((b"cache-control", ex.control(ex.status)))
                if self._holds(ex, ex.status, headers):
                    held = {**message, "headers": headers}
                    return
                ex.responded = True
                message = {**message, "headers": headers + tracing}
            elif message["type"] == "http.response.body" and held is not None:
                start, held = held, None
                if not message.get("more_body", False):
                    answer = Representation.of(
                        start["status"],
                        start["headers"],
                        message.get("body", b""),
                        last_modified=self._last_modified(ex),
                        may_compress=ex.may_compress,
                        now=time.time(),
                    )
                    variant = answer.variant(ex.coding)
                    await self._send(ex, answer, variant, variant.headers + tracing, send)
                    return
                ex.responded = True
                await send({**start, "headers": start["headers"] + tracing})
            if ex.head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(ex.scope, receive, forward)

    async def _crash_page(self, ex: Exchange, send: Send) -> None:
        body, kind = self.crash.for_path(ex.path)
        headers = [
            (b"content-type", kind),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
            *ex.tracing(),
        ]
        await send({"type": "http.response.start", "status": 500, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _after(self, ex: Exchange) -> None:
        """Metrics, the view hook and the access-log line: in memory, no I/O."""
        elapsed = time.perf_counter() - ex.started
        ex.route = ex.route or route_of(ex.scope)
        agent = classify(ex.headers.get(b"user-agent", b"").decode("latin-1"))
        self.metrics.observe(ex.route, ex.rule.name, ex.status, elapsed)
        views.count(ex, agent, self.views, self.metrics)
        if self.access is not None:
            self.access.write(self.lines.line(ex, agent, elapsed))
