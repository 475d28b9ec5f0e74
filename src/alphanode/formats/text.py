"""Decoding input bytes into clean text lines: BOM, CRLF, NUL bytes and invalid UTF-8."""

from __future__ import annotations

from alphanode.content.validate import CODE_EMPTY, CODE_NOT_TEXT
from alphanode.errors import DocumentRejected, Problem


def decode(data: bytes) -> str:
    """UTF-8 text without a BOM, or ``DocumentRejected`` naming the first bad byte's line."""
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise DocumentRejected(
            [Problem(CODE_NOT_TEXT, "document", "NUL byte", "UTF-8 text, not binary data", line=line)]
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        seen = data[exc.start : exc.start + 4].hex(" ")
        raise DocumentRejected(
            [Problem(CODE_NOT_TEXT, "document", f"bytes {seen}", "UTF-8 text", line=line)]
        ) from None
    return text.removeprefix("\ufeff")


def split_lines(text: str) -> list[str]:
    """Lines without their endings or trailing white space (CRLF and lone CR are line ends)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return [line.rstrip() for line in text.split("\n")]


def empty_document(line: int = 1) -> DocumentRejected:
    return DocumentRejected(
        [Problem(CODE_EMPTY, "title", "", "a document with at least a title line", line=line)]
    )
