"""Canonical JSON and JSONL: one document per object, one object per line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from alphanode.content.document import Document, ParsedDocument
from alphanode.content.validate import CODE_BAD_JSON, document_from_dict
from alphanode.errors import DocumentRejected, Problem

Outcome = ParsedDocument | DocumentRejected


def dumps(doc: Document, *, extra: dict[str, Any] | None = None, indent: int | None = None) -> str:
    """One document as canonical JSON (``extra`` adds top-level keys such as ``slug``)."""
    data = doc.to_dict()
    if extra:
        data = {**data, **extra}
    separators = (",", ": ") if indent else (",", ":")
    return json.dumps(data, ensure_ascii=False, indent=indent, separators=separators)


def from_object(data: Any, line: int | None = None) -> ParsedDocument:
    return document_from_dict(data, line=line)


def _bad_json(exc: json.JSONDecodeError, line: int) -> DocumentRejected:
    return DocumentRejected(
        [
            Problem(
                CODE_BAD_JSON,
                "document",
                exc.doc[max(0, exc.pos - 20) : exc.pos + 20],
                f"valid JSON ({exc.msg} at column {exc.colno})",
                line=line,
            )
        ]
    )


def parse_json(text: str) -> list[tuple[int, Outcome]]:
    """A ``.json`` file: one document object, or an array of them."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [(exc.lineno, _bad_json(exc, exc.lineno))]
    items = data if isinstance(data, list) else [data]
    out: list[tuple[int, Outcome]] = []
    for item in items:
        try:
            out.append((1, from_object(item, 1)))
        except DocumentRejected as exc:
            out.append((1, exc))
    return out


def iter_jsonl(lines: Iterable[str], first_line: int = 1) -> Iterator[tuple[int, Outcome]]:
    """Each non-blank line is one document; a bad line is rejected, the rest go on."""
    for number, raw in enumerate(lines, start=first_line):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield number, _bad_json(exc, number)
            continue
        try:
            yield number, from_object(data, number)
        except DocumentRejected as exc:
            yield number, exc
