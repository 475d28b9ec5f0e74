"""Reading Markdown (CommonMark + GFM tables, strikethrough, task lists) with front matter.

The Markdown is parsed by markdown-it-py into its syntax tree and mapped onto the mdast-named
blocks of ``content.document``; front matter (YAML through a safe loader, TOML or JSON) fills
the title, the slug and ``meta``. Our own export writes ``reference`` and ``meta`` there, so
reading an export gives back the very same document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from alphanode.content.document import (
    Block,
    BlockQuote,
    Break,
    Code,
    Delete,
    Embed,
    Emphasis,
    Image,
    Inline,
    InlineCode,
    Link,
    ListBlock,
    ParsedDocument,
    Strong,
    Table,
    Text,
    ThematicBreak,
    heading,
    inline_text,
    list_item,
    normal_inlines,
    paragraph,
)
from alphanode.content.validate import document_from_dict
from alphanode.errors import DocumentRejected, Problem
from alphanode.formats import frontmatter_part, mdmeta
from alphanode.formats.reader import Outcome, Reader, shifted
from alphanode.formats.scraped import caption_match
from alphanode.formats.text import decode

EXTENSIONS = (".md", ".markdown", ".mdown", ".mkd")
EMBED_LANG = "alphanode-embed"
CODE_SKIPPED = "AN-IMPORT-SKIP"  # services.preparing counts these as skipped
_TASK = re.compile(r"\[([ xX])\][ \t]")
_TITLE_ATTR = re.compile(r"""(?:title|filename|file)=(?:"([^"]*)"|'([^']*)'|(\S+))""")
_ALIGN = {"text-align:left": "left", "text-align:center": "center", "text-align:right": "right"}


class _Parser(MarkdownIt):
    """markdown-it with every link destination kept exactly as written.

    markdown-it drops links whose scheme it finds unsafe (``javascript:``, ``data:``) and
    percent-encodes the rest; a document keeps its hrefs as the source gave them (the web
    layer alone decides what may become a link), and our export must read back unchanged.
    """

    def validateLink(self, url: str) -> bool:  # noqa: N802 - markdown-it's name
        return True

    def normalizeLink(self, url: str) -> str:  # noqa: N802 - markdown-it's name
        return url


def _parser() -> MarkdownIt:
    return _Parser("commonmark", {"html": True}).enable(["table", "strikethrough"])


def sniff(head: bytes) -> bool:
    """Front matter at the very start (``---`` YAML or ``+++`` TOML) says Markdown."""
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip(b"\r\n")
    return start.startswith((b"---\n", b"---\r\n", b"+++\n", b"+++\r\n"))


def read(data: bytes, first_line: int = 1, name: str = "") -> Iterator[tuple[int, Outcome]]:
    """The one document a ``.md`` file holds (or why it was rejected)."""
    try:
        yield first_line, parse(decode(data), name)
    except DocumentRejected as exc:
        yield shifted(exc, first_line)


READER = Reader(
    "markdown",
    (".md", ".markdown"),
    sniff,
    read,
    help="Markdown with YAML, TOML or JSON front matter (Hugo, Jekyll, Ghost files)",
)


def parse(text: str, name: str = "") -> ParsedDocument:
    """One Markdown file as a ``ParsedDocument``; raises ``DocumentRejected``."""
    front, body_text, line = frontmatter_part.split(text)
    _not_an_article(front, name)
    nodes = SyntaxTreeNode(_parser().parse(body_text)).children
    if "title" not in front and nodes and nodes[0].type == "heading" and nodes[0].tag == "h1":
        # No title in the front matter: a leading "# Title" is the title.
        front = {**front, "title": inline_text(_inlines(_inline(nodes[0])))}
        nodes = nodes[1:]
    data = mdmeta.document_data(front, _blocks(nodes), name)
    return document_from_dict(data, line=line)


def _not_an_article(front: dict[str, object], name: str) -> None:
    """Hugo files that hold no article: a section's list page (``_index.md``) and a headless
    bundle (``headless: true``, resources of another page). Skipped with their kind,
    counted in the summary, never silently dropped."""
    stem = PurePosixPath(name.replace("\\", "/")).stem if name else ""
    if stem == "_index":
        kind = "hugo list page (_index)"
    elif front.get("headless") is True:
        kind = "hugo headless bundle"
    else:
        return
    expected = "an article (Hugo list pages and headless bundles are not posts): skipped"
    raise DocumentRejected([Problem(CODE_SKIPPED, "file", kind, expected, line=1)])


def body(text: str) -> list[Block]:
    """The blocks of a Markdown text (no front matter)."""
    return _blocks(SyntaxTreeNode(_parser().parse(text)).children)


def _blocks(nodes: list[SyntaxTreeNode]) -> list[Block]:
    out: list[Block] = []
    for node in nodes:
        out.extend(_block(node))
    return out


def _block(node: SyntaxTreeNode) -> list[Block]:  # noqa: C901 - one branch per node type
    kind = node.type
    if kind == "paragraph":
        return _paragraph(_inline(node))
    if kind == "heading":
        return [heading(_inlines(_inline(node)), int(node.tag[1]))]
    if kind in ("bullet_list", "ordered_list"):
        return [_list(node)]
    if kind == "blockquote":
        return [BlockQuote(tuple(_blocks(node.children)))]
    if kind in ("fence", "code_block"):
        return [_code(node)]
    if kind == "hr":
        return [ThematicBreak()]
    if kind == "table":
        return [_table(node)]
    if kind == "html_block":
        return [Embed("html", node.content.rstrip("\n"))]
    return [Embed(f"markdown/{kind}", node.content)]


def _inline(node: SyntaxTreeNode) -> list[SyntaxTreeNode]:
    return node.children[0].children if node.children else []


def _paragraph(nodes: list[SyntaxTreeNode]) -> list[Block]:
    """A paragraph; one holding only an image (maybe linked) is a figure."""
    if len(nodes) == 1:
        figure = _figure(nodes[0])
        if figure is not None:
            return [figure]
    inlines = _inlines(nodes)
    return [paragraph(inlines)] if inlines else []


def _figure(node: SyntaxTreeNode) -> Image | None:
    link = ""
    if node.type == "link" and len(node.children) == 1:
        link, node = str(node.attrs.get("href", "")), node.children[0]
    if node.type != "image":
        return None
    alt = inline_text(_inlines(node.children))
    title = str(node.attrs.get("title", "") or "")
    caption, source = title, ""
    m = caption_match(title)
    if m is not None:
        caption, source = (m["caption"] or "").rstrip(), m["source"] or ""
    return Image(alt, caption, source, str(node.attrs.get("src", "")), link=link)


def _inlines(nodes: list[SyntaxTreeNode]) -> tuple[Inline, ...]:
    out: list[Inline] = []
    for n in nodes:
        out.extend(_one(n))
    return normal_inlines(out)


def _one(n: SyntaxTreeNode) -> list[Inline]:  # noqa: C901 - one branch per node type
    kind = n.type
    if kind == "text":
        return [Text(n.content)]
    if kind == "code_inline":
        return [InlineCode(n.content)]
    if kind == "softbreak":
        return [Text("\n")]
    if kind == "hardbreak":
        return [Break()]
    if kind == "em":
        return [Emphasis(_inlines(n.children))]
    if kind == "strong":
        return [Strong(_inlines(n.children))]
    if kind == "s":
        return [Delete(_inlines(n.children))]
    if kind == "link":
        title = str(n.attrs.get("title", "") or "")
        return [Link(str(n.attrs.get("href", "")), _inlines(n.children), title)]
    if kind == "image":  # an image inside text: a link to it, its alt text as the words
        alt = _inlines(n.children) or (Text(str(n.attrs.get("src", ""))),)
        return [Link(str(n.attrs.get("src", "")), alt)]
    return [Text(n.content)]  # html_inline and the rest: inert text, as written


def _list(node: SyntaxTreeNode) -> ListBlock:
    items = []
    for item in node.children:
        children = list(item.children)
        checked = None
        first = children[0] if children else None
        if first is not None and first.type == "paragraph" and first.children:
            raw = first.children[0].content
            m = _TASK.match(raw)
            if m is not None:
                checked = m.group(1) != " "
                children[0] = _strip_task(first)
        blocks = _blocks(children) if checked is None else _task_blocks(children)
        items.append(list_item(blocks, checked))
    ordered = node.type == "ordered_list"
    start = int(node.attrs.get("start", 1)) if ordered else 1  # CommonMark allows 0
    return ListBlock(tuple(items), ordered=ordered, start=start)


def _strip_task(par: SyntaxTreeNode) -> SyntaxTreeNode:
    inline = par.children[0]
    first = inline.children[0] if inline.children else None
    if first is not None and first.type == "text" and first.token is not None:
        first.token.content = first.content[4:]
    return par


def _task_blocks(children: list[SyntaxTreeNode]) -> list[Block]:
    return _blocks(children)


def _code(node: SyntaxTreeNode) -> Code | Embed:
    value = node.content.removesuffix("\n")
    info = node.info.strip() if node.type == "fence" else ""
    lang, _, rest = info.partition(" ")
    if lang == EMBED_LANG and rest.strip():  # our writer's form of an embed
        return Embed(rest.strip(), value)
    name = ""
    m = _TITLE_ATTR.search(rest)
    if m is not None:
        name = next(g for g in m.groups() if g is not None)
    return Code(value, lang, name)


def _table(node: SyntaxTreeNode) -> Table:
    rows: list[tuple[tuple[Inline, ...], ...]] = []
    align: tuple[str | None, ...] = ()
    for section in node.children:
        for tr in section.children:
            cells = tr.children
            if not rows:
                align = tuple(_ALIGN.get(str(c.attrs.get("style", ""))) for c in cells)
            rows.append(tuple(_inlines(_inline(c)) for c in cells))
    return Table(align, tuple(rows))
