"""The general source part of meta (``meta.source``): what every importer knows of an item.

Beside the typed alphanode meta box (which stays as it is for scraped pages): the format an
item came from, its id and URL there, its status, dates, authors, tags, categories,
excerpt and featured image. Unknown source fields go to ``meta.extra``, never here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SOURCE = "source"
TEXT_FIELDS = ("format", "id", "url", "status", "published", "updated", "excerpt", "image")
LIST_FIELDS = ("authors", "tags", "categories")
FIELDS = (*TEXT_FIELDS, *LIST_FIELDS)
PUBLISHED = "published"  # the source status of an item that is public at its source


def check_source(value: Any, problem: Callable[[str, Any, str], None]) -> dict[str, Any] | None:
    """``meta.source`` in its canonical shape (fields in ``FIELDS`` order), or a problem."""
    if not isinstance(value, dict):
        problem("meta.source", value, "an object of source fields")
        return None
    out: dict[str, Any] = {}
    for key in value:
        if key not in FIELDS:
            problem(f"meta.source.{key}", value[key], "one of " + ", ".join(FIELDS))
            return None
    for key in FIELDS:
        if key not in value:
            continue
        got = value[key]
        if key in LIST_FIELDS:
            if not isinstance(got, list) or not all(isinstance(x, str) for x in got):
                problem(f"meta.source.{key}", got, "a list of text")
                return None
        elif not isinstance(got, str):
            problem(f"meta.source.{key}", got, "text")
            return None
        out[key] = got
    return out


def source_part(**fields: Any) -> dict[str, Any]:
    """A ``meta.source`` from keyword fields, empty ones dropped, in canonical order."""
    out: dict[str, Any] = {}
    for key in FIELDS:
        got = fields.get(key)
        if got:
            out[key] = list(got) if key in LIST_FIELDS else str(got)
    return out


def is_published(meta: dict[str, Any]) -> bool:
    """False only for an item its source says is not public (draft, private, future...)."""
    src = meta.get(SOURCE)
    status = src.get("status") if isinstance(src, dict) else None
    return status in (None, "", PUBLISHED, "publish")
