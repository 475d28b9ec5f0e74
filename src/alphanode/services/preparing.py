"""Turning raw input items into rows ready to store: parse, validate, hash, serialise.

This is the CPU-bound half of an import. It touches no database, so it can run in worker
processes while the main process writes.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import orjson

from alphanode.content.card import Listing, QueueKeys, listing, queue_keys, review_facets
from alphanode.content.document import ParsedDocument
from alphanode.content.fingerprint import Fingerprint, fingerprint
from alphanode.content.source import is_published
from alphanode.content.validate import CODE_EMPTY, CODE_TOO_LARGE
from alphanode.errors import DocumentRejected, DocumentWarning, Problem
from alphanode.formats import jsonl, registry
from alphanode.services.sources import TOO_LARGE, Item
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
    queue: QueueKeys | None = None  # what the review queue sorts and shows it by
    listing: Listing | None = None  # its card and terms, written when it is approved
    fingerprint: Fingerprint | None = None
    format: str = ""  # the reader that read it
    published: bool = True  # False when its source says it is not public (draft, private...)
    name: str = ""  # the file's path below the import root (what a shared reference names)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A source item that is not imported by design (a WordPress comment, menu item or
    revision): counted in the report with its type, never silently dropped."""

    source: str
    format: str
    what: str


Outcome = Prepared | Rejection | Skipped
CODE_SKIPPED = "AN-IMPORT-SKIP"  # a reader's way to say: not imported by design


def _prepared(
    parsed: ParsedDocument, source: str, prints: bool = True, fmt: str = "", name: str = ""
) -> Prepared:
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
        queue=queue_keys(doc.title, doc.meta),
        listing=listing(doc),
        fingerprint=fingerprint(doc) if prints else None,
        format=fmt,
        published=is_published(doc.meta),
        name=name,
    )


def rereferenced(p: Prepared, ref: str, warning: DocumentWarning) -> Prepared:
    """``p`` stored under another reference (its document says so too), with a warning."""
    data = orjson.loads(p.document)
    data.setdefault("meta", {})["reference"] = ref
    warnings = [*json.loads(p.warnings), warning.to_dict()]
    return replace(
        p,
        ref=ref,
        content_hash=hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest(),
        document=jsonl.dumps_data(data),
        warnings=json.dumps(warnings, ensure_ascii=False),
        warning_count=p.warning_count + 1,
    )


def prepare_parsed(parsed: ParsedDocument, source: str, prints: bool = True) -> Prepared:
    """A document already parsed and validated (the review desk's edit form), prepared the
    same way as every imported one."""
    return _prepared(parsed, source, prints, "desk")


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
    return Rejection(where, problems, _raw(item.data), item.kind)


def prepare(item: Item, max_bytes: int, prints: bool = True) -> list[Outcome]:
    """Every document in one item, each either prepared or rejected (never an exception)."""
    if item.kind == TOO_LARGE:
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
    out: list[Outcome] = []
    for line, outcome in registry.read(item.kind, item.data, item.line, item.reader_name):
        if isinstance(outcome, DocumentRejected):
            if outcome.problems and all(p.code == CODE_SKIPPED for p in outcome.problems):
                what = outcome.problems[0].value
                out.append(Skipped(f"{item.source}:{line}", item.kind, what))
            else:
                out.append(_rejection(outcome, item, line))
        else:
            source = f"{item.source}:{line}"
            out.append(_prepared(outcome, source, prints, item.kind, item.reader_name))
    if not out:  # a reader found nothing at all: say so rather than drop the input
        bad = Problem(CODE_EMPTY, "document", "", "a document", False, item.source, item.line)
        out.append(Rejection(f"{item.source}:{item.line}", (bad,), _raw(item.data)))
    return out


def prepare_many(items: Sequence[Item], max_bytes: int, prints: bool = True) -> list[Outcome]:
    """Every item prepared; ``prints``: with near-duplicate fingerprints (when the import
    looks for near-duplicates)."""
    out: list[Outcome] = []
    for item in items:
        out.extend(prepare(item, max_bytes, prints))
    return out


_PR_SET_PDEATHSIG = 1
_WATCH_SECONDS = 1.0


def worker_start(parent: int) -> None:
    """Run in each parse worker first: the worker ends when the importer that started it
    dies (a killed importer must not leave its workers running)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl: the watchdog below still ends the worker
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    # PR_SET_PDEATHSIG fires when the parent's *thread* that started the worker ends, and
    # exists only on Linux: the watchdog covers the rest.
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="parent-watch").start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_WATCH_SECONDS)
    os._exit(1)
