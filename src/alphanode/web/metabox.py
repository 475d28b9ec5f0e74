"""The *alphanode post meta* box as rows a template can show: lists as lists, never as text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alphanode.content.meta import EXTRA, label
from alphanode.web.urls import term_path

LINKED_LISTS = {"stack": "stack", "tools": "tools"}


@dataclass(frozen=True)
class Item:
    text: str
    href: str | None = None


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    kind: str  # text, link, number, views, list, record, scores, flags, records, any
    value: Any


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def _pairs(record: dict[str, Any]) -> list[tuple[str, str]]:
    return [(label(k), _text(v)) for k, v in record.items()]


def _row(key: str, value: Any) -> Row:  # noqa: C901 - one branch per kind of meta value
    name = label(key)
    if key in LINKED_LISTS and isinstance(value, list):
        items = [Item(str(v), term_path(LINKED_LISTS[key], str(v)) or None) for v in value]
        return Row(key, name, "list", items)
    if key == "difficulty" and isinstance(value, str) and value:
        return Row(key, name, "link", Item(value, term_path("difficulty", value) or None))
    if key == "view_count" and isinstance(value, int):
        return Row(key, "view count (imported)", "views", value)
    if key == "score" and isinstance(value, dict):
        scores = [(label(k), v) for k, v in value.items() if isinstance(v, int)]
        return Row(key, name, "scores", scores)
    if key == "flags" and isinstance(value, dict):
        return Row(key, name, "flags", [(label(k), bool(v)) for k, v in value.items()])
    if isinstance(value, dict):
        return Row(key, name, "record", _pairs(value))
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return Row(key, name, "records", [_pairs(v) for v in value])
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return Row(key, name, "list", [Item(_text(v)) for v in value])
    if isinstance(value, int) and not isinstance(value, bool):
        return Row(key, name, "number", value)
    if isinstance(value, str | bool) or value is None:
        return Row(key, name, "text", _text(value))
    return Row(key, name, "any", value)


# Page chrome the scraper kept (nothing is dropped): the page shows its own breadcrumb and
# Similar Posts, so these stay in the data but not in the box.
CHROME = {"breadcrumb", "similar_posts"}


def rows(meta: dict[str, Any]) -> list[Row]:
    """Every meta key in the page's order; unknown keys (``extra``) are shown too."""
    out: list[Row] = []
    for key, value in meta.items():
        if key == EXTRA and isinstance(value, dict):
            out.extend(_row(k, v) for k, v in value.items() if k not in CHROME)
        else:
            out.append(_row(key, value))
    return out
