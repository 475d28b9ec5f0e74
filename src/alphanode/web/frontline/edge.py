"""Answers the front line gives without the app: a trailing slash's permanent redirect,
/favicon.ico, and 400 for a query string that is not UTF-8."""

from __future__ import annotations

from urllib.parse import quote, unquote_to_bytes

from alphanode.web.errors import FixedError
from alphanode.web.frontline.exchange import Exchange
from alphanode.web.frontline.representation import Representation

FAVICON = "/favicon.ico"


def valid_query(query: bytes) -> bool:
    """Every percent-decoded byte sequence of the query string is UTF-8. (Splitting on ``&``
    and ``=`` first changes nothing: they are ASCII, and cannot complete a sequence.)"""
    try:
        unquote_to_bytes(query.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def without_slash(ex: Exchange) -> bytes:
    """The Location of ``/posts/x/?a=1``: ``/posts/x?a=1``. Leading slashes collapse to one,
    so ``//evil.example/`` stays on this site (never a protocol-relative redirect)."""
    raw = ex.scope.get("raw_path") or quote(ex.path).encode()
    raw = raw.split(b"?", 1)[0]  # some clients' raw_path carries the query string
    location = b"/" + raw.strip(b"/")
    return location + b"?" + ex.query if ex.query else location


def answer(ex: Exchange, favicon: bytes, bad_query: FixedError) -> Representation | None:
    if ex.query and not valid_query(ex.query):
        body, kind = bad_query.for_path(ex.path)
        return _fixed(ex, 400, [(b"content-type", kind)], body)
    if ex.path != "/" and ex.path.endswith("/"):
        return _fixed(ex, 308, [(b"location", without_slash(ex))], b"")
    if ex.path == FAVICON and ex.method in ("GET", "HEAD"):
        return _fixed(ex, 200, [(b"content-type", b"image/x-icon")], favicon)
    return None


def _fixed(
    ex: Exchange, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> Representation:
    headers = [*headers, (b"cache-control", ex.control(status))]
    return Representation.of(status, headers, body, may_compress=ex.may_compress)
