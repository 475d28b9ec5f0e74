"""Reading the scraped alphanode page format into a Document (see docs/formats.md)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from alphanode.content.document import (
    Block,
    Document,
    Heading,
    Image,
    ListBlock,
    Paragraph,
    ParsedDocument,
)
from alphanode.content.meta import (
    EXTRA,
    EXTRA_BREADCRUMB,
    EXTRA_SIMILAR,
    EXTRA_UNPARSED,
    WARN_IMAGE_NO_SOURCE,
    MetaResult,
    validate_meta,
)
from alphanode.errors import DocumentRejected, DocumentWarning
from alphanode.formats.metabox import (
    BULLET,
    MARKER_MAX,
    META_MARKER,
    SIMILAR_MARKER,
    MetaBox,
    marker,
    read_meta,
)
from alphanode.formats.reader import Outcome, Reader, shifted
from alphanode.formats.sniffing import binary, markup_kind
from alphanode.formats.text import check_text, decode, empty_document, raw_lines

__all__ = [
    "BULLET",
    "CREDIT",
    "META_MARKER",
    "SIMILAR_MARKER",
    "caption_match",
    "is_heading",
    "parse",
]

CREDIT = "image source:"

# "<caption>. image source: <source>"; greedy, so a caption may itself hold "image source:".
_CAPTION_RE = re.compile(
    r"(?:(?P<caption>.*)\.\s+)?image\s+source\s*:(?:\s*(?P<source>.*))?", re.I | re.S
)
_HEADING_END = tuple(".!;:,…\"')]")
_HEADING_MAX = 100


def is_heading(text: str) -> bool:
    """A one-line block that reads as a heading: short and not ending like a sentence."""
    if len(text) > _HEADING_MAX:
        return False
    words = len(text.split())
    if text.endswith("?"):
        return words <= 10
    return words <= 12 and not text.endswith(_HEADING_END)


def caption_match(text: str) -> re.Match[str] | None:
    if ":" not in text:  # cheap test first: most lines are no caption
        return None
    return _CAPTION_RE.fullmatch(text)


def sniff(head: bytes) -> bool:
    """Text that is a scraped page: not markup, and not JSON unless the page's structure (a
    meta box or Similar Posts line) shows (a title may start with ``{`` or ``[``)."""
    if binary(head) or markup_kind(head) is not None:
        return False
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if text[:1] not in ("{", "["):
        return True
    return any(marker(line.strip()) is not None for line in text.splitlines()[1:])


def read(data: bytes, first_line: int = 1, name: str = "") -> Iterator[tuple[int, Outcome]]:
    """One scraped page (``first_line`` > 1 when it starts mid-input)."""
    try:
        parsed = parse(decode(data))
    except DocumentRejected as exc:
        yield shifted(exc, first_line)
        return
    yield (parsed.line or 1) + first_line - 1, parsed


def parse(text: str) -> ParsedDocument:
    """Read one scraped page. Raises ``DocumentRejected`` with line numbers on bad values."""
    check_text(text)
    lines = raw_lines(text)
    stripped = list(map(str.strip, lines))
    extra: dict[str, Any] = {}
    title_at = _title(stripped, extra)
    blocks, meta_at, similar_at = _body(stripped, title_at + 1)
    box, result = _meta(lines, stripped, meta_at, similar_at, extra, track=False)
    if result.problems or any(w.line is None for w in result.warnings):
        # The line of every item and field is worth finding only for a flawed page.
        box, result = _meta(lines, stripped, meta_at, similar_at, extra, track=True)
    if result.problems:
        raise DocumentRejected(result.problems)
    warnings = box.warnings + result.warnings
    body = _join_images(blocks, result.meta, warnings)
    if len(warnings) > 1:
        warnings.sort(key=lambda w: w.line or 0)
    document = Document(stripped[title_at], tuple(body), result.meta)
    return ParsedDocument(document, tuple(warnings), title_at + 1)


def _meta(
    lines: list[str],
    stripped: list[str],
    meta_at: int,
    similar_at: int,
    extra: dict[str, Any],
    track: bool,
) -> tuple[MetaBox, MetaResult]:
    """The meta box read and validated, with what the page holds outside it (``extra``)."""
    if meta_at >= 0:
        box = read_meta(lines, stripped, meta_at + 1, track)
    else:
        box = MetaBox(end=similar_at)
    special = dict(extra)
    if box.unparsed:
        special[EXTRA_UNPARSED] = box.unparsed
    if box.end >= 0:
        similar = [s for s in stripped[box.end + 1 :] if s]
        if similar:
            special[EXTRA_SIMILAR] = similar
    raw = {**box.raw, EXTRA: special} if special else box.raw
    return box, validate_meta(raw, box.positions)


def _title(stripped: list[str], extra: dict[str, Any]) -> int:
    """The title's line index, past an optional ``|`` breadcrumb line (kept in ``extra``)."""
    first = _next_text(stripped, 0)
    if first < 0:
        raise empty_document(1)
    head = stripped[first]
    at = first
    if head.startswith("|") or head.endswith("|"):
        if head != "|":
            extra[EXTRA_BREADCRUMB] = head
        at = _next_text(stripped, first + 1)
        if at < 0:
            raise empty_document(first + 2)
    if marker(stripped[at]) is not None:
        raise empty_document(at + 1, "a title line before the meta box and Similar Posts")
    return at


def _next_text(stripped: list[str], start: int) -> int:
    for i in range(start, len(stripped)):
        if stripped[i]:
            return i
    return -1


def _body(stripped: list[str], start: int) -> tuple[list[tuple[Block, int]], int, int]:
    """Blocks with their 1-based lines, up to the meta box; its line; the Similar Posts line.

    Every non-blank line lands in some block: lists, images (alt line + caption line),
    headings, paragraphs. Without a meta box the body ends at the last ``Similar Posts``.
    """
    blocks: list[tuple[Block, int]] = []
    similar_at = kept = -1
    end = len(stripped)
    i = start
    while i < end:
        text = stripped[i]
        if not text:
            i += 1
            continue
        if text[0] == BULLET:
            at = i
            while i < end and stripped[i][:1] == BULLET:
                i += 1
            blocks.append((ListBlock(tuple(s[1:].lstrip() for s in stripped[at:i])), at + 1))
            continue
        if len(text) <= MARKER_MAX and text[0] in "aAsS":  # cheap tests first: every line
            found = marker(text)
            if found == META_MARKER:
                return blocks, i, -1
            if found == SIMILAR_MARKER:
                similar_at, kept = i, len(blocks)  # the trailing heading, if no later one
        block, nxt = _text_block(stripped, i, end)
        blocks.append((block, i + 1))
        i = nxt
    if similar_at >= 0:
        del blocks[kept:]
    return blocks, -1, similar_at


def _text_block(stripped: list[str], i: int, end: int) -> tuple[Block, int]:
    """The block a text line starts and the index after it: an alt line takes its caption."""
    text = stripped[i]
    # caption_match's cheap test inline: this runs for every line, and for the next.
    own = _CAPTION_RE.fullmatch(text) if ":" in text else None
    if own is not None:
        return _image("", own), i + 1
    if i + 1 < end and ":" in stripped[i + 1]:
        caption = _CAPTION_RE.fullmatch(stripped[i + 1])
        if caption is not None:
            return _image(text, caption), i + 2
    if len(text) <= _HEADING_MAX and is_heading(text):
        return Heading(text), i + 1
    return Paragraph(text), i + 1


def _image(alt: str, m: re.Match[str]) -> Image:
    return Image(alt, (m["caption"] or "").rstrip(), m["source"] or "", "")


def _join_images(
    blocks: list[tuple[Block, int]], meta: dict[str, Any], warnings: list[DocumentWarning]
) -> list[Block]:
    """Give each image the url of its ``image sources`` record.

    First by caption, in order (several images may share a caption); then the records whose
    caption names no image go, in order, to the images still without one.
    """
    body = [block for block, _ in blocks]
    images = [(k, block) for k, block in enumerate(body) if isinstance(block, Image)]
    if not images:
        return body
    sources = meta.get("image_sources")
    records: list[dict[str, Any]] = sources if isinstance(sources, list) else []
    by_caption: dict[Any, list[int]] = {}  # each list last-first, so that pop() takes the next
    for r in range(len(records) - 1, -1, -1):
        by_caption.setdefault(records[r].get("caption"), []).append(r)
    captions = {image.caption for _, image in images}
    spare = [
        r for r in range(len(records) - 1, -1, -1) if records[r].get("caption") not in captions
    ]
    for k, image in images:
        queue = by_caption.get(image.caption)
        record = queue.pop() if queue else (spare.pop() if spare else None)
        url = str(records[record].get("url") or "") if record is not None else ""
        if not url:
            detail = "image has no 'image sources' record with a url"
            warnings.append(
                DocumentWarning(
                    WARN_IMAGE_NO_SOURCE, f"body[{k}].url", image.caption, detail, blocks[k][1]
                )
            )
        body[k] = Image(image.alt, image.caption, image.source, url)
    return body


READER = Reader("scraped", (".txt",), sniff, read, help="the scraped alphanode page")
