"""Which URLs may become links or image sources, and local placeholders for images."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

from alphanode.content.slug import term_slug

_SIZE_RE = re.compile(r"^/(\d{1,4})(?:x(\d{1,4}))?(?:/|$)")
DEFAULT_SIZE = (1200, 630)
MAX_SIDE = 4000
PLACEHOLDER_HOSTS = ("placehold.co",)


# Never inside a well-formed URL as written in content: white space, quotes, angle brackets,
# backslashes (some browsers read them as "/"), and every control character.
_NOT_IN_URL = re.compile(r"[\x00-\x20\x7f\"'<>\\`{}|^]")


def safe_url(url: object) -> str | None:
    """The URL, re-serialised, if it is a well-formed http(s) URL with a host; else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or _NOT_IN_URL.search(url):
        return None
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is not a number from 0 to 65535 raises here
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit(parts)


@dataclass(frozen=True)
class ImageView:
    src: str  # always something an <img> can load: local placeholder or an http(s) URL
    fallback: str  # a local placeholder of the same size, swapped in if the src fails
    width: int
    height: int
    external: bool  # src is on another site (only with external_images = allow)
    original: str = ""  # the image's own URL when it is on another site, shown as a link


def placeholder_path(width: int, height: int, text: str) -> str:
    return f"/placeholder/{width}x{height}.svg?text={quote(text[:120])}"


def image_view(url: str, alt: str, external_images: str = "block") -> ImageView:
    """placehold.co images are drawn locally (same size, same text). Others on other sites:
    with ``block`` the local placeholder, with ``allow`` the image itself and a fallback."""
    safe = safe_url(url)
    width, height = DEFAULT_SIZE
    text = alt
    if safe is not None:
        parts = urlsplit(safe)
        host = (parts.hostname or "").lower()
        m = _SIZE_RE.match(parts.path)
        if host in PLACEHOLDER_HOSTS and m:
            width = min(int(m.group(1)), MAX_SIDE) or DEFAULT_SIZE[0]
            height = min(int(m.group(2) or m.group(1)), MAX_SIDE) or DEFAULT_SIZE[1]
            text = parse_qs(parts.query).get("text", [f"{width} × {height}"])[0]
            local = placeholder_path(width, height, text)
            return ImageView(local, local, width, height, False)
    fallback = placeholder_path(width, height, text or "image")
    if safe is None:
        return ImageView(fallback, fallback, width, height, False)
    if external_images != "allow":
        return ImageView(fallback, fallback, width, height, False, safe)
    return ImageView(safe, fallback, width, height, True, safe)


def term_path(kind: str, label: str) -> str:
    prefix = {"stack": "stack", "tools": "tools", "difficulty": "difficulty", "topic": "topics"}
    slug = term_slug(label)
    return f"/{prefix[kind]}/{slug}" if slug else ""


def review_path(ref: str) -> str:
    """A post's review page: the reference percent-encoded whole, so a stored reference with
    ``?``, ``#`` or ``/`` in it still names exactly that post."""
    return "/review/posts/" + quote(ref, safe="")


_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
LINK_SCHEMES = ("http", "https", "mailto")


def link_href(url: object) -> str | None:
    """The href a body link may have: http, https, mailto or relative; otherwise None.

    Browsers drop tabs and newlines anywhere in a URL and C0 controls at its ends, so
    ``java\\tscript:`` is ``javascript:``: the scheme is read as the browser reads it."""
    if not isinstance(url, str) or not url.strip():
        return None
    seen = re.sub(r"[\t\n\r]", "", url).strip("".join(chr(c) for c in range(33)))
    if any(ord(ch) < 32 or ch == "\x7f" for ch in seen):
        return None
    if seen[:2].replace("\\", "/") == "//":  # //host: another site, without a scheme
        return None
    found = _SCHEME_RE.match(seen)
    if found and found.group(1).lower() not in LINK_SCHEMES:
        return None
    return seen
