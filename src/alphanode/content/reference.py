"""References made from a source item's own id, for ids outside the reference character set."""

from __future__ import annotations

import hashlib
import re

from alphanode.content.meta import REFERENCE_MAX, is_reference

_UNSAFE = re.compile(r"[^A-Za-z0-9._:~@+-]+")


def reference_for(prefix: str, raw: str) -> str:
    """A stable reference for a source item's own id (a feed entry's URL, a WordPress
    site and post id, a file's path): ``prefix + raw`` when that is a valid reference, else
    a readable form of it (characters outside the reference set become ``-``, empty parts
    dropped) followed by ``~`` and 10 hex of the raw id's SHA-256, so that two different ids
    do not meet by accident and the same id always gives the same reference."""
    whole = prefix + raw
    if is_reference(whole):
        return whole
    digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    parts = [_UNSAFE.sub("-", p).strip("-.:~@+") for p in raw.replace("://", "/").split("/")]
    readable = "/".join(p for p in parts if p)
    room = REFERENCE_MAX - len(prefix) - len(digest) - 1
    readable = readable[:room].rstrip("/-.:~@+")
    out = f"{prefix}{readable}~{digest}" if readable else f"{prefix}{digest}"
    return out if is_reference(out) else f"{prefix.rstrip('/')}~{digest}"
