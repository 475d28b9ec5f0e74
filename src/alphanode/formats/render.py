"""Writing a Document in the scraped alphanode page format (the reader's inverse)."""

from __future__ import annotations

from typing import Any

from alphanode.content.document import Document, Heading, Image, ListBlock, Paragraph
from alphanode.content.meta import (
    EXTRA,
    EXTRA_BREADCRUMB,
    EXTRA_SIMILAR,
    SCHEMA,
    TEXT,
    Shape,
    label,
    render_leaf,
)
from alphanode.formats.scraped import BULLET, META_MARKER, SIMILAR_MARKER

_ITEM = f"  {BULLET} "
_DEEP = f"    {BULLET} "
_OPEN_TEXT = Shape("record", TEXT, {}, True)


def render(doc: Document) -> str:
    """The page text; ``scraped.parse(render(doc)).document == doc`` where the format allows."""
    extra = doc.meta.get(EXTRA) if isinstance(doc.meta.get(EXTRA), dict) else {}
    assert isinstance(extra, dict)  # noqa: S101 - narrowed above
    out: list[str] = [str(extra.get(EXTRA_BREADCRUMB) or "|"), "", doc.title, ""]
    for block in doc.body:
        if isinstance(block, Paragraph | Heading):
            out.append(block.text)
        elif isinstance(block, ListBlock):
            out.extend(_ITEM + item for item in block.items)
        elif isinstance(block, Image):
            if block.alt:
                out.append(block.alt)
            credit = f"image source: {block.source}".rstrip()
            out.append(f"{block.caption}. {credit}" if block.caption else credit)
        out.append("")
    meta_lines = _meta_lines(doc.meta, extra)
    if meta_lines:
        out += [META_MARKER, "", *meta_lines, ""]
    out.append(SIMILAR_MARKER)
    similar = extra.get(EXTRA_SIMILAR)
    if isinstance(similar, list):
        out.extend(str(s) for s in similar)
    return "\n".join(out) + "\n"


def _meta_lines(meta: dict[str, Any], extra: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for key, value in meta.items():
        if key == EXTRA:
            for xkey, xvalue in extra.items():
                if xkey not in (EXTRA_BREADCRUMB, EXTRA_SIMILAR):
                    lines.extend(_extra(xkey, xvalue))
            continue
        shape = SCHEMA.get(key)
        if shape is not None:
            lines.extend(_known(key, shape, value))
    return lines


def _known(key: str, shape: Shape, value: Any) -> list[str]:
    name = label(key)
    if shape.form == "scalar":
        return [name + render_leaf(shape, key, value)]
    if shape.form == "list":
        return [name, *(_ITEM + str(v) for v in value)]
    if shape.form == "record":
        return [name, *_pairs(_ITEM, shape, value)]
    lines = [name]
    for record in value:
        lines.extend(_pairs(_DEEP, shape, record))
    return lines


def _pairs(prefix: str, shape: Shape, record: dict[str, Any]) -> list[str]:
    return [f"{prefix}{label(k)}: {render_leaf(shape, k, v)}".rstrip() for k, v in record.items()]


def _extra(key: str, value: Any) -> list[str]:
    name = label(key)
    if isinstance(value, dict):
        return [name, *_pairs(_ITEM, _OPEN_TEXT, value)]
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        lines = [name]
        for record in value:
            lines.extend(_pairs(_DEEP, _OPEN_TEXT, record))
        return lines
    if isinstance(value, list):
        return [name, *(_ITEM + str(v) for v in value)]
    return [f"{name}: {value}".rstrip()]
