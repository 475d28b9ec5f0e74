"""Reading the body blocks and inline nodes of the canonical JSON shape into the model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alphanode.content.document import (
    ALIGNS,
    Block,
    BlockQuote,
    Break,
    Code,
    Delete,
    Embed,
    Emphasis,
    Heading,
    Image,
    Inline,
    InlineCode,
    Link,
    ListBlock,
    ListItem,
    Paragraph,
    Strong,
    Table,
    Text,
    ThematicBreak,
    heading,
    list_item,
    normal_inlines,
    paragraph,
)
from alphanode.content.meta import (
    WARN_IMAGE_NO_SOURCE,
    WARN_UNKNOWN_KEY,
    WARN_UNSAFE_URL,
    is_safe_url,
    shown,
)
from alphanode.errors import DocumentWarning

BLOCK_KEYS = {
    "paragraph": ("type", "text", "children"),
    "heading": ("type", "depth", "text", "children"),
    "list": ("type", "ordered", "start", "items"),
    "image": ("type", "alt", "caption", "source", "url", "link"),
    "code": ("type", "lang", "filename", "value"),
    "blockquote": ("type", "children"),
    "table": ("type", "align", "rows"),
    "thematicBreak": ("type",),
    "embed": ("type", "kind", "value"),
}
BLOCK_TYPES = tuple(BLOCK_KEYS)
INLINE_TYPES = ("text", "emphasis", "strong", "delete", "inlineCode", "link", "break")
_IMAGE_FIELDS = ("alt", "caption", "source", "url")
_PARENTS: dict[str, Callable[[tuple[Inline, ...]], Inline]] = {
    "emphasis": Emphasis,
    "strong": Strong,
    "delete": Delete,
}

ProblemAt = Callable[[str, Any, str], None]


class BodyReader:
    """Reads blocks; every wrong value is a problem at its path, every unknown key a warning."""

    def __init__(
        self, problem: ProblemAt, warnings: list[DocumentWarning], line: int | None
    ) -> None:
        self.problem = problem
        self.warnings = warnings
        self.line = line

    def warn(self, code: str, path: str, value: Any, detail: str) -> None:
        self.warnings.append(DocumentWarning(code, path, shown(value), detail, self.line))

    def blocks(self, raw: Any, path: str) -> list[Block]:
        if not isinstance(raw, list):
            self.problem(path, raw, "a list of blocks")
            return []
        out: list[Block] = []
        for i, item in enumerate(raw):
            block = self.block(item, f"{path}[{i}]")
            if block is not None:
                out.append(block)
        return out

    def block(self, item: Any, path: str) -> Block | None:
        kind = item.get("type") if isinstance(item, dict) else None
        if not isinstance(kind, str) or kind not in BLOCK_KEYS:
            self.problem(f"{path}.type", kind, "one of " + ", ".join(BLOCK_TYPES))
            return None
        assert isinstance(item, dict)  # noqa: S101 - kind is only set for dicts
        for key in item:
            if key not in BLOCK_KEYS[kind]:
                detail = f"unknown field of a {kind} block, ignored"
                self.warn(WARN_UNKNOWN_KEY, f"{path}.{key}", item[key], detail)
        return _READERS[kind](self, item, path)

    def text(self, item: dict[str, Any], key: str, path: str, default: str = "") -> str | None:
        value = item.get(key, default)
        if not isinstance(value, str):
            self.problem(f"{path}.{key}", value, "text")
            return None
        return value

    def inlines(self, raw: Any, path: str) -> tuple[Inline, ...] | None:
        if not isinstance(raw, list):
            self.problem(path, raw, "a list of inline nodes (text or objects)")
            return None
        out: list[Inline] = []
        ok = True
        for i, node in enumerate(raw):
            got = self.inline(node, f"{path}[{i}]")
            if got is None:
                ok = False
            else:
                out.append(got)
        return normal_inlines(out) if ok else None

    def inline(self, node: Any, path: str) -> Inline | None:
        if isinstance(node, str):
            return Text(node)
        kind = node.get("type") if isinstance(node, dict) else None
        if not isinstance(kind, str) or kind not in INLINE_TYPES:
            self.problem(f"{path}.type", kind, "text, or one of " + ", ".join(INLINE_TYPES))
            return None
        assert isinstance(node, dict)  # noqa: S101 - kind is only set for dicts
        if kind == "break":
            return Break()
        if kind in ("text", "inlineCode"):
            value = self.text(node, "value", path)
            if value is None:
                return None
            return Text(value) if kind == "text" else InlineCode(value)
        children = self.inlines(node.get("children", []), f"{path}.children")
        if children is None:
            return None
        if kind != "link":
            return _PARENTS[kind](children)
        url, title = self.text(node, "url", path), self.text(node, "title", path)
        if url is None or title is None:
            return None
        if url and not is_safe_url(url) and not _relative_or_mail(url):
            self.warn(WARN_UNSAFE_URL, f"{path}.url", url, "kept as inert text, never a link")
        return Link(url, children, title)

    def flowing(self, item: dict[str, Any], path: str) -> tuple[Inline, ...] | None:
        """A paragraph's or heading's content: ``text`` (plain) or ``children`` (markup)."""
        if "children" in item:
            if "text" in item:
                self.problem(f"{path}.text", item["text"], "either text or children, not both")
                return None
            return self.inlines(item["children"], f"{path}.children")
        text = item.get("text")
        if not isinstance(text, str):
            self.problem(f"{path}.text", text, "text")
            return None
        return (Text(text),)


def _relative_or_mail(url: str) -> bool:
    return url.startswith(("mailto:", "/", "#", "./", "../")) and not url.startswith("//")


def _paragraph(r: BodyReader, item: dict[str, Any], path: str) -> Block | None:
    if "children" not in item:  # the common case, kept exactly as it was
        text = item.get("text")
        if not isinstance(text, str):
            r.problem(f"{path}.text", text, "text")
            return None
        return Paragraph(text)
    nodes = r.flowing(item, path)
    return None if nodes is None else paragraph(nodes)


def _heading(r: BodyReader, item: dict[str, Any], path: str) -> Block | None:
    depth = item.get("depth", 2)
    if type(depth) is not int or not 2 <= depth <= 6:
        r.problem(f"{path}.depth", depth, "a heading depth from 2 to 6")
        return None
    nodes = r.flowing(item, path)
    if nodes is None:
        return None
    if "children" not in item:
        return Heading(item["text"], depth=depth)
    return heading(nodes, depth)


def _list(r: BodyReader, item: dict[str, Any], path: str) -> Block | None:
    ordered, start = item.get("ordered", False), item.get("start", 1)
    if not isinstance(ordered, bool):
        r.problem(f"{path}.ordered", ordered, "true or false")
        return None
    if type(start) is not int or not 0 <= start <= 999_999_999:
        r.problem(f"{path}.start", start, "a whole number from 0 to 999999999")
        return None
    raw = item.get("items")
    if not isinstance(raw, list) or not all(isinstance(x, str | dict) for x in raw):
        r.problem(f"{path}.items", raw, "a list of text (or list item objects)")
        return None
    items: list[str | ListItem] = []
    for i, one in enumerate(raw):
        got = _item(r, one, f"{path}.items[{i}]")
        if got is None:
            return None
        items.append(got)
    return ListBlock(tuple(items), ordered=ordered, start=start if ordered else 1)


def _item(r: BodyReader, one: Any, path: str) -> str | ListItem | None:
    if isinstance(one, str):
        return one
    assert isinstance(one, dict)  # noqa: S101 - checked by the caller
    checked = one.get("checked")
    if checked is not None and not isinstance(checked, bool):
        r.problem(f"{path}.checked", checked, "true, false or null")
        return None
    for key in one:
        if key not in ("checked", "children"):
            r.warn(WARN_UNKNOWN_KEY, f"{path}.{key}", one[key], "unknown field of a list item")
    return list_item(r.blocks(one.get("children", []), f"{path}.children"), checked)


def _image(r: BodyReader, item: dict[str, Any], path: str) -> Block | None:
    values = {k: r.text(item, k, path) for k in (*_IMAGE_FIELDS, "link")}
    if any(v is None for v in values.values()):
        return None
    alt, caption, source, url, link = (str(values[k]) for k in (*_IMAGE_FIELDS, "link"))
    if url and not is_safe_url(url):
        r.warn(WARN_UNSAFE_URL, f"{path}.url", url, "not an http(s) URL: kept as inert text")
    elif not url:
        r.warn(WARN_IMAGE_NO_SOURCE, f"{path}.url", caption, "image has no url")
    if link and not is_safe_url(link) and not _relative_or_mail(link):
        r.warn(WARN_UNSAFE_URL, f"{path}.link", link, "kept as inert text, never a link")
    return Image(alt, caption, source, url, link=link)


def _code(r: BodyReader, item: dict[str, Any], path: str) -> Block | None:
    value, lang, name = (r.text(item, k, path) for k in ("value", "lang", "filename"))
    if value is None or lang is None or name is None:
        return None
    return Code(value, lang, name)


def _quote(r: BodyReader, item: dict[str, Any], path: str) -> Block | None:
    return BlockQuote(tuple(r.blocks(item.get("children", []), f"{path}.children")))


def _table(r: BodyReader, item: dict[str, Any], path: str) -> Block | None:
    align, rows = item.get("align"), item.get("rows")
    if not isinstance(align, list) or not all(a is None or a in ALIGNS for a in align):
        r.problem(f"{path}.align", align, "a list of null, left, center or right per column")
        return None
    if not isinstance(rows, list) or not rows or not all(isinstance(x, list) for x in rows):
        r.problem(f"{path}.rows", rows, "a list of rows (the first is the header)")
        return None
    out: list[tuple[tuple[Inline, ...], ...]] = []
    for i, row in enumerate(rows):
        if len(row) != len(align):
            r.problem(f"{path}.rows[{i}]", row, f"{len(align)} cells, one per column")
            return None
        cells = []
        for j, cell in enumerate(row):
            got = r.inlines([cell] if isinstance(cell, str) else cell, f"{path}.rows[{i}][{j}]")
            if got is None:
                return None
            cells.append(got)
        out.append(tuple(cells))
    return Table(tuple(align), tuple(out))


def _break(r: BodyReader, item: dict[str, Any], path: str) -> Block | None:
    return ThematicBreak()


def _embed(r: BodyReader, item: dict[str, Any], path: str) -> Block | None:
    kind, value = r.text(item, "kind", path), r.text(item, "value", path)
    if kind is None or value is None:
        return None
    if not kind:
        r.problem(f"{path}.kind", kind, "the kind of source element, e.g. wp:shortcode/gallery")
        return None
    return Embed(kind, value)


_READERS: dict[str, Callable[[BodyReader, dict[str, Any], str], Block | None]] = {
    "paragraph": _paragraph,
    "heading": _heading,
    "list": _list,
    "image": _image,
    "code": _code,
    "blockquote": _quote,
    "table": _table,
    "thematicBreak": _break,
    "embed": _embed,
}
