"""Canonical JSON and JSONL: one document per object, one object per line."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from alphanode.content.document import Document, ParsedDocument
from alphanode.content.validate import CODE_BAD_JSON, CODE_EMPTY, document_from_dict
from alphanode.errors import DocumentRejected, Problem
from alphanode.formats.text import line_of

Outcome = ParsedDocument | DocumentRejected

_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")
# Line separators that JSON allows raw inside strings but that str.splitlines() and some
# JSONL readers split on: written escaped so that one document stays on one line.
_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def dumps(doc: Document, *, extra: dict[str, Any] | None = None, indent: int | None = None) -> str:
    """One document as canonical JSON (``extra`` adds top-level keys such as ``slug``)."""
    data = doc.to_dict()
    if extra:
        data = {**data, **extra}
    return dumps_data(data, indent)


def dumps_data(data: dict[str, Any], indent: int | None = None) -> str:
    """A document already turned into its canonical dict (``Document.to_dict``) as JSON."""
    if indent:
        text = json.dumps(data, ensure_ascii=False, indent=indent, separators=(",", ": "))
    else:
        # orjson writes the same compact JSON as json.dumps(ensure_ascii=False), 5x faster.
        text = orjson.dumps(data).decode("utf-8")
    for raw, escaped in _LINE_BREAKS.items():
        if raw in text:
            text = text.replace(raw, escaped)
    return text


def from_object(data: Any, line: int | None = None, *, plain_text: bool = False) -> ParsedDocument:
    return document_from_dict(data, line=line, plain_text=plain_text)


def _outcome(data: Any, line: int, plain_text: bool = False) -> Outcome:
    try:
        return from_object(data, line, plain_text=plain_text)
    except DocumentRejected as exc:
        return exc


# Escapes that can put a control character or a lone surrogate into a decoded string;
# without them (and with orjson, which refuses raw ones), every string is plain text.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:00[01][0-9a-fA-F]|007[fF]|[dD][89abAB][0-9a-fA-F]{2})|\x7f")


def loads_line(text: str) -> tuple[Any, bool]:
    """Decode one document: (value, strings known to be plain text). orjson first (fast, and
    it refuses NaN, huge integers and broken surrogates); json only to explain a failure."""
    try:
        return orjson.loads(text), _SUSPECT_ESCAPE.search(text) is None
    except orjson.JSONDecodeError:
        return json.loads(text), False


def _bad_json(exc: Exception, text: str, line: int) -> DocumentRejected:
    if isinstance(exc, json.JSONDecodeError):
        seen = exc.doc[max(0, exc.pos - 20) : exc.pos + 20]
        expected = f"valid JSON ({exc.msg} at column {exc.colno})"
    elif isinstance(exc, RecursionError):
        seen, expected = text[:40], "JSON nested less deeply"
    else:  # ValueError: a number too long for Python to read
        seen, expected = text[:40], f"valid JSON ({exc})"
    return DocumentRejected([Problem(CODE_BAD_JSON, "document", seen, expected, line=line)])


def _empty(line: int) -> DocumentRejected:
    return DocumentRejected([Problem(CODE_EMPTY, "document", "", "a JSON document", line=line)])


def parse_json(text: str) -> list[tuple[int, Outcome]]:
    """A ``.json`` file: one document object, or an array of them (each with its own line)."""
    text = text.removeprefix("\ufeff")
    start = _skip(text, 0)
    if start == len(text):
        return [(1, _empty(1))]
    if text[start] != "[":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            line = exc.lineno if isinstance(exc, json.JSONDecodeError) else line_of(text, start)
            return [(line, _bad_json(exc, text, line))]
        line = line_of(text, start)
        return [(line, _outcome(data, line))]
    return list(_array(text, start))


def _array(text: str, start: int) -> Iterator[tuple[int, Outcome]]:
    """Each element of a top-level array, decoded on its own: a broken one stops only the rest."""
    pos = _skip(text, start + 1)
    if text.startswith("]", pos):
        pos = _skip(text, pos + 1)
        if pos < len(text):
            yield _stray(text, pos)
        return
    while True:
        line = line_of(text, pos)
        try:
            data, pos = _DECODER.raw_decode(text, pos)
        except (ValueError, RecursionError) as exc:
            line = exc.lineno if isinstance(exc, json.JSONDecodeError) else line
            yield line, _bad_json(exc, text[pos:], line)
            return
        yield line, _outcome(data, line)
        pos = _skip(text, pos)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
        elif text.startswith("]", pos) and _skip(text, pos + 1) == len(text):
            return
        else:
            yield _stray(text, pos)
            return


def _stray(text: str, pos: int) -> tuple[int, Outcome]:
    line = line_of(text, pos)
    err = json.JSONDecodeError("Expecting ',' between documents or one closing ']'", text, pos)
    return line, _bad_json(err, text, line)


def _skip(text: str, pos: int) -> int:
    m = _WS.match(text, pos)
    return m.end() if m is not None else pos


def iter_jsonl(lines: Iterable[str], first_line: int = 1) -> Iterator[tuple[int, Outcome]]:
    """Each non-blank line is one document; a bad line is rejected, the rest go on."""
    for number, raw in enumerate(lines, start=first_line):
        text = raw.removeprefix("\ufeff") if number == first_line else raw
        if not text.strip():
            continue
        try:
            data, plain = loads_line(text)
        except (ValueError, RecursionError) as exc:
            yield number, _bad_json(exc, text, number)
            continue
        yield number, _outcome(data, number, plain)


def parse_jsonl(text: str) -> Iterator[tuple[int, Outcome]]:
    """A ``.jsonl`` text: split on ``\\n`` only, since JSON strings may hold U+2028 and kin."""
    return iter_jsonl(text.split("\n"))
