"""Finding import input: files, directories, stdin; one Item per document to read."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from alphanode.errors import UsageError
from alphanode.formats import registry
from alphanode.formats.registry import AUTO, SNIFF_BYTES

STDIN = "-"
TOO_LARGE = "too_large"


@dataclass(frozen=True, slots=True)
class Item:
    """One document's raw input (or one input that may hold several, e.g. a JSON array).

    ``kind`` names the reader (``formats.registry``), or is ``too_large``, or
    ``unsupported:<what it looks like>``.
    """

    source: str
    line: int
    kind: str
    data: bytes
    name: str = ""  # what readers see: the path below the import root (never absolute)

    @property
    def reader_name(self) -> str:
        return self.name or self.source


@dataclass(frozen=True)
class Sources:
    files: tuple[Path, ...]
    stdin: bool
    total_bytes: int
    format: str = AUTO  # a reader name from formats.registry, or auto
    # Per file, its path below the directory it was found in (or its own name when given
    # as a file): a Markdown file's reference does not depend on how the path was written.
    names: tuple[str, ...] = ()

    def describe(self) -> str:
        names = [display_name(p) for p in self.files[:20]]
        if self.stdin:
            names.append("<stdin>")
        more = len(self.files) - 20
        return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def display_name(path: Path | str) -> str:
    """A path as text that can be stored and printed: bytes of a file name that are not
    UTF-8 (read as surrogate escapes) are shown as ``\\xff``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def resolve(paths: Sequence[str], fmt: str = AUTO) -> Sources:
    """Expand directories (recursively, every extension a reader knows); refuse missing
    paths and unknown formats."""
    registry.check_format(fmt)
    if not paths:
        raise UsageError("no input given", "one or more files, directories or - for stdin")
    known = registry.suffixes()
    files: list[Path] = []
    names: list[str] = []
    stdin = False
    for raw in paths:
        if raw == STDIN:
            stdin = True
            continue
        path = Path(raw)
        if path.is_dir():
            found = [p for p in path.rglob("*") if p.suffix.lower() in known and p.is_file()]
            files.extend(sorted(found, key=str))
            names.extend(
                display_name(p.relative_to(path).as_posix()) for p in sorted(found, key=str)
            )
        elif path.is_file():
            files.append(path)
            names.append(display_name(path.name))
        else:
            raise UsageError(
                f"{display_name(raw)}: no such file or directory",
                "an existing file, a directory or -",
            )
    total = sum(p.stat().st_size for p in files)
    return Sources(tuple(files), stdin, total, fmt, tuple(names))


def iter_items(
    sources: Sources, stdin: BinaryIO | None, max_bytes: int, stdin_name: str = STDIN
) -> Iterator[Item]:
    """Items in a stable order: files as listed (directories sorted), then stdin."""
    names = sources.names if len(sources.names) == len(sources.files) else ()
    for n, path in enumerate(sources.files):
        yield from _file_items(path, max_bytes, sources.format, names[n] if names else "")
    if sources.stdin and stdin is not None:
        data = stdin.read()
        kind = registry.choose(stdin_name, data[:SNIFF_BYTES], sources.format)
        yield from _items(stdin_name, kind, data, io.BytesIO(data), max_bytes)


def _file_items(path: Path, max_bytes: int, fmt: str, below: str = "") -> Iterator[Item]:
    name = display_name(path)
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
        kind = registry.choose(str(path), head, fmt)
        fh.seek(0)
        if registry.pieces_of(kind) is not None:
            yield from _items(name, kind, b"", fh, max_bytes, below)
            return
        if path.stat().st_size > max_bytes:
            yield Item(name, 1, TOO_LARGE, head[:4096], below)
            return
        data = fh.read()
    yield _sized(Item(name, 1, kind, data, below), max_bytes)


def _items(
    name: str, kind: str, data: bytes, stream: BinaryIO, max_bytes: int, below: str = ""
) -> Iterator[Item]:
    """One item for the whole input, or one per piece when its reader streams (JSONL)."""
    pieces = registry.pieces_of(kind)
    if pieces is None:
        yield _sized(Item(name, 1, kind, data, below), max_bytes)
        return
    for number, piece in pieces(stream):
        yield _sized(Item(name, number, kind, piece, below), max_bytes)


def _sized(item: Item, max_bytes: int) -> Item:
    if len(item.data) > max_bytes:
        return Item(item.source, item.line, TOO_LARGE, item.data[:4096], item.name)
    return item
