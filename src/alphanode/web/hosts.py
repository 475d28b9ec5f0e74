"""The Host check: with no site_url, only the allowed_hosts are served (like Django's).

Without site_url, canonical, OpenGraph, feed and sitemap links are built from the request's
Host header; a request naming any other host is refused with 400 before it reaches a route
or the page cache, so a forged Host never appears in a link.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


def parse_hosts(value: str) -> tuple[str, ...]:
    """``"a.org, .b.org"`` → ``("a.org", ".b.org")``, lower-cased."""
    return tuple(h.strip().lower() for h in value.split(",") if h.strip())


def host_name(header: str) -> str:
    """The host of a Host header without its port: ``[::1]:8000`` → ``[::1]``."""
    header = header.strip().lower()
    if header.startswith("["):
        end = header.find("]")
        return header[: end + 1] if end > 0 else ""
    name, _, port = header.partition(":")
    return name if port.isdigit() or not port else ""


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """``.example.org`` matches example.org and every subdomain; ``*`` matches any host."""
    if not host:
        return False
    for pattern in allowed:
        if pattern == "*" or host == pattern:
            return True
        if pattern.startswith(".") and (host == pattern[1:] or host.endswith(pattern)):
            return True
    return False


class HostCheck:
    """Refuses requests whose Host is not allowed; ``refuse`` answers them (a 400)."""

    def __init__(self, app: ASGIApp, *, allowed: tuple[str, ...], refuse: ASGIApp) -> None:
        self.app = app
        self.allowed = allowed
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = next((v for k, v in scope["headers"] if k == b"host"), b"")
            if not host_allowed(host_name(header.decode("latin-1")), self.allowed):
                await self.refuse(scope, receive, send)
                return
        await self.app(scope, receive, send)
