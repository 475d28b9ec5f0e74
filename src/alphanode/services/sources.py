"""Finding import input: files, directories, stdin; one Item per document to read."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from alphanode.errors import UsageError

SUFFIXES = {".txt": "text", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
STDIN = "-"

Kind = Literal["text", "json", "jsonl", "too_large"]


@dataclass(frozen=True, slots=True)
class Item:
    """One document's raw input (or, for ``.json``, one file that may hold several)."""

    source: str
    line: int
    kind: Kind
    data: bytes


@dataclass(frozen=True)
class Sources:
    files: tuple[Path, ...]
    stdin: bool
    total_bytes: int

    def describe(self) -> str:
        names = [str(p) for p in self.files[:20]]
        if self.stdin:
            names.append("<stdin>")
        more = len(self.files) - 20
        return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def _kind(path: Path) -> Kind:
    return SUFFIXES.get(path.suffix.lower(), "text")  # type: ignore[return-value]


def resolve(paths: Sequence[str]) -> Sources:
    """Expand directories (recursively, ``*.txt *.json *.jsonl``); refuse missing paths."""
    if not paths:
        raise UsageError("no input given", "one or more files, directories or - for stdin")
    files: list[Path] = []
    stdin = False
    for raw in paths:
        if raw == STDIN:
            stdin = True
            continue
        path = Path(raw)
        if path.is_dir():
            found = [p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()]
            files.extend(sorted(found, key=str))
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(
                f"{raw}: no such file or directory", "an existing file, a directory or -"
            )
    total = sum(p.stat().st_size for p in files)
    return Sources(tuple(files), stdin, total)


def iter_items(
    sources: Sources, stdin: BinaryIO | None, max_bytes: int, stdin_name: str = STDIN
) -> Iterator[Item]:
    """Items in a stable order: files as listed (directories sorted), then stdin."""
    for path in sources.files:
        yield from _file_items(path, max_bytes)
    if sources.stdin and stdin is not None:
        yield from _stream_items(stdin_name, stdin.read(), max_bytes)


def _file_items(path: Path, max_bytes: int) -> Iterator[Item]:
    kind = _kind(path)
    name = str(path)
    if kind == "jsonl":
        with path.open("rb") as fh:
            for number, line in enumerate(fh, start=1):
                if line.strip():
                    yield _sized(Item(name, number, "jsonl", line), max_bytes)
        return
    size = path.stat().st_size
    if size > max_bytes:
        with path.open("rb") as fh:
            head = fh.read(4096)
        yield Item(name, 1, "too_large", head)
        return
    yield Item(name, 1, kind, path.read_bytes())


def _sized(item: Item, max_bytes: int) -> Item:
    if len(item.data) > max_bytes:
        return Item(item.source, item.line, "too_large", item.data[:4096])
    return item


def _stream_items(name: str, data: bytes, max_bytes: int) -> Iterator[Item]:
    """Stdin holds one scraped page, one JSON document or array, or JSONL."""
    head = data.lstrip()[:1]
    if head == b"[":
        yield _sized(Item(name, 1, "json", data), max_bytes)
        return
    if head == b"{":
        try:
            json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError):
            for number, line in enumerate(data.splitlines(), start=1):
                if line.strip():
                    yield _sized(Item(name, number, "jsonl", line), max_bytes)
            return
        yield _sized(Item(name, 1, "json", data), max_bytes)
        return
    yield _sized(Item(name, 1, "text", data), max_bytes)
