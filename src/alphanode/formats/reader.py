"""The one interface every source-format reader has, and the helpers readers share."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from alphanode.content.document import ParsedDocument
from alphanode.errors import DocumentRejected

Outcome = ParsedDocument | DocumentRejected
# (data, first_line, name) → (line, document or rejection): lines are counted in the whole
# input, from 1; ``name`` is the source as given (a path, ``-`` for stdin, ``""`` for none),
# for formats whose file names carry meaning (a Jekyll post's date and slug).
Read = Callable[[bytes, int, str], Iterator[tuple[int, Outcome]]]
# (line, bytes) of parts that can be read on their own: one JSONL line each.
Pieces = Callable[[Iterable[bytes]], Iterator[tuple[int, bytes]]]


@dataclass(frozen=True)
class Reader:
    """One source format: how to recognise it and how to read it.

    ``sniff(head)`` gets the first ``SNIFF_BYTES`` of the input (the whole input when it is
    shorter) and says whether this reader should read it; ``read(data, first_line)`` yields
    every document or rejection and never raises (``name``: the source's path as given,
    for formats whose file names carry meaning). ``pieces``, when set, cuts a stream into
    parts that ``read`` can take one by one (so a huge JSONL file is streamed, parsed in
    parallel, and one bad line rejects only itself).
    """

    name: str
    suffixes: tuple[str, ...]
    sniff: Callable[[bytes], bool]
    read: Read
    pieces: Pieces | None = None
    help: str = ""


def shifted(exc: DocumentRejected, first_line: int) -> tuple[int, DocumentRejected]:
    """A rejection of a document that starts on ``first_line`` of the input: where the
    document starts, and its problems with their lines counted in the whole input."""
    return first_line, exc.located("", first_line - 1)
