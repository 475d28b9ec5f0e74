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


_SYMBOLS = (("++", " plus plus "), ("+", " plus "), ("#", " sharp "))


def term_slug(label: str) -> str:
    """The slug of a stack, tool, difficulty or topic: ``c++`` → ``c-plus-plus``, ``c#`` →
    ``c-sharp`` (so they do not all become ``c``); ``""`` when nothing nameable is left."""
    text = label.strip().lower()
    for symbol, name in _SYMBOLS:
        text = text.replace(symbol, name)
    slug = slugify(text, 150)
    return "" if slug == "post" and "post" not in text else slug


def is_slug(text: str) -> bool:
    return bool(text) and len(text) <= 200 and slugify(text, 200) == text
