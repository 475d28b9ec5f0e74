"""HTML bodies (WordPress content, Ghost html, feed entries) and ``.html`` files as blocks.

The HTML is first sanitised by nh3 (scripts, styles, event handlers and ``javascript:``,
``data:`` or ``vbscript:`` URLs never survive), then parsed by lxml's HTML parser and walked
into the mdast-named blocks of ``content.document``. No regular expression ever reads the
HTML; only the text of WordPress shortcodes (``[caption]...[/caption]``) is matched.
WordPress block comments (``<!-- wp:code -->``) are markers: the HTML they wrap is read as
HTML, the comments are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import lxml.html
import nh3
from lxml import etree

from alphanode.content.document import (
    ALIGNS,
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
from alphanode.content.validate import CODE_BAD_JSON as CODE_BAD_HTML  # not readable as its format
from alphanode.content.validate import CODE_EMPTY, document_from_dict
from alphanode.errors import DocumentRejected, Problem
from alphanode.formats import frontmatter_part, mdmeta
from alphanode.formats.reader import Outcome, Reader, shifted
from alphanode.formats.sniffing import markup_kind
from alphanode.formats.text import decode

_INLINE_TAGS = frozenset({
    "a", "abbr", "b", "br", "cite", "code", "del", "em", "i", "ins", "kbd", "mark", "q",
    "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "u", "var",
})  # fmt: skip
_BLOCK_TAGS = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "table",
    "thead", "tbody", "tfoot", "tr", "th", "td", "hr", "img", "figure", "figcaption", "div",
    "section", "article", "aside", "header", "footer", "main", "nav", "dl", "dt", "dd",
    "iframe", "video", "audio", "source", "caption", "center", "address", "details", "summary",
})  # fmt: skip


def _attributes() -> dict[str, set[str]]:
    return {
        "a": {"href", "title"},
        "img": {"src", "alt", "title"},
        "code": {"class"},
        "pre": {"class"},
        "ol": {"start"},
        "th": {"align", "style"},
        "td": {"align", "style"},
        "iframe": {"src"},
        "video": {"src"},
        "audio": {"src"},
        "source": {"src"},
    }


_SCHEMES = frozenset({"http", "https", "mailto", "ftp", "tel"})
_EMBEDS = ("iframe", "video", "audio")
_LANG = re.compile(r"(?:^|\s)(?:language|lang)-([\w+#.-]+)")
_BRUSH = re.compile(r"brush:\s*([\w+#.-]+)")
_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")
_SPACES = re.compile(r"\s+")
_SHORTCODE = re.compile(r"^\[(/?)([a-zA-Z_][\w-]*)([^\]]*)\]")
_CAPTION_END = "[/caption]"


def clean(html: str) -> str:
    """HTML with only the elements and attributes the walker reads, URLs checked by nh3."""
    return nh3.clean(
        html,
        tags=set(_INLINE_TAGS | _BLOCK_TAGS),
        clean_content_tags={"script", "style", "object", "embed", "template", "svg", "math"},
        attributes=_attributes(),
        strip_comments=True,
        link_rel=None,
        url_schemes=set(_SCHEMES),
    )


# Characters no HTML text may hold (and libxml2 refuses): C0 controls but tab, newline and
# carriage return, DEL, and lone surrogates.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def body(html: str) -> list[Block]:
    """The blocks of an HTML fragment (a post's content)."""
    cleaned = clean(_NOT_TEXT.sub("", html))
    if not cleaned.strip():
        return []
    try:
        root = lxml.html.fragment_fromstring(cleaned, create_parent="div")
    except (etree.ParserError, ValueError) as exc:
        raise DocumentRejected(
            [Problem(CODE_BAD_HTML, "body", str(exc)[:200], "HTML that a browser can read")]
        ) from None
    return _Walker().blocks(root)


def sniff(head: bytes) -> bool:
    return markup_kind(head) == "HTML"


def read(data: bytes, first_line: int = 1, name: str = "") -> Iterator[tuple[int, Outcome]]:
    """The one document an ``.html`` file holds (or why it was rejected)."""
    try:
        yield first_line, parse(decode(data), name)
    except DocumentRejected as exc:
        yield shifted(exc, first_line)


READER = Reader(
    "html",
    (".html", ".htm"),
    sniff,
    read,
    help="an HTML page or fragment (title from <title> or <h1>; front matter allowed)",
)


def parse(text: str, name: str = "") -> ParsedDocument:
    """One HTML file: front matter (Jekyll) or <title>/<h1> and meta description."""
    front, rest, line = frontmatter_part.split(text)
    if front:
        return document_from_dict(mdmeta.document_data(front, body(rest), name), line=line)
    title, excerpt, inner = _page(rest)
    blocks = body(inner)
    if not title and blocks and _is_h(blocks[0]):
        title, blocks = inline_text(_heading_nodes(blocks[0])), blocks[1:]
    if not title and not blocks:
        expected = "an HTML page with a title or some content (nothing to import)"
        raise DocumentRejected(
            [Problem(CODE_EMPTY, "document", "no title, no content", expected, line=1)]
        )
    front = {"title": title} if title else {}
    if excerpt:
        front["description"] = excerpt
    data = mdmeta.document_data(front, blocks, name)
    data["meta"]["source"]["format"] = "html"
    return document_from_dict(data, line=1)


def _is_h(block: Block) -> bool:
    from alphanode.content.document import Heading

    return isinstance(block, Heading) and block.depth == 2


def _heading_nodes(block: Block) -> tuple[Inline, ...]:
    from alphanode.content.document import Heading

    assert isinstance(block, Heading)  # noqa: S101 - checked by _is_h
    return block.children or (Text(block.text),)


def _page(text: str) -> tuple[str, str, str]:
    """(title, meta description, body HTML) of a whole page; a fragment is its own body."""
    if not text.strip():
        return "", "", ""
    try:
        doc = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return "", "", text
    title = " ".join((doc.findtext(".//title") or "").split())
    desc = ""
    for meta in doc.iter("meta"):
        if str(meta.get("name", "")).lower() == "description":
            desc = " ".join(str(meta.get("content", "")).split())
            break
    found = doc.find("body")
    inner = _inner_html(found) if found is not None else text
    return title, desc, inner


def _inner_html(el: Any) -> str:
    parts = [el.text or ""] if el.text else []
    parts.extend(lxml.html.tostring(c, encoding="unicode") for c in el)
    return "".join(str(p) for p in parts)


def _lang(el: Any) -> str:
    for node in (el, *el.iter("code")):
        cls = str(node.get("class", ""))
        m = _LANG.search(cls) or _BRUSH.search(cls)
        if m is not None:
            return m.group(1)
    return ""


class _Walker:
    """Walks lxml elements into blocks; inline content is gathered until a block starts."""

    def blocks(self, el: Any) -> list[Block]:
        out: list[Block] = []
        pending: list[Inline] = []

        def flush() -> None:
            out.extend(self._paragraphs(pending))
            pending.clear()

        self._loose(el.text, pending, flush)
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in _INLINE_TAGS or tag == "":
                pending.extend(self.inline(child) if tag else [])
            else:
                flush()
                out.extend(self.block(child))
            self._loose(child.tail, pending, flush)
        flush()
        return out

    def _loose(self, text: str | None, pending: list[Inline], flush: Any) -> None:
        """Text between blocks: a blank line ends a paragraph (WordPress's autop)."""
        if not text:
            return
        parts = _BLANK_LINE.split(text)
        for i, part in enumerate(parts):
            if i:
                flush()
            pending.append(Text(part))

    def _paragraphs(self, nodes: list[Inline]) -> list[Block]:
        inlines = _trimmed(normal_inlines(_collapse(nodes)))
        if not inlines:
            return []
        shortcode = _shortcode(inlines)
        if shortcode is not None:
            return [shortcode]
        return [paragraph(inlines)]

    def block(self, el: Any) -> list[Block]:  # noqa: C901, PLR0911, PLR0912 - one branch per tag
        tag = el.tag
        if tag == "p":
            return self._p(el)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            depth = int(tag[1]) + 1 if tag == "h1" else int(tag[1])
            nodes = _trimmed(normal_inlines(_collapse(self.inlines(el))))
            return [heading(nodes, depth)] if nodes else []
        if tag in ("ul", "ol"):
            return [self._list(el)]
        if tag == "blockquote":
            return [BlockQuote(tuple(self.blocks(el)))]
        if tag == "pre":
            return [Code(el.text_content().removesuffix("\n"), _lang(el))]
        if tag == "table":
            table = self._table(el)
            return [table] if table is not None else []
        if tag == "hr":
            return [ThematicBreak()]
        if tag == "img":
            return [_image(el)]
        if tag == "figure":
            return self._figure(el)
        if tag in _EMBEDS:
            src = str(el.get("src", "")) or next(
                (str(s.get("src", "")) for s in el.iter("source") if s.get("src")), ""
            )
            return [Embed(f"html/{tag}", src)]
        return self.blocks(el)  # div, section, li...: their content

    def _p(self, el: Any) -> list[Block]:
        images = [c for c in el if c.tag == "img"]
        if len(images) == 1 and not (el.text or "").strip() and len(el) == 1:
            return [_image(images[0])]
        return self._paragraphs(self.inlines(el))

    def inlines(self, el: Any) -> list[Inline]:
        out: list[Inline] = [Text(el.text)] if el.text else []
        for child in el:
            if isinstance(child.tag, str):
                out.extend(self.inline(child))
            if child.tail:
                out.append(Text(child.tail))
        return out

    def inline(self, el: Any) -> list[Inline]:  # noqa: PLR0911 - one branch per tag
        tag = el.tag
        if tag == "br":
            return [Break()]
        if tag in ("em", "i", "cite", "var"):
            return [Emphasis(normal_inlines(_collapse(self.inlines(el))))]
        if tag in ("strong", "b"):
            return [Strong(normal_inlines(_collapse(self.inlines(el))))]
        if tag in ("del", "s", "strike"):
            return [Delete(normal_inlines(_collapse(self.inlines(el))))]
        if tag in ("code", "kbd", "samp"):
            return [InlineCode(el.text_content())]
        if tag == "a":
            children = normal_inlines(_collapse(self.inlines(el)))
            href = str(el.get("href", "") or "")
            if not href:
                return list(children)
            return [Link(href, children, str(el.get("title", "") or ""))]
        if tag == "img":
            src = str(el.get("src", "") or "")
            alt = str(el.get("alt", "") or "") or src
            return [Link(src, (Text(alt),))] if src else [Text(alt)]
        return self.inlines(el)  # span, mark, sub, a stray block inside inline content

    def _list(self, el: Any) -> ListBlock:
        items = [list_item(self.blocks(li)) for li in el if li.tag == "li"]
        ordered = el.tag == "ol"
        start = 1
        if ordered:
            try:
                start = max(0, min(999_999_999, int(str(el.get("start", "1")))))
            except ValueError:
                start = 1
        return ListBlock(tuple(items), ordered=ordered, start=start)

    def _table(self, el: Any) -> Table | None:
        rows: list[list[tuple[Inline, ...]]] = []
        align: list[str | None] = []
        for tr in el.iter("tr"):
            cells = [c for c in tr if c.tag in ("th", "td")]
            if not rows:
                align = [_align(c) for c in cells]
            rows.append([_trimmed(normal_inlines(_collapse(self.inlines(c)))) for c in cells])
        if not rows:
            return None
        width = max(len(r) for r in rows)
        if width == 0:
            return None
        align = (align + [None] * width)[:width]
        padded = tuple(tuple(r + [()] * (width - len(r))) for r in rows)
        return Table(tuple(align), padded)

    def _figure(self, el: Any) -> list[Block]:
        img = next(el.iter("img"), None)
        caption_el = next(el.iter("figcaption"), None)
        caption = " ".join(caption_el.text_content().split()) if caption_el is not None else ""
        if img is None:
            return self.blocks(el)
        link_el = img.getparent()
        link = str(link_el.get("href", "")) if link_el is not None and link_el.tag == "a" else ""
        got = _image(img)
        return [Image(got.alt, caption or got.caption, "", got.url, link=link)]


def _image(el: Any) -> Image:
    return Image(
        str(el.get("alt", "") or ""),
        str(el.get("title", "") or ""),
        "",
        str(el.get("src", "") or ""),
    )


def _align(cell: Any) -> str | None:
    value = str(cell.get("align", "") or "").lower()
    if value in ALIGNS:
        return value
    style = str(cell.get("style", "") or "").replace(" ", "").lower()
    for a in ALIGNS:
        if f"text-align:{a}" in style:
            return a
    return None


def _collapse(nodes: list[Inline]) -> list[Inline]:
    """HTML white space: runs of spaces and newlines are one space."""
    return [Text(_SPACES.sub(" ", n.value)) if isinstance(n, Text) else n for n in nodes]


def _trimmed(nodes: tuple[Inline, ...]) -> tuple[Inline, ...]:
    out = list(nodes)
    while out and isinstance(out[0], Text) and not out[0].value.strip():
        out.pop(0)
    while out and isinstance(out[-1], Text | Break) and not inline_text((out[-1],)).strip():
        out.pop()
    if out and isinstance(out[0], Text):
        out[0] = Text(out[0].value.lstrip())
    if out and isinstance(out[-1], Text):
        out[-1] = Text(out[-1].value.rstrip())
    return normal_inlines(out)


def _shortcode(nodes: tuple[Inline, ...]) -> Block | None:
    """A paragraph that is one WordPress shortcode: a caption is a figure, others embeds."""
    text = inline_text(nodes).strip()
    m = _SHORTCODE.match(text)
    if m is None or m.group(1):
        return None
    name = m.group(2)
    if name == "caption" and text.endswith(_CAPTION_END):
        link = next((n for n in nodes if isinstance(n, Link)), None)
        caption = text[m.end() : -len(_CAPTION_END)]
        if link is not None:
            caption = caption.replace(inline_text(link.children), "", 1)
            return Image(inline_text(link.children), " ".join(caption.split()), "", link.url)
        return Image("", " ".join(caption.split()), "", "")
    closed = text.endswith(f"[/{name}]")
    if m.end() == len(text) or closed:
        return Embed(f"wp:shortcode/{name}", text)
    return None
