"""The typed per-request object: what the front line knows about one request and its answer."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import Scope

from alphanode.cache_rules import CacheRule
from alphanode.web.frontline import rules
from alphanode.web.frontline.security import HEADERS as SECURITY_HEADERS

Headers = list[tuple[bytes, bytes]]
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
UNMATCHED = "unmatched"


def route_of(scope: Scope) -> str:
    """The path template the router matched (``/posts/{slug}``): a bounded metrics label."""
    route = scope.get("route")
    return str(getattr(route, "path", None) or UNMATCHED)


@dataclass(slots=True)
class Exchange:
    scope: Scope  # as the app sees it: HEAD is asked of the app as GET
    method: str  # as the client asked
    path: str
    query: bytes
    headers: dict[bytes, bytes]
    rule: CacheRule
    request_id: str
    started: float
    personal: bool
    bypass: bool
    coding: str  # the content coding the client accepts best
    outcome: str  # page cache: hit, miss, bypass, or off (not consulted)
    status: int = 500
    route: str = ""
    responded: bool = False  # the response start has been sent

    @classmethod
    def begin(
        cls, scope: Scope, book: rules.RuleBook, negotiate: Callable[[str | None], str]
    ) -> Exchange:
        started = time.perf_counter()
        method = scope["method"]
        path = scope["path"]
        headers: dict[bytes, bytes] = dict(scope["headers"])
        rid = headers.get(b"x-request-id", b"").decode("latin-1")
        if not _REQUEST_ID.fullmatch(rid):
            rid = os.urandom(8).hex()
        if method == "HEAD":
            scope = {**scope, "method": "GET"}
        rule = book.rule(path)
        query = scope.get("query_string", b"")
        is_personal = rules.personal(headers)
        bypass = rules.bypassed(rule, method, query, is_personal)
        accept = headers.get(b"accept-encoding")
        return cls(
            scope=scope,
            method=method,
            path=path,
            query=query,
            headers=headers,
            rule=rule,
            request_id=rid,
            started=started,
            personal=is_personal,
            bypass=bypass,
            coding=negotiate(accept.decode("latin-1") if accept is not None else None),
            outcome=("bypass" if bypass else "miss") if rule.in_process else "off",
        )

    @property
    def head(self) -> bool:
        return self.method == "HEAD"

    @property
    def public(self) -> bool:
        """A shared answer: cacheable by anyone, never holding a secret."""
        return self.rule.in_process and not self.bypass

    @property
    def may_compress(self) -> bool:
        """Compression of an answer that may hold a secret (a reviewer's pages with their CSRF
        token, the sign-in screen) next to reflected input would leak it (BREACH): never."""
        return not self.personal and not self.rule.cache_control.startswith("private")

    def cache_key(self) -> str:
        # Scheme and host are part of the key: pages carry absolute links built from them
        # when no site_url is set (an https request behind a trusted proxy, or a forged
        # Host), and one such request must not change what others are served.
        host = self.headers.get(b"host", b"").decode("latin-1").lower()
        key = f"{self.scope.get('scheme', 'http')}://{host}{self.path}"
        return key + "?" + self.query.decode("latin-1") if self.query else key

    def tracing(self) -> Headers:
        """The rule, the request id and the security headers: on every answer."""
        return [
            (b"x-cache-rule", self.rule.name.encode()),
            (b"x-request-id", self.request_id.encode()),
            *SECURITY_HEADERS,
        ]

    def control(self, status: int) -> bytes:
        """Cache-Control of an answer not served from the page cache."""
        if self.bypass and self.rule.in_process:
            return b"private, no-cache"
        if status >= 400 and self.rule.cache_control.startswith("public"):
            return b"no-cache"
        return self.rule.cache_control.encode()
