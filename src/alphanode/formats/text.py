"""Decoding input bytes into clean text lines: BOM, CRLF, NUL bytes and invalid UTF-8."""

from __future__ import annotations

import codecs

from alphanode.content.validate import (
    BAD_CHAR_RE,
    CODE_EMPTY,
    CODE_NOT_TEXT,
    NOT_TEXT,
    bad_char,
)
from alphanode.errors import DocumentRejected, Problem

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# The bytes of BAD_CHAR_RE's control characters, mapped to NUL: one C pass over the UTF-8
# finds them several times faster than the regex does (lone surrogates fail the encoding).
_CONTROL = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])
_CONTROL_TO_NUL = bytes.maketrans(_CONTROL, bytes(len(_CONTROL)))


def decode(data: bytes) -> str:
    """UTF-8 text without a BOM, or ``DocumentRejected`` naming the first bad byte's line."""
    if data.startswith(_UTF16_BOMS):
        raise _not_text(1, f"bytes {data[:2].hex(' ')}", "UTF-8 text (this looks like UTF-16)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
        seen = data[exc.start : exc.start + 4].hex(" ")
        raise _not_text(line, f"bytes {seen}", "UTF-8 text") from None
    text = text.removeprefix("\ufeff")
    check_text(text)
    return text


def check_text(text: str) -> None:
    """Reject text holding binary junk: NUL and other control characters, lone surrogates."""
    try:
        if b"\x00" not in text.encode("utf-8").translate(_CONTROL_TO_NUL):
            return
    except UnicodeEncodeError:
        pass
    m = BAD_CHAR_RE.search(text)
    if m is not None:
        raise _not_text(line_of(text, m.start()), bad_char(text, m.start()), NOT_TEXT)


def line_of(text: str, pos: int) -> int:
    """The 1-based line holding ``text[pos]``, counting CRLF, LF and a lone CR as line ends."""
    return text.count("\n", 0, pos) + text.count("\r", 0, pos) - text.count("\r\n", 0, pos) + 1


def split_lines(text: str) -> list[str]:
    """Lines without their endings or trailing white space (CRLF and lone CR are line ends)."""
    return [line.rstrip() for line in raw_lines(text)]


def raw_lines(text: str) -> list[str]:
    """Lines without their endings: CRLF, LF and a lone CR end a line; a BOM is dropped."""
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def empty_document(
    line: int = 1, expected: str = "a document with at least a title line"
) -> DocumentRejected:
    return DocumentRejected([Problem(CODE_EMPTY, "title", "", expected, line=line)])


def _not_text(line: int, seen: str, expected: str) -> DocumentRejected:
    return DocumentRejected([Problem(CODE_NOT_TEXT, "document", seen, expected, line=line)])
