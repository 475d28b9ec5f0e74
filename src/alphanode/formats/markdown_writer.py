"""Writing a Document as Markdown with YAML front matter that Hugo and Jekyll can build.

The front matter carries ``title``, ``date``, ``slug``, ``tags``, ``draft``, ``reference``
and the whole ``meta``, so that reading the file back (``formats.markdown``) gives the same
document. Text is escaped so that it reads back as text, never as markup.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from alphanode.content.document import (
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
)
from alphanode.content.source import SOURCE, is_published
from alphanode.formats.markdown import EMBED_LANG

_ALWAYS = re.compile(r"([\\`*_\[\]<>~|#])")
_LINE_START = re.compile(r"^([ \t]*)([-+=>!]|\d+(?=[.)]))", re.M)
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_DELIMS = {Emphasis: "*", Strong: "**", Delete: "~~"}
_ALIGN = {None: "---", "left": ":--", "center": ":-:", "right": "--:"}


def render(doc: Any, *, slug: str | None = None, date: str | None = None) -> str:
    """One post as a Markdown file: front matter, a blank line, the body."""
    front: dict[str, Any] = {"title": doc.title}
    src = doc.meta.get(SOURCE) if isinstance(doc.meta.get(SOURCE), dict) else {}
    when = date or src.get("published")
    if when:
        front["date"] = when
    if slug:
        front["slug"] = slug
    if src.get("tags"):
        front["tags"] = list(src["tags"])
    if not is_published(doc.meta):
        front["draft"] = True
    if doc.reference:
        front["reference"] = doc.reference
    front["meta"] = doc.meta
    head = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=1_000_000)
    return f"---\n{head}---\n\n{blocks(doc.body)}"


def blocks(body: tuple[Block, ...] | list[Block]) -> str:
    """The body: blocks separated by blank lines; consecutive lists alternate their markers."""
    parts: list[str] = []
    previous: Block | None = None
    turn = 0
    for b in body:
        if isinstance(b, ListBlock) and isinstance(previous, ListBlock):
            turn += 1
        else:
            turn = 0
        parts.append(_block(b, turn))
        previous = b
    return "".join(p + "\n\n" for p in parts)


def _block(b: Block, turn: int = 0) -> str:  # noqa: C901 - one branch per block type
    if isinstance(b, Paragraph):
        return inlines(b.children) if b.children else _text(b.text, True)
    if isinstance(b, Heading):
        text = inlines(b.children) if b.children else _text(b.text, False)
        return "#" * b.depth + " " + text
    if isinstance(b, ListBlock):
        return _list(b, turn)
    if isinstance(b, Image):
        return _image(b)
    if isinstance(b, Code):
        info = b.lang + (f' title="{b.filename}"' if b.filename else "")
        return _fence(b.value, info)
    if isinstance(b, Embed):
        return _fence(b.value, f"{EMBED_LANG} {b.kind}")
    if isinstance(b, BlockQuote):
        inner = blocks(b.children).rstrip("\n")
        return "\n".join(("> " + line).rstrip() for line in inner.split("\n")) or ">"
    if isinstance(b, Table):
        return _table(b)
    assert isinstance(b, ThematicBreak)  # noqa: S101 - the last block type
    return "***"


def _text(text: str, line_start: bool = False) -> str:
    out = _ENTITY.sub("\\\\&", _ALWAYS.sub(r"\\\1", text))
    return _LINE_START.sub(_escape_start, out) if line_start or "\n" in out else out


def _escape_start(m: re.Match[str]) -> str:
    lead, mark = m.group(1), m.group(2)
    if mark.isdigit():
        return lead + mark + "\\"  # "1." → "1\." (the dot follows, unchanged)
    return lead + "\\" + mark


def inlines(nodes: tuple[Inline, ...], line_start: bool = True) -> str:
    parts: list[str] = []
    for i, n in enumerate(nodes):
        first = line_start and i == 0 or (i > 0 and isinstance(nodes[i - 1], Break))
        parts.append(_inline(n, first))
    return "".join(parts)


def _inline(n: Inline, line_start: bool) -> str:
    if isinstance(n, Text):
        return _text(n.value, line_start)
    if isinstance(n, InlineCode):
        return _code_span(n.value)
    if isinstance(n, Break):
        return "\\\n"
    if isinstance(n, Link):
        title = ' "' + _title(n.title) + '"' if n.title else ""
        return f"[{inlines(n.children, False)}]({_url(n.url)}{title})"
    mark = _DELIMS[type(n)]
    return mark + inlines(n.children, False) + mark


def _url(url: str) -> str:
    """A link destination that reads back as exactly ``url`` (backslashes and entity-like
    ``&`` escaped; pointy brackets when it holds spaces, parentheses or ``<>``)."""
    out = _ENTITY.sub("\\\\&", url.replace("\\", "\\\\"))
    if not out or re.search(r"[\s()<>]", out):
        return "<" + out.replace("<", "\\<").replace(">", "\\>") + ">"
    return out


def _code_span(value: str) -> str:
    runs = [len(r) for r in re.findall("`+", value)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if value.startswith(("`", " ")) or value.endswith(("`", " ")) else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _fence(value: str, info: str) -> str:
    runs = [len(r) for r in re.findall("^`{3,}", value, re.M)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    body = value + "\n" if value else ""
    return f"{fence}{info}\n{body}{fence}"


def _image(b: Image) -> str:
    caption = b.caption + (f". image source: {b.source}" if b.source else "")
    title = ' "' + _title(caption) + '"' if caption else ""
    image = f"![{_text(b.alt)}]({_url(b.url)}{title})"
    return f"[{image}]({_url(b.link)})" if b.link else image


def _list(b: ListBlock, turn: int) -> str:
    lines: list[str] = []
    for k, item in enumerate(b.items):
        if b.ordered:
            marker = f"{b.start + k}{'.' if turn % 2 == 0 else ')'} "
        else:
            marker = "-*+"[turn % 3] + " "
        lines.append(_item(item, marker))
    loose = any(isinstance(i, ListItem) and len(i.children) > 1 for i in b.items)
    return ("\n\n" if loose else "\n").join(lines)


def _item(item: str | ListItem, marker: str) -> str:
    if isinstance(item, str):
        text = _text(item, True)
        return (marker + text).rstrip() if text else marker.rstrip()
    task = "" if item.checked is None else ("[x] " if item.checked else "[ ] ")
    inner = blocks(item.children).rstrip("\n")
    pad = " " * len(marker)
    lines = inner.split("\n") if inner else [""]
    head = (marker + task + lines[0]).rstrip()
    rest = [(pad + line).rstrip() for line in lines[1:]]
    return "\n".join([head, *rest])


def _table(b: Table) -> str:
    def row(cells: tuple[tuple[Inline, ...], ...]) -> str:
        return "| " + " | ".join(inlines(c, False) for c in cells) + " |"

    head, *body = b.rows
    lines = [row(head), "| " + " | ".join(_ALIGN[a] for a in b.align) + " |"]
    lines.extend(row(r) for r in body)
    return "\n".join(lines)


def _title(text: str) -> str:
    """A link or image title: backslashes, quotes and entity-like ``&`` escaped."""
    return _ENTITY.sub("\\\\&", text.replace("\\", "\\\\").replace('"', '\\"'))
