"""Reading the scraped alphanode page format into a Document (see docs/formats.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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
    SCHEMA,
    WARN_IMAGE_NO_SOURCE,
    WARN_ODD_LINE,
    Shape,
    label,
    snake,
    validate_meta,
)
from alphanode.errors import DocumentRejected, DocumentWarning
from alphanode.formats.text import empty_document, split_lines

BULLET = "•"
META_MARKER = "alphanode post meta"
SIMILAR_MARKER = "Similar Posts"
CREDIT = "image source:"

_CAPTION_RE = re.compile(r"^(?:(?P<caption>.*)\. )?image source:(?: (?P<source>.*))?$", re.I)
_SCALAR_RE = re.compile(r"^(?P<label>[a-z][a-z0-9 _-]{0,40}?)\s*:\s*(?P<value>.*)$", re.I)
_GLUE_RE = re.compile(r"^\s*:?\s*")
# Known labels, longest first, so that "ai outline" is tried before "ai".
_LABELS = sorted(((label(k), k) for k in SCHEMA), key=lambda p: -len(p[0]))
_HEADING_END = tuple(".!;:,…\"')]")


def is_heading(text: str) -> bool:
    """A one-line block that reads as a heading: short and not ending like a sentence."""
    words = len(text.split())
    if text.endswith("?"):
        return words <= 10
    return len(text) <= 100 and words <= 12 and not text.endswith(_HEADING_END)


def caption_match(text: str) -> re.Match[str] | None:
    return _CAPTION_RE.match(text)


@dataclass
class _Entry:
    header: str
    line: int
    bullets: list[tuple[int, str, int]] = field(default_factory=list)  # indent, text, line


@dataclass
class _Reader:
    lines: list[str]
    warnings: list[DocumentWarning] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def odd(self, text: str, line: int, detail: str) -> None:
        self.warnings.append(DocumentWarning(WARN_ODD_LINE, "meta", text, detail, line))
        self.extra.setdefault(EXTRA_UNPARSED, []).append(text)


def parse(text: str) -> ParsedDocument:
    """Read one scraped page. Raises ``DocumentRejected`` with line numbers on bad values."""
    lines = split_lines(text)
    first = next((i for i, s in enumerate(lines) if s.strip()), None)
    if first is None:
        raise empty_document(1)
    reader = _Reader(lines)
    head = lines[first].strip()
    title_at = first
    if head.startswith("|") or head.endswith("|"):
        if head != "|":
            reader.extra[EXTRA_BREADCRUMB] = head
        title_at = next((i for i in range(first + 1, len(lines)) if lines[i].strip()), -1)
        if title_at < 0:
            raise empty_document(first + 2)
    title = lines[title_at].strip()
    lows = [s.strip().lower() for s in lines]
    meta_at = _find(lows, META_MARKER.lower(), title_at + 1)
    similar_at = _find_last(lows, SIMILAR_MARKER.lower(), (meta_at if meta_at >= 0 else title_at) + 1)
    end = len(lines) if similar_at < 0 else similar_at
    body_end = end if meta_at < 0 else meta_at
    blocks = _body(lines, title_at + 1, body_end)
    if meta_at >= 0:
        _meta(reader, meta_at + 1, end)
    if similar_at >= 0:
        after = [s.strip() for s in lines[similar_at + 1 :] if s.strip()]
        if after:
            reader.extra[EXTRA_SIMILAR] = after
    raw = dict(reader.raw)
    if reader.extra:
        raw[EXTRA] = reader.extra
    result = validate_meta(raw, reader.positions)
    if result.problems:
        raise DocumentRejected(result.problems)
    warnings = reader.warnings + result.warnings
    body = _join_images(blocks, result.meta, warnings)
    return ParsedDocument(Document(title, tuple(body), result.meta), tuple(warnings), title_at + 1)


def _find(lows: list[str], needle: str, start: int) -> int:
    for i in range(start, len(lows)):
        if lows[i] == needle:
            return i
    return -1


def _find_last(lows: list[str], needle: str, start: int) -> int:
    for i in range(len(lows) - 1, start - 1, -1):
        if lows[i] == needle:
            return i
    return -1


def _body(lines: list[str], start: int, end: int) -> list[tuple[Block, int]]:
    blocks: list[tuple[Block, int]] = []
    i = start
    while i < end:
        text = lines[i].strip()
        if not text:
            i += 1
            continue
        if text.startswith(BULLET):
            items: list[str] = []
            at = i
            while i < end and lines[i].strip().startswith(BULLET):
                items.append(lines[i].strip()[1:].strip())
                i += 1
            blocks.append((ListBlock(tuple(items)), at + 1))
            continue
        own = caption_match(text)
        nxt = caption_match(lines[i + 1].strip()) if i + 1 < end else None
        if own is not None:
            blocks.append((_image("", own), i + 1))
        elif nxt is not None:
            blocks.append((_image(text, nxt), i + 1))
            i += 1
        elif is_heading(text):
            blocks.append((Heading(text), i + 1))
        else:
            blocks.append((Paragraph(text), i + 1))
        i += 1
    return blocks


def _image(alt: str, m: re.Match[str]) -> Image:
    return Image(alt, (m.group("caption") or "").strip(), (m.group("source") or "").strip(), "")


def _meta(reader: _Reader, start: int, end: int) -> None:
    entries: list[_Entry] = []
    for i in range(start, end):
        line = reader.lines[i]
        text = line.strip()
        if not text:
            continue
        if text.startswith(BULLET):
            expanded = line.expandtabs(4)
            indent = len(expanded) - len(expanded.lstrip())
            if entries:
                entries[-1].bullets.append((indent, text[1:].strip(), i + 1))
            else:
                reader.odd(text, i + 1, "list item before any meta label")
            continue
        entries.append(_Entry(text, i + 1))
    for entry in entries:
        _entry(reader, entry)


def _known(header: str, has_bullets: bool) -> tuple[str, str | None] | None:
    """The known key a header line names and its glued value (None for a label alone)."""
    low = header.lower()
    for text, key in _LABELS:
        if low == text:
            return key, None
        if low.startswith(text) and not has_bullets:
            return key, _GLUE_RE.sub("", header[len(text) :], count=1)
    return None


def _entry(reader: _Reader, entry: _Entry) -> None:
    known = _known(entry.header, bool(entry.bullets))
    if known is None:
        _unknown(reader, entry)
        return
    key, glued = known
    path = f"meta.{key}"
    if key in reader.raw:
        reader.odd(entry.header, entry.line, f"'{label(key)}' appears twice; the first is used")
        for _, text, line in entry.bullets:
            reader.odd(f"{BULLET} {text}", line, f"item of the repeated '{label(key)}'")
        return
    reader.positions[path] = entry.line
    shape = SCHEMA[key]
    if glued is not None:
        if shape.form == "list":
            reader.warnings.append(
                DocumentWarning(WARN_ODD_LINE, path, glued, "list written on one line; read as one item", entry.line)
            )
            reader.raw[key] = [glued] if glued else []
        else:
            reader.raw[key] = glued
        return
    if shape.form == "scalar":
        reader.raw[key] = ""
        for _, text, line in entry.bullets:
            reader.odd(f"{BULLET} {text}", line, f"'{label(key)}' holds one value, not a list")
        return
    reader.raw[key] = _structured(reader, path, shape, entry.bullets)


def _structured(reader: _Reader, path: str, shape: Shape, bullets: list[tuple[int, str, int]]) -> Any:
    if shape.form == "list":
        for n, (_, _, line) in enumerate(bullets):
            reader.positions[f"{path}[{n}]"] = line
        return [text for _, text, _ in bullets]
    pairs = _pairs(reader, bullets)
    if shape.form == "record":
        record: dict[str, str] = {}
        for key, value, line in pairs:
            if key in record:
                reader.odd(f"{BULLET} {label(key)}: {value}", line, "field repeated in a record")
                continue
            record[key] = value
            reader.positions[f"{path}.{key}"] = line
        return record
    return _records(reader, path, pairs)


def _pairs(reader: _Reader, bullets: list[tuple[int, str, int]]) -> list[tuple[str, str, int]]:
    pairs: list[tuple[str, str, int]] = []
    for _, text, line in bullets:
        name, colon, value = text.partition(":")
        if not colon or not snake(name):
            reader.odd(f"{BULLET} {text}", line, "expected a 'name: value' item")
            continue
        pairs.append((snake(name), value.strip(), line))
    return pairs


def _records(reader: _Reader, path: str, pairs: list[tuple[str, str, int]]) -> list[dict[str, str]]:
    records: list[dict[str, str]] = []
    for key, value, line in pairs:
        if not records or key in records[-1]:
            records.append({})
        records[-1][key] = value
        reader.positions[f"{path}[{len(records) - 1}].{key}"] = line
    return records


def _unknown(reader: _Reader, entry: _Entry) -> None:
    header = entry.header
    if not entry.bullets:
        m = _SCALAR_RE.match(header)
        key = snake(m.group("label")) if m else ""
        if m and key and key not in reader.extra and key not in SCHEMA:
            reader.extra[key] = m.group("value")
            reader.positions[f"meta.{key}"] = entry.line
        else:
            reader.odd(header, entry.line, "a line the meta box reader does not understand")
        return
    key = snake(header)
    if not key or key in reader.extra or key in SCHEMA or key == EXTRA:
        reader.odd(header, entry.line, "an unknown or repeated meta label")
        for _, text, line in entry.bullets:
            reader.odd(f"{BULLET} {text}", line, "item of an unknown or repeated meta label")
        return
    reader.positions[f"meta.{key}"] = entry.line
    texts = [text for _, text, _ in entry.bullets]
    deep = all(indent >= 4 for indent, _, _ in entry.bullets)
    names = [t.partition(":")[0] for t in texts]
    keyed = all(":" in t and snake(n) for t, n in zip(texts, names, strict=True))
    if keyed and deep:
        reader.extra[key] = _records(reader, f"meta.{key}", _pairs(reader, entry.bullets))
    elif keyed and len({snake(n) for n in names}) == len(names):
        reader.extra[key] = {snake(n): t.partition(":")[2].strip() for t, n in zip(texts, names, strict=True)}
    else:
        reader.extra[key] = texts


def _join_images(
    blocks: list[tuple[Block, int]], meta: dict[str, Any], warnings: list[DocumentWarning]
) -> list[Block]:
    """Give each image the url of its ``image sources`` record: same caption, else same place."""
    sources = meta.get("image_sources")
    records = [r for r in sources if isinstance(r, dict)] if isinstance(sources, list) else []
    used: set[int] = set()
    out: list[Block] = []
    nth = 0
    for block, line in blocks:
        if not isinstance(block, Image):
            out.append(block)
            continue
        match = next(
            (i for i, r in enumerate(records) if i not in used and r.get("caption") == block.caption),
            None,
        )
        if match is None and nth < len(records) and nth not in used:
            match = nth
        nth += 1
        url = ""
        if match is not None:
            used.add(match)
            url = str(records[match].get("url") or "")
        if not url:
            warnings.append(
                DocumentWarning(WARN_IMAGE_NO_SOURCE, "body.image", block.caption, "image has no 'image sources' record with a url", line)
            )
        out.append(Image(block.alt, block.caption, block.source, url))
    return out
