"""Slugs: short, readable, ASCII path segments made from titles."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 120


def slugify(text: str, max_length: int = MAX_SLUG) -> str:
    """``"Production checklist: ça va?"`` → ``"production-checklist-ca-va"``; never empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NON_WORD.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug or "post"


def is_slug(text: str) -> bool:
    return bool(text) and len(text) <= 200 and slugify(text, 200) == text
