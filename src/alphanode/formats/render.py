"""Writing a Document in the scraped alphanode page format (the reader's inverse)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from alphanode.content.document import (
    Document,
    Heading,
    Image,
    ListBlock,
    ListItem,
    Paragraph,
    block_text,
    item_text,
)
from alphanode.content.meta import (
    EXTRA,
    EXTRA_BREADCRUMB,
    EXTRA_SIMILAR,
    EXTRA_UNPARSED,
    SCHEMA,
    SPECIAL_EXTRA,
    Shape,
    label,
    render_leaf,
)
from alphanode.formats.scraped import BULLET, META_MARKER, SIMILAR_MARKER

_ITEM = f"  {BULLET} "
_DEEP = f"    {BULLET} "


def render(doc: Document) -> str:
    """The page text; ``scraped.parse(render(doc)).document == doc`` where the format allows."""
    raw_extra = doc.meta.get(EXTRA)
    extra: Mapping[str, Any] = raw_extra if isinstance(raw_extra, dict) else {}
    out: list[str] = [_text(extra.get(EXTRA_BREADCRUMB) or "|"), "", doc.title, ""]
    for block in doc.body:
        if isinstance(block, Paragraph | Heading):
            out.append(block.text)
        elif isinstance(block, ListBlock):
            out.extend(_ITEM + _item(item) for item in block.items)
        elif isinstance(block, Image):
            if block.alt:
                out.append(block.alt)
            credit = f"image source: {block.source}".rstrip()
            out.append(f"{block.caption}. {credit}" if block.caption else credit)
        else:
            # The page has no syntax for code, tables, quotes or embeds: their text, line by
            # line (docs/formats.md, "What the text format cannot express").
            lines = [line for line in block_text(block).splitlines() if line.strip()]
            if not lines:
                continue
            out.extend(lines)
        out.append("")
    meta_lines = _meta_lines(doc.meta, extra)
    if meta_lines:
        out += [META_MARKER, "", *meta_lines, ""]
    out.append(SIMILAR_MARKER)
    similar = extra.get(EXTRA_SIMILAR)
    if isinstance(similar, list):
        out.extend(_text(s) for s in similar)
    return "\n".join(out) + "\n"


def _meta_lines(meta: Mapping[str, Any], extra: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    for key, value in meta.items():
        shape = SCHEMA.get(key)
        if shape is not None:
            lines.extend(_known(key, shape, value))
        elif key == EXTRA:
            for xkey, xvalue in extra.items():
                if xkey not in SPECIAL_EXTRA:
                    lines.extend(_extra(xkey, xvalue))
    unparsed = extra.get(EXTRA_UNPARSED)
    if isinstance(unparsed, list) and unparsed:
        # Lines an earlier read could not place, under a label of their own, so that a
        # later read finds them again instead of guessing where they belonged.
        lines += [label(EXTRA_UNPARSED), *(_ITEM + _text(t) for t in unparsed)]
    return lines


def _known(key: str, shape: Shape, value: Any) -> list[str]:
    name = label(key)
    if shape.form == "scalar":
        return [name + render_leaf(shape, key, value)]
    if shape.form == "list":
        return [name, *(_ITEM + _text(v) for v in value)]
    if shape.form == "record":
        return [name, *_pairs(_ITEM, shape, value)]
    lines = [name]
    for record in value:
        lines.extend(_pairs(_DEEP, shape, record))
    return lines


def _pairs(prefix: str, shape: Shape | None, record: Mapping[str, Any]) -> list[str]:
    lines = []
    for k, v in record.items():
        text = render_leaf(shape, k, v) if shape is not None else _text(v)
        lines.append(f"{prefix}{label(k)}: {text}".rstrip())
    return lines


def _extra(key: str, value: Any) -> list[str]:
    name = label(key)
    if isinstance(value, dict):
        return [name, *_pairs(_ITEM, None, value)]
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        lines = [name]
        for record in value:
            lines.extend(_pairs(_DEEP, None, record))
        return lines
    if isinstance(value, list):
        return [name, *(_ITEM + _text(v) for v in value)]
    return [f"{name}: {_text(value)}".rstrip()]


def _text(value: Any) -> str:
    """Text as it is; any other JSON value as JSON (the page cannot tell them apart)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _item(item: str | ListItem) -> str:
    return item if isinstance(item, str) else " ".join(item_text(item).split())
