"""Turning raw input items into rows ready to store: parse, validate, hash, serialise.

This is the CPU-bound half of an import. It touches no database, so it can run in worker
processes while the main process writes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from alphanode.content.card import review_facets
from alphanode.content.document import ParsedDocument
from alphanode.content.fingerprint import Fingerprint, fingerprint
from alphanode.content.validate import CODE_BAD_JSON, CODE_TOO_LARGE
from alphanode.errors import DocumentRejected, Problem
from alphanode.formats import jsonl, scraped
from alphanode.formats.text import decode
from alphanode.services.sources import Item
from alphanode.store.rejects import Rejection

RAW_KEEP = 1024 * 1024  # how much of a rejected document is kept in the rejects table


@dataclass(frozen=True, slots=True)
class Prepared:
    """A valid document, serialised once, with what the writer needs to place it."""

    source: str
    ref: str
    slug_hint: str | None
    title: str
    content_hash: str
    document: str
    warnings: str
    warning_count: int
    facets: tuple[tuple[str, str], ...] = ()
    fingerprint: Fingerprint | None = None


Outcome = Prepared | Rejection


def _prepared(parsed: ParsedDocument, source: str, prints: bool = True) -> Prepared:
    doc = parsed.document
    data = doc.to_dict()  # once: serialised for storage and, with sorted keys, for the hash
    return Prepared(
        source=source,
        ref=doc.reference or doc.identity(),
        slug_hint=parsed.slug,
        title=doc.title,
        content_hash=hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest(),
        document=jsonl.dumps_data(data),
        warnings=json.dumps([w.to_dict() for w in parsed.warnings], ensure_ascii=False),
        warning_count=len(parsed.warnings),
        facets=tuple(review_facets(doc)),
        fingerprint=fingerprint(doc) if prints else None,
    )


def _raw(data: bytes) -> str:
    return data[:RAW_KEEP].decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _rejection(exc: DocumentRejected, item: Item, line: int | None = None) -> Rejection:
    where = f"{item.source}:{line or item.line}"
    problems = tuple(
        p.located(item.source, 0)
        if p.line is not None
        else Problem(
            p.code, p.field, p.value, p.expected, p.retry_safe, item.source, line or item.line
        )
        for p in exc.problems
    )
    return Rejection(where, problems, _raw(item.data))


def prepare(item: Item, max_bytes: int, prints: bool = True) -> list[Outcome]:
    """Every document in one item, each either prepared or rejected (never an exception)."""
    if item.kind == "too_large":
        problem = Problem(
            CODE_TOO_LARGE,
            "document",
            "more than the limit",
            f"a document of at most {max_bytes} bytes (setting import_max_document_bytes)",
            False,
            item.source,
            item.line,
        )
        return [Rejection(f"{item.source}:{item.line}", (problem,), _raw(item.data))]
    try:
        text = decode(item.data)
        if item.kind == "text":
            parsed = scraped.parse(text)
            return [_prepared(parsed, f"{item.source}:{parsed.line or 1}", prints)]
        if item.kind == "jsonl":
            return [_jsonl_line(text, item, prints)]
        return [_json_outcome(item, line, o, prints) for line, o in jsonl.parse_json(text)]
    except DocumentRejected as exc:
        return [_rejection(exc, item)]


def _jsonl_line(text: str, item: Item, prints: bool = True) -> Outcome:
    for _, outcome in jsonl.iter_jsonl([text], first_line=item.line):
        return _json_outcome(item, item.line, outcome, prints)
    bad = Problem(CODE_BAD_JSON, "document", "", "a JSON object", False, item.source, item.line)
    return Rejection(f"{item.source}:{item.line}", (bad,), "")


def _json_outcome(
    item: Item, line: int, outcome: ParsedDocument | DocumentRejected, prints: bool = True
) -> Outcome:
    if isinstance(outcome, DocumentRejected):
        return _rejection(outcome, item, line)
    return _prepared(outcome, f"{item.source}:{line}", prints)


def prepare_many(items: Sequence[Item], max_bytes: int, prints: bool = True) -> list[Outcome]:
    """Every item prepared; ``prints``: with near-duplicate fingerprints (when the import
    looks for near-duplicates)."""
    out: list[Outcome] = []
    for item in items:
        out.extend(prepare(item, max_bytes, prints))
    return out
