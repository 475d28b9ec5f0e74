"""Every source-format reader, in one list that parse, import, the API and stdin all use.

Adding a format: write its module (a ``Reader``: name, suffixes, ``sniff``, ``read``) and
add it to ``READERS``. ``auto`` picks by the file's extension first, then asks each
reader's ``sniff`` in this order (more specific sniffers first), so the order is part of
the contract.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import PurePath

from alphanode.errors import DocumentRejected, Problem, UsageError
from alphanode.formats import feed, ghost, html, jsonl, markdown, scraped, wxr
from alphanode.formats.reader import Outcome, Pieces, Reader
from alphanode.formats.sniffing import SNIFF_BYTES, markup_kind

READERS: tuple[Reader, ...] = (
    wxr.READER,
    feed.READER,
    html.READER,
    scraped.READER,
    ghost.READER,
    jsonl.JSON,
    jsonl.JSONL,
    markdown.READER,
)

AUTO = "auto"
UNSUPPORTED = "unsupported:"  # + what the input looks like: a kind that no reader reads
CODE_NO_READER = "AN-IMPORT-007"

__all__ = ["AUTO", "READERS", "SNIFF_BYTES", "choose", "names", "read", "read_all", "suffixes"]


def names() -> tuple[str, ...]:
    return tuple(r.name for r in READERS)


def suffixes() -> dict[str, str]:
    """File extension (lower case, with the dot) → reader name."""
    out: dict[str, str] = {}
    for r in READERS:
        for suffix in r.suffixes:
            out.setdefault(suffix, r.name)
    return out


def get(name: str) -> Reader:
    for reader in READERS:
        if reader.name == name:
            return reader
    raise UsageError(f"--format {name!r}", f"{AUTO} or one of {', '.join(names())}")


def check_format(fmt: str) -> str:
    """``fmt`` when it names a reader or is ``auto``; a usage error (exit 2) otherwise."""
    if fmt != AUTO:
        get(fmt)
    return fmt


def by_suffix(name: str, head: bytes = b"") -> Reader | None:
    """The reader for ``name``'s extension (stdin, ``-`` and API bodies have none); when
    several readers claim it (``.xml``, ``.json``) or it is markup, the first whose sniff
    matches ``head``."""
    if name in ("", "-"):
        return None
    suffix = PurePath(name).suffix.lower()
    claiming = [r for r in READERS if suffix in r.suffixes]
    if not claiming:
        return None
    if len(claiming) == 1 and markup_kind(head) is None:
        return claiming[0]
    sniffed = next((r for r in claiming if r.sniff(head)), None)
    if sniffed is not None:
        return sniffed
    # Markup that none of them recognises (an RSS feed named .xml): sniff among all readers;
    # anything else goes to the last, most general one (the generic JSON reader for .json).
    return None if markup_kind(head) is not None else claiming[-1]


def choose(name: str, head: bytes, fmt: str = AUTO) -> str:
    """The reader name for an input: ``fmt``, else its extension, else sniffed from ``head``;
    ``UNSUPPORTED + kind`` when it is markup that no reader handles (never a scraped page)."""
    reader = get(fmt) if fmt != AUTO else by_suffix(name, head)
    if reader is None:
        reader = next((r for r in READERS if r.sniff(head)), None)
    kind = markup_kind(head)
    if reader is not None and (kind is None or reader is not scraped.READER):
        return reader.name
    if kind is not None:
        return UNSUPPORTED + kind
    # Text nothing claimed: what it starts with decides which reader explains what is wrong.
    starts = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return jsonl.JSON.name if starts in (b"{", b"[") else scraped.READER.name


def read(
    kind: str, data: bytes, first_line: int = 1, name: str = ""
) -> Iterator[tuple[int, Outcome]]:
    """Every document (or rejection) in ``data`` as the reader ``kind`` reads it; never raises
    for bad input (every problem is a ``DocumentRejected``)."""
    if kind.startswith(UNSUPPORTED):
        yield first_line, no_reader(kind.removeprefix(UNSUPPORTED), first_line)
        return
    yield from get(kind).read(data, first_line, name)


def pieces_of(kind: str) -> Pieces | None:
    """How the reader ``kind`` cuts a stream into pieces, if it streams."""
    return None if kind.startswith(UNSUPPORTED) else get(kind).pieces


def read_all(kind: str, data: bytes, name: str = "") -> Iterator[tuple[int, Outcome]]:
    """A whole input, cut into pieces first when the reader streams (as ``import`` does)."""
    pieces = pieces_of(kind)
    if pieces is None:
        yield from read(kind, data, 1, name)
        return
    for line, piece in pieces(io.BytesIO(data)):
        yield from read(kind, piece, line, name)


def no_reader(kind: str, line: int = 1) -> DocumentRejected:
    expected = (
        f"a format alphanode reads ({', '.join(names())}): no reader handles {kind} yet; "
        "nothing was imported as a scraped page"
    )
    return DocumentRejected([Problem(CODE_NO_READER, "format", kind, expected, line=line)])
