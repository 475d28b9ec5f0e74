"""The canonical document: a title, body blocks and typed meta, and its JSON shape."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

import orjson

from alphanode.errors import DocumentWarning

JSONValue: TypeAlias = Any


# Inline nodes (mdast names: text, emphasis, strong, delete, inlineCode, link, break).
# In JSON a text node is a bare string; the others are objects with their mdast ``type``.


@dataclass(frozen=True, slots=True)
class Text:
    value: str

    def to_json(self) -> JSONValue:
        return self.value


@dataclass(frozen=True, slots=True)
class Emphasis:
    children: tuple[Inline, ...]
    type: Literal["emphasis"] = "emphasis"

    def to_json(self) -> JSONValue:
        return {"type": self.type, "children": inlines_to_json(self.children)}


@dataclass(frozen=True, slots=True)
class Strong:
    children: tuple[Inline, ...]
    type: Literal["strong"] = "strong"

    def to_json(self) -> JSONValue:
        return {"type": self.type, "children": inlines_to_json(self.children)}


@dataclass(frozen=True, slots=True)
class Delete:
    """Strikethrough (GFM ``~~text~~``)."""

    children: tuple[Inline, ...]
    type: Literal["delete"] = "delete"

    def to_json(self) -> JSONValue:
        return {"type": self.type, "children": inlines_to_json(self.children)}


@dataclass(frozen=True, slots=True)
class InlineCode:
    value: str
    type: Literal["inlineCode"] = "inlineCode"

    def to_json(self) -> JSONValue:
        return {"type": self.type, "value": self.value}


@dataclass(frozen=True, slots=True)
class Link:
    """A link. ``url`` (the href) is kept as given; only the web layer decides if it links."""

    url: str
    children: tuple[Inline, ...]
    title: str = ""
    type: Literal["link"] = "link"

    def to_json(self) -> JSONValue:
        out: dict[str, Any] = {"type": self.type, "url": self.url}
        if self.title:
            out["title"] = self.title
        out["children"] = inlines_to_json(self.children)
        return out


@dataclass(frozen=True, slots=True)
class Break:
    """A hard line break inside a paragraph."""

    type: Literal["break"] = "break"

    def to_json(self) -> JSONValue:
        return {"type": self.type}


Inline: TypeAlias = Text | Emphasis | Strong | Delete | InlineCode | Link | Break


def inlines_to_json(nodes: tuple[Inline, ...]) -> list[JSONValue]:
    return [n.to_json() for n in nodes]


def inline_text(nodes: tuple[Inline, ...]) -> str:
    """The plain text of inline nodes, as a reader reads it (a break is a space)."""
    parts: list[str] = []
    for n in nodes:
        if isinstance(n, Text | InlineCode):
            parts.append(n.value)
        elif isinstance(n, Break):
            parts.append(" ")
        else:
            parts.append(inline_text(n.children))
    return "".join(parts)


def normal_inlines(nodes: Iterable[Inline]) -> tuple[Inline, ...]:
    """Inline nodes in their one canonical form: adjacent text joined, empty text dropped."""
    out: list[Inline] = []
    for n in nodes:
        if isinstance(n, Text):
            if not n.value:
                continue
            if out and isinstance(out[-1], Text):
                out[-1] = Text(out[-1].value + n.value)
                continue
        out.append(n)
    return tuple(out)


def is_plain(nodes: tuple[Inline, ...]) -> bool:
    return all(isinstance(n, Text) for n in nodes)


def _text_or_children(text: str, children: tuple[Inline, ...]) -> dict[str, Any]:
    return {"children": inlines_to_json(children)} if children else {"text": text}


# Blocks. The four blocks of the scraped page keep their JSON shape exactly; the new ones
# follow mdast (thematicBreak, blockquote, code, table) plus ``embed``.


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph. ``text`` is always its plain text; ``children`` is set only for markup."""

    text: str
    type: Literal["paragraph"] = "paragraph"
    children: tuple[Inline, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"type": "paragraph", **_text_or_children(self.text, self.children)}


def paragraph(nodes: Iterable[Inline]) -> Paragraph:
    """The canonical paragraph of inline nodes: plain text when there is no markup."""
    children = normal_inlines(nodes)
    if is_plain(children):
        return Paragraph(inline_text(children))
    return Paragraph(inline_text(children), children=children)


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading of ``depth`` 2–6 (the title is the only level 1); 2 is not written in JSON."""

    text: str
    type: Literal["heading"] = "heading"
    children: tuple[Inline, ...] = ()
    depth: int = 2

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "heading"}
        if self.depth != 2:
            out["depth"] = self.depth
        return {**out, **_text_or_children(self.text, self.children)}


def heading(nodes: Iterable[Inline], depth: int = 2) -> Heading:
    children = normal_inlines(nodes)
    depth = min(6, max(2, depth))
    if is_plain(children):
        return Heading(inline_text(children), depth=depth)
    return Heading(inline_text(children), children=children, depth=depth)


@dataclass(frozen=True, slots=True)
class ListItem:
    """A list item holding blocks; ``checked`` is set for a task list item."""

    children: tuple[Block, ...]
    checked: bool | None = None

    def to_json(self) -> JSONValue:
        out: dict[str, Any] = {}
        if self.checked is not None:
            out["checked"] = self.checked
        out["children"] = [b.to_dict() for b in self.children]
        return out


def list_item(children: Iterable[Block], checked: bool | None = None) -> str | ListItem:
    """The canonical item: plain text for one plain paragraph (or none), else a ``ListItem``."""
    blocks = tuple(children)
    if checked is None:
        if not blocks:
            return ""
        only = blocks[0]
        if len(blocks) == 1 and isinstance(only, Paragraph) and not only.children:
            return only.text
    return ListItem(blocks, checked)


def item_text(item: str | ListItem) -> str:
    return item if isinstance(item, str) else "\n".join(block_text(b) for b in item.children)


@dataclass(frozen=True, slots=True)
class ListBlock:
    """A list. Items are text, or ``ListItem`` for markup, nested lists and task items."""

    items: tuple[str | ListItem, ...]
    type: Literal["list"] = "list"
    ordered: bool = False
    start: int = 1

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "list"}
        if self.ordered:
            out["ordered"] = True
            if self.start != 1:
                out["start"] = self.start
        out["items"] = [i if isinstance(i, str) else i.to_json() for i in self.items]
        return out


@dataclass(frozen=True, slots=True)
class Image:
    """A figure. ``url`` and ``link`` are kept as given; only the web layer decides if they
    may become links. ``source`` is the credit line."""

    alt: str
    caption: str
    source: str
    url: str
    type: Literal["image"] = "image"
    link: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = {
            "type": "image",
            "alt": self.alt,
            "caption": self.caption,
            "source": self.source,
            "url": self.url,
        }
        if self.link:
            out["link"] = self.link
        return out


@dataclass(frozen=True, slots=True)
class Code:
    """A fenced code block: its text, the language named on the fence, an optional file name."""

    value: str
    lang: str = ""
    filename: str = ""
    type: Literal["code"] = "code"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "code"}
        if self.lang:
            out["lang"] = self.lang
        if self.filename:
            out["filename"] = self.filename
        out["value"] = self.value
        return out


@dataclass(frozen=True, slots=True)
class BlockQuote:
    children: tuple[Block, ...]
    type: Literal["blockquote"] = "blockquote"

    def to_dict(self) -> dict[str, Any]:
        return {"type": "blockquote", "children": [b.to_dict() for b in self.children]}


ALIGNS = ("left", "center", "right")


@dataclass(frozen=True, slots=True)
class Table:
    """A GFM table: ``rows[0]`` is the header; each cell is inline nodes; ``align`` per column
    (``None``, "left", "center", "right")."""

    align: tuple[str | None, ...]
    rows: tuple[tuple[tuple[Inline, ...], ...], ...]
    type: Literal["table"] = "table"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "table",
            "align": list(self.align),
            "rows": [[_cell_json(c) for c in row] for row in self.rows],
        }


def _cell_json(cell: tuple[Inline, ...]) -> JSONValue:
    return inline_text(cell) if is_plain(cell) else inlines_to_json(cell)


@dataclass(frozen=True, slots=True)
class ThematicBreak:
    type: Literal["thematicBreak"] = "thematicBreak"

    def to_dict(self) -> dict[str, Any]:
        return {"type": "thematicBreak"}


@dataclass(frozen=True, slots=True)
class Embed:
    """A source element alphanode does not model, kept as inert text with its original kind
    (``wp:shortcode/gallery``, ``html/iframe``, ``ghost:card/bookmark``...)."""

    kind: str
    value: str
    type: Literal["embed"] = "embed"

    def to_dict(self) -> dict[str, Any]:
        return {"type": "embed", "kind": self.kind, "value": self.value}


Block: TypeAlias = (
    Paragraph | Heading | ListBlock | Image | Code | BlockQuote | Table | ThematicBreak | Embed
)


def block_text(b: Block) -> str:
    """The words of a block as a reader reads them (code, table cells and embeds included)."""
    if isinstance(b, Paragraph | Heading):
        return b.text
    if isinstance(b, ListBlock):
        return "\n".join(item_text(i) for i in b.items)
    if isinstance(b, Image):
        return b.caption
    if isinstance(b, Code | Embed):
        return b.value
    if isinstance(b, BlockQuote):
        return "\n".join(block_text(c) for c in b.children)
    if isinstance(b, Table):
        return "\n".join(" ".join(inline_text(c) for c in row) for row in b.rows)
    return ""


def _inline_code(nodes: tuple[Inline, ...]) -> list[str]:
    out: list[str] = []
    for n in nodes:
        if isinstance(n, InlineCode):
            out.append(n.value)
        elif isinstance(n, Emphasis | Strong | Delete | Link):
            out.extend(_inline_code(n.children))
    return out


def _block_parts(b: Block, prose: list[str], code: list[str]) -> None:
    """Split a block's words: prose (as read, inline code included) and code (blocks and
    inline code); an embed is source markup, neither."""
    if isinstance(b, Code):
        code.append(b.value)
    elif isinstance(b, Embed):
        return
    elif isinstance(b, Paragraph | Heading):
        prose.append(b.text)
        code.extend(_inline_code(b.children))
    elif isinstance(b, ListBlock):
        for i in b.items:
            _container_parts((Paragraph(i),) if isinstance(i, str) else i.children, prose, code)
    elif isinstance(b, BlockQuote):
        _container_parts(b.children, prose, code)
    elif isinstance(b, Table):
        for row in b.rows:
            prose.append(" ".join(inline_text(c) for c in row))
            for c in row:
                code.extend(_inline_code(c))
    else:
        prose.append(block_text(b))


def _container_parts(blocks: tuple[Block, ...], prose: list[str], code: list[str]) -> None:
    for c in blocks:
        _block_parts(c, prose, code)


@dataclass(frozen=True, slots=True)
class Document:
    """One article. ``meta`` holds canonical JSON values, already typed by ``content.meta``."""

    title: str
    body: tuple[Block, ...]
    meta: dict[str, JSONValue] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "body": [b.to_dict() for b in self.body],
            "meta": self.meta,
        }

    @property
    def reference(self) -> str | None:
        ref = self.meta.get("reference")
        return ref if isinstance(ref, str) and ref.strip() else None

    def content_hash(self) -> str:
        """sha256 of the exact content (key order aside): any edit makes a new revision."""
        return _sha256(self.to_dict())

    def normalised_hash(self) -> str:
        """sha256 of the normalised content: NFC text, folded white space, sorted keys."""
        return _sha256(_normalise(self.to_dict()))

    def identity(self) -> str:
        """The post's identity: ``meta.reference`` when present, else the normalised hash.

        Content without a reference is recognised again when only white space or Unicode
        normal form differs (the edit is then stored as a new revision of the same post).
        """
        return self.reference or "sha256-" + self.normalised_hash()[:32]

    def prose_text(self) -> str:
        """The words of the body without its code blocks and embeds: paragraphs, headings,
        list items, quotes, table cells and captions; link text and inline code as read."""
        prose: list[str] = []
        for b in self.body:
            _block_parts(b, prose, [])
        return "\n".join(p for p in prose if p)

    def code_text(self) -> str:
        """The code of the body: fenced code blocks and inline code, wherever they are (for
        an index field of its own, weighted below prose)."""
        code: list[str] = []
        for b in self.body:
            _block_parts(b, [], code)
        return "\n".join(c for c in code if c)

    def paragraph_count(self) -> int:
        return sum(1 for b in self.body if isinstance(b, Paragraph))

    def word_count(self) -> int:
        words = len(self.title.split())
        for b in self.body:
            if isinstance(b, ListBlock):
                words += sum(len(item_text(i).split()) for i in b.items)
            else:
                words += len(block_text(b).split())
        return words


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """A document that passed validation, with the warnings found on the way."""

    document: Document
    warnings: tuple[DocumentWarning, ...] = ()
    line: int | None = None
    slug: str | None = None  # a slug the input asks for (our own JSON export carries it)


def _sha256(value: JSONValue) -> str:
    # Sorted keys: equal documents hash equal whatever their key order.
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _normalise(value: JSONValue) -> JSONValue:
    if isinstance(value, str):
        return " ".join(unicodedata.normalize("NFC", value).split())
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value
