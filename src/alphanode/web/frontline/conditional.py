"""Conditional requests: the one ETag function, HTTP dates, RFC 9110 evaluation, the one 304."""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib

from starlette.types import Message

Headers = list[tuple[bytes, bytes]]

# What a 304 carries (RFC 9110 15.4.5: the fields a 200 would have sent that describe the
# representation and its caching), plus our own request tracing.
NOT_MODIFIED_KEEP = frozenset(
    {
        b"cache-control",
        b"content-location",
        b"date",
        b"etag",
        b"expires",
        b"last-modified",
        b"vary",
        b"x-cache",
        b"x-cache-rule",
        b"x-request-id",
    }
)


def etag(body: bytes, coding: str = "identity") -> bytes:
    """A strong ETag for ``body`` (the identity body); an encoded variant gets its own tag
    (RFC 9110 8.8.3: a different content coding is a different representation)."""
    tag = hashlib.blake2b(body, digest_size=12).hexdigest()
    return f'"{tag}"'.encode() if coding == "identity" else f'"{tag}-{coding}"'.encode()


def for_coding(tag: bytes, coding: str) -> bytes:
    """An ETag the app chose, suffixed for an encoded variant (``W/"x"`` → ``W/"x-gzip"``)."""
    if coding == "identity" or not tag.endswith(b'"'):
        return tag
    return tag[:-1] + b"-" + coding.encode() + b'"'


def _opaque(tag: bytes) -> bytes:
    tag = tag.strip()
    return tag[2:] if tag.startswith(b"W/") else tag


def matches(tag: bytes, wanted: bytes) -> bool:
    """If-None-Match: ``*`` matches any current representation, else one of the listed tags,
    compared weakly (RFC 9110 13.1.2)."""
    if not wanted or not tag:
        return False
    if wanted.strip() == b"*":
        return True
    mine = _opaque(tag)
    return any(_opaque(t) == mine for t in wanted.split(b","))


def http_date(when: float | dt.datetime) -> bytes:
    """An IMF-fixdate (``Sun, 06 Nov 1994 08:49:37 GMT``), to the second. A datetime without
    a zone is UTC (SQLite hands them back that way)."""
    if isinstance(when, dt.datetime):
        stamp = (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).timestamp()
    else:
        stamp = when
    return email.utils.formatdate(int(stamp), usegmt=True).encode()


def parse_date(value: bytes) -> int | None:
    """Seconds since the epoch of an HTTP date, or None when it is not one."""
    try:
        parsed = email.utils.parsedate_to_datetime(value.decode("latin-1"))
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp())


def settled(last_modified: bytes, now: float) -> bool:
    """A Last-Modified whose second is over: a change later in the same second could not be
    told apart from it (HTTP dates have whole seconds), so such a date is not sent."""
    when = parse_date(last_modified)
    return when is not None and when < int(now)


def not_modified(tag: bytes, last_modified: bytes, none_match: bytes, since: bytes) -> bool:
    """RFC 9110 13.2.2 for GET/HEAD: If-None-Match decides when sent; otherwise
    If-Modified-Since, against the representation's Last-Modified."""
    if none_match:
        return matches(tag, none_match)
    if since and last_modified:
        asked, modified = parse_date(since), parse_date(last_modified)
        return asked is not None and modified is not None and modified <= asked
    return False


def response_304(headers: Headers) -> tuple[Message, Message]:
    """The one 304 builder: the start and (empty) body messages."""
    kept = [h for h in headers if h[0] in NOT_MODIFIED_KEEP]
    return (
        {"type": "http.response.start", "status": 304, "headers": kept},
        {"type": "http.response.body", "body": b""},
    )
