"""Canonical JSON and JSONL: one document per object, one object per line."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from alphanode.content.document import Document, ParsedDocument
from alphanode.content.validate import CODE_BAD_JSON, CODE_EMPTY, MAX_DEPTH, document_from_dict
from alphanode.errors import DocumentRejected, Problem
from alphanode.formats.reader import Reader, shifted
from alphanode.formats.text import decode, line_of

Outcome = ParsedDocument | DocumentRejected

# Digits a whole number may have: more than any 64-bit value, far fewer than the 4,300
# after which int() refuses (a ValueError that would name sys.set_int_max_str_digits).
MAX_INT_DIGITS = 40


class NumberTooLong(ValueError):
    """A JSON number with more digits than ``MAX_INT_DIGITS``."""


def _int(digits: str) -> int:
    if len(digits) > MAX_INT_DIGITS + 1:  # a minus sign is allowed
        raise NumberTooLong(digits)
    return int(digits)


_DECODER = json.JSONDecoder(parse_int=_int)
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
        return _DECODER.decode(text), False


DEEP = f"JSON nested at most {MAX_DEPTH} levels deep"
LONG_NUMBER = f"JSON numbers of at most {MAX_INT_DIGITS} digits"


def _bad_json(exc: Exception, text: str, line: int) -> DocumentRejected:
    if isinstance(exc, json.JSONDecodeError):
        seen = exc.doc[max(0, exc.pos - 20) : exc.pos + 20]
        expected = f"valid JSON ({exc.msg} at column {exc.colno})"
    elif isinstance(exc, RecursionError):
        seen, expected = text[:40], DEEP
    elif isinstance(exc, NumberTooLong):
        seen, expected = f"a number of {len(str(exc).lstrip('-'))} digits", LONG_NUMBER
    else:  # any other ValueError from the decoder
        seen, expected = text[:40], f"valid JSON ({exc})"
    return DocumentRejected([Problem(CODE_BAD_JSON, "document", seen, expected, line=line)])


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')


def nesting(text: str, limit: int) -> int:
    """How deep ``text``'s arrays and objects nest, counting no further than ``limit + 1``
    (strings skipped; it need not be valid JSON). Linear, and fast for a request body."""
    depth = deepest = 0
    for m in _TOKENS.finditer(text):
        part = m.group()
        if part in ("[", "{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif part in ("]", "}"):
            depth -= 1
    return deepest


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
            data = _DECODER.decode(text)
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
    lines = _Lines(text)
    while True:
        line = lines.at(pos)
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


class _Lines:
    """``line_of`` for positions that only move forward: each character is counted once,
    so reading an array of n documents is linear, not quadratic."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def at(self, pos: int) -> int:
        if pos < self.pos:
            return line_of(self.text, pos)
        text, start = self.text, self.pos
        ends = text.count("\n", start, pos) + text.count("\r", start, pos)
        ends -= text.count("\r\n", start, pos)
        if 0 < start < pos and text[start - 1] == "\r" and text[start] == "\n":
            ends -= 1  # a CRLF split by the last position: its CR was counted already
        self.pos, self.line = pos, self.line + ends
        return self.line


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


def _head_text(head: bytes) -> str:
    return head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")


def sniff_json(head: bytes) -> bool:
    """One JSON value: an array (of documents), or a document that is not one per line."""
    text = _head_text(head)
    if text.startswith("["):
        return True
    if not text.startswith("{"):
        return False
    try:
        orjson.loads(text)
        return True
    except orjson.JSONDecodeError:
        pass
    lines = [line for line in text.split("\n") if line.strip()]
    # A stream with every line an object on its own is JSONL (a broken line or a cut-off
    # head included); a pretty-printed or broken single document is JSON.
    return len(lines) < 2 or not all(line.startswith("{") for line in lines)


def sniff_jsonl(head: bytes) -> bool:
    """One JSON object per line (tried after ``sniff_json``)."""
    return _head_text(head).startswith("{")


def read_json(data: bytes, first_line: int = 1, name: str = "") -> Iterator[tuple[int, Outcome]]:
    """A ``.json`` input: one document object, or an array of them."""
    try:
        text = decode(data)
    except DocumentRejected as exc:
        yield shifted(exc, first_line)
        return
    for line, outcome in parse_json(text):
        if isinstance(outcome, DocumentRejected) and first_line > 1:
            outcome = outcome.located("", first_line - 1)
        yield line + first_line - 1, outcome


def read_jsonl(data: bytes, first_line: int = 1, name: str = "") -> Iterator[tuple[int, Outcome]]:
    """JSONL text starting on ``first_line``: each non-blank line one document."""
    try:
        text = decode(data)
    except DocumentRejected as exc:
        yield shifted(exc, first_line)
        return
    yield from iter_jsonl(text.split("\n"), first_line)


def jsonl_pieces(lines: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """Each non-blank line with its number: lines end at ``\\n`` only (never U+2028)."""
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield number, line


JSON = Reader(
    "json", (".json",), sniff_json, read_json, help="one JSON document, or an array of them"
)
JSONL = Reader(
    "jsonl",
    (".jsonl", ".ndjson"),
    sniff_jsonl,
    read_jsonl,
    jsonl_pieces,
    help="one JSON document per line",
)
