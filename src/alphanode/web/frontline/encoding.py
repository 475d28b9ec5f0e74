"""Content codings: Accept-Encoding negotiation (q-values honoured) and compression."""

from __future__ import annotations

import gzip

import brotli

IDENTITY = "identity"
# Ours, best first: when the client weights two equally, the first wins.
CODINGS = ("br", "gzip")
# Below this a compressed body saves too little to be worth the CPU and the Vary split.
MIN_SIZE = 512
COMPRESSIBLE = (
    b"text/html",
    b"application/json",
    b"application/xml",
    b"text/xml",
    b"application/atom+xml",
    b"application/rss+xml",
    b"application/problem+json",
)
GZIP_LEVEL = 6
BROTLI_QUALITY = 5  # a fast level: passthrough answers are compressed per request


def compressible(content_type: bytes, size: int) -> bool:
    """HTML, XML and JSON bodies of at least ``MIN_SIZE`` bytes."""
    kind = content_type.split(b";", 1)[0].strip().lower()
    return size >= MIN_SIZE and (
        kind in COMPRESSIBLE or kind.endswith(b"+xml") or kind.endswith(b"+json")
    )


def _weights(header: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for item in header.split(","):
        name, _, params = item.partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0  # a q-value we cannot read accepts nothing
        weights[name] = q
    return weights


def negotiate(header: str | None) -> str:
    """The coding to answer with (RFC 9110 12.5.3). No header: identity (many simple
    clients never decode). A coding weighted ``q=0`` is refused; ``*`` stands for any coding
    not listed; when nothing we have is acceptable, identity (a 406 helps nobody)."""
    if not header:
        return IDENTITY
    weights = _weights(header)
    star = weights.get("*")
    best, best_q = IDENTITY, 0.0
    for coding in CODINGS:
        q = weights.get(coding, star if star is not None else 0.0)
        if q > best_q:
            best, best_q = coding, q
    if best_q <= 0.0:
        return IDENTITY
    # identity is always acceptable unless refused, but a listed coding is preferred to it
    # unless identity is weighted above it, by name or by ``*``.
    identity_q = weights.get(IDENTITY, star if star is not None else 0.0)
    return best if best_q >= identity_q else IDENTITY


def compress(body: bytes, coding: str) -> bytes:
    if coding == "gzip":
        # mtime=0: the same body always compresses to the same bytes.
        return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
    if coding == "br":
        return bytes(brotli.compress(body, quality=BROTLI_QUALITY))
    return body
