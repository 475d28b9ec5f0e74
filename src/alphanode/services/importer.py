"""Idempotent import: identity, revisions, rejects, batched transactions, parallel parsing."""

from __future__ import annotations

import hashlib
import io
import logging
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import islice
from typing import Any, BinaryIO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from alphanode.content.fingerprint import Fingerprint
from alphanode.content.reference import reference_for
from alphanode.content.slug import MAX_SLUG, is_slug, slugify
from alphanode.content.states import ImportOutcome
from alphanode.errors import DocumentWarning
from alphanode.services import near_duplicates
from alphanode.services.preparing import (
    Outcome,
    Prepared,
    Skipped,
    prepare_many,
    rereferenced,
    worker_start,
)
from alphanode.services.run_references import RunReferences
from alphanode.services.sources import STDIN, Item, Sources, iter_items
from alphanode.settings import Settings
from alphanode.store import posts, rejects
from alphanode.store.engine import is_retryable, reading, writing
from alphanode.store.rejects import Rejection

log = logging.getLogger("alphanode.import")
PARALLEL_MIN_BYTES = 2 * 1024 * 1024  # below this, starting workers costs more than it saves
CHUNK_ITEMS = 64
WRITE_ATTEMPTS = 8
OUTCOMES_KEPT = 50
WARN_SHARED_REFERENCE = "AN-WARN-REF"


@dataclass
class ImportReport:
    """What one import did, in the shape ``alphanode import --json`` prints."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    run_id: int | None = None
    seconds: float = 0.0
    outcomes: list[tuple[str, str]] = field(default_factory=list)  # (ref or source, result)
    skipped: dict[str, int] = field(default_factory=dict)  # what was skipped → how many
    by_format: dict[str, dict[str, int]] = field(default_factory=dict)  # reader → outcomes

    def count(self, fmt: str, result: str) -> None:
        per = self.by_format.setdefault(fmt or "unknown", {})
        per[result] = per.get(result, 0) + 1

    def note(self, who: str, result: str) -> None:
        """Remember a document's outcome for the human summary (the first few only)."""
        if len(self.outcomes) < OUTCOMES_KEPT:
            self.outcomes.append((who, result))

    @property
    def documents(self) -> int:
        return self.imported + self.updated + self.unchanged + self.rejected

    def to_dict(self) -> dict[str, Any]:
        rate = self.documents / self.seconds if self.seconds > 0 else 0.0
        return {
            **self.counts(),
            "skipped": sum(self.skipped.values()),
            "skipped_by_type": dict(sorted(self.skipped.items())),
            "by_format": {k: dict(sorted(v.items())) for k, v in sorted(self.by_format.items())},
            "warnings": self.warnings,
            "documents": self.documents,
            "run_id": self.run_id,
            "seconds": round(self.seconds, 3),
            "docs_per_second": round(rate, 1),
            "errors": self.errors,
        }

    def counts(self) -> dict[str, int]:
        """Documents by outcome (each outcome is a field of the report)."""
        return {o.value: int(getattr(self, o.value)) for o in ImportOutcome}


Progress = Callable[[int, int], None]  # (bytes read so far, documents so far)


def import_sources(
    engine: Engine,
    settings: Settings,
    sources: Sources,
    *,
    stdin: BinaryIO | None = None,
    progress: Progress | None = None,
    stdin_name: str = STDIN,
    only_published: bool = False,
) -> ImportReport:
    """Import every document of ``sources``; bad ones are rejected and the rest go on.

    ``only_published``: items their source says are not public are skipped (counted).
    """
    started = time.perf_counter()
    report = ImportReport()
    max_bytes = settings.import_max_document_bytes
    batch_size = max(1, settings.import_batch_size)
    # None: near-duplicate detection is off for this import (setting near_duplicate_import).
    threshold = settings.near_duplicate_threshold if settings.near_duplicate_import else None
    with writing(engine) as conn:
        report.run_id = rejects.start_run(conn, sources.describe())
    items = iter_items(sources, stdin, max_bytes, stdin_name)
    workers = settings.import_workers
    parallel = workers > 0 and sources.total_bytes >= PARALLEL_MIN_BYTES
    prints = threshold is not None
    outcomes = (
        _parallel(items, max_bytes, workers, prints)
        if parallel
        else _inline(items, max_bytes, prints)
    )
    done_bytes = 0
    claims = RunReferences()  # one item per reference in this run (see _claim)
    batch: list[Outcome] = []
    for chunk_bytes, chunk in outcomes:
        batch.extend(chunk)
        done_bytes += chunk_bytes
        if len(batch) >= batch_size:
            _write(engine, batch, report, threshold, only_published, claims)
            batch = []
            if progress:
                progress(done_bytes, report.documents)
    if batch:
        _write(engine, batch, report, threshold, only_published, claims)
    if progress:
        progress(done_bytes, report.documents)
    with writing(engine) as conn:
        rejects.finish_run(conn, report.run_id, report.counts())
    report.seconds = time.perf_counter() - started
    log.info(
        "import run %s: imported %d, updated %d, unchanged %d, rejected %d, warnings %d in %.2f s",
        report.run_id,
        report.imported,
        report.updated,
        report.unchanged,
        report.rejected,
        report.warnings,
        report.seconds,
    )
    return report


def _chunks(items: Iterable[Item]) -> Iterator[list[Item]]:
    it = iter(items)
    while chunk := list(islice(it, CHUNK_ITEMS)):
        yield chunk


def _size(chunk: list[Item]) -> int:
    return sum(len(i.data) for i in chunk)


def _inline(
    items: Iterable[Item], max_bytes: int, prints: bool
) -> Iterator[tuple[int, list[Outcome]]]:
    for chunk in _chunks(items):
        yield _size(chunk), prepare_many(chunk, max_bytes, prints)


def _parallel(
    items: Iterable[Item], max_bytes: int, workers: int, prints: bool
) -> Iterator[tuple[int, list[Outcome]]]:
    """Parse in worker processes, in order, with a bounded number of chunks in flight."""
    work = partial(prepare_many, max_bytes=max_bytes, prints=prints)
    context = multiprocessing.get_context("spawn")  # no fork of a process holding DB handles
    in_flight: deque[tuple[int, Future[list[Outcome]]]] = deque()
    limit = workers * 16  # enough queued work to keep workers busy while a batch is written
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=worker_start,
        initargs=(os.getpid(),),
    ) as pool:
        for chunk in _chunks(items):
            in_flight.append((_size(chunk), pool.submit(work, chunk)))
            if len(in_flight) >= limit:
                size, fut = in_flight.popleft()
                yield size, fut.result()
        while in_flight:
            size, fut = in_flight.popleft()
            yield size, fut.result()


@dataclass
class _Known:
    post_id: int | None  # None until the new post is inserted
    number: int
    content_hash: str


def _skip(batch: list[Outcome], report: ImportReport, only_published: bool) -> list[Outcome]:
    """The outcomes to store; skipped ones (and unpublished ones, if asked) counted."""
    kept: list[Outcome] = []
    for o in batch:
        if isinstance(o, Skipped):
            what = o.what
        elif only_published and isinstance(o, Prepared) and not o.published:
            what = "not published at the source"
        else:
            kept.append(o)
            continue
        report.skipped[what] = report.skipped.get(what, 0) + 1
        report.count(o.format, "skipped")
        report.note(o.source, "skipped")
    return kept


def _claim(p: Prepared, claims: RunReferences) -> Prepared:
    """The first item of a run with a reference keeps it; a later one with the same
    reference and other content (test exports reuse ``wp:localhost/1``) is kept too, under
    the reference qualified by its file, with a warning naming the first: so both are
    stored, and every run decides the same way (files are read in a sorted order)."""
    where = p.source.rpartition(":")[0] or p.source
    first = claims.claim(p.ref, p.content_hash, where)
    if first is None:
        return p
    name = p.name or "input"
    ref, n = reference_for(p.ref + "@", name), 1
    while claims.claim(ref, p.content_hash, where) is not None:  # the same file twice
        n += 1
        ref = reference_for(p.ref + "@", f"{name}~{n}")
    warning = DocumentWarning(
        WARN_SHARED_REFERENCE,
        "meta.reference",
        p.ref,
        f"also the reference of an item of {first} (other content) in this import: stored as {ref}",
        None,
    )
    return rereferenced(p, ref, warning)


def _write(
    engine: Engine,
    batch: list[Outcome],
    report: ImportReport,
    threshold: float | None,
    only_published: bool = False,
    claims: RunReferences | None = None,
) -> None:
    """Store one batch in one transaction, run again from scratch if it lost a race."""
    batch = _skip(batch, report, only_published)
    claims = claims if claims is not None else RunReferences()
    prepared = [_claim(o, claims) for o in batch if isinstance(o, Prepared)]
    rejected = [o for o in batch if isinstance(o, Rejection)]
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with writing(engine) as conn:
                results = _apply(conn, prepared, report.run_id, threshold)
                rejects.insert(conn, rejected, report.run_id)
            break
        except sa.exc.DBAPIError as exc:
            # Another importer inserted the same reference or slug, or a deadlock was
            # broken: nothing of this batch was kept, so running it again is safe.
            if attempt == WRITE_ATTEMPTS or not is_retryable(exc):
                raise
            log.info(
                "import batch lost a race (%s); retrying, attempt %d",
                type(exc).__name__,
                attempt + 1,
            )
            time.sleep(0.05 * attempt)
    for p, result in zip(prepared, results, strict=True):
        setattr(report, result, getattr(report, result) + 1)
        report.warnings += p.warning_count
        report.note(p.ref, result)
        report.count(p.format, result)
    for r in rejected:
        report.count(r.format, ImportOutcome.REJECTED.value)
        report.rejected += 1
        report.errors.extend(p.to_dict() for p in r.problems)
        report.note(r.source, ImportOutcome.REJECTED.value)


def _apply(
    conn: Connection, prepared: list[Prepared], run_id: int | None, threshold: float | None
) -> list[str]:
    """Decide imported / updated / unchanged for each document and write the rows."""
    refs = list(dict.fromkeys(p.ref for p in prepared))
    known = {
        ref: _Known(row.id, row.current_revision, row.content_hash)
        for ref, row in posts.by_refs(conn, refs, lock=True).items()
    }
    new: list[Prepared] = []
    revs: list[tuple[str, int, Prepared]] = []
    results: list[str] = []
    for p in prepared:
        state = known.get(p.ref)
        if state is None:
            known[p.ref] = _Known(None, 1, p.content_hash)
            new.append(p)
            revs.append((p.ref, 1, p))
            results.append(ImportOutcome.IMPORTED.value)
        elif state.content_hash == p.content_hash:
            results.append(ImportOutcome.UNCHANGED.value)
        else:
            state.number += 1
            state.content_hash = p.content_hash
            revs.append((p.ref, state.number, p))
            results.append(ImportOutcome.UPDATED.value)
    new.sort(key=lambda p: p.ref)  # the same order in every importer: no deadlocks
    ids = posts.insert_posts(conn, _new_posts(conn, new))
    for ref, post_id in ids.items():
        known[ref].post_id = post_id
    if threshold is not None:
        revs = _mark_near_duplicates(conn, known, revs, set(ids.values()), threshold)
    _store_revisions(conn, known, revs, run_id)
    return results


def store_one(conn: Connection, prepared: Prepared, threshold: float | None) -> str:
    """One prepared document written by the import's own path, in the caller's transaction
    (the review desk's edits): a new revision when it changed, else ``unchanged``."""
    return _apply(conn, [prepared], None, threshold)[0]


def _mark_near_duplicates(
    conn: Connection,
    known: dict[str, _Known],
    revs: list[tuple[str, int, Prepared]],
    fresh: set[int],
    threshold: float,
) -> list[tuple[str, int, Prepared]]:
    """Detect near-duplicates among the new bodies; their revisions get the review facet."""
    bodies: dict[int, Fingerprint | None] = {}
    documents: dict[int, str] = {}
    for ref, _, p in revs:  # a post changed twice in one batch: its last body counts
        post_id = known[ref].post_id
        assert post_id is not None  # noqa: S101 - every new post was inserted above
        bodies.pop(post_id, None)
        bodies[post_id] = p.fingerprint
        documents[post_id] = p.document
    found = near_duplicates.detect(conn, list(bodies.items()), threshold, fresh, documents)
    if not found:
        return revs
    marked = []
    for ref, number, p in revs:
        if known[ref].post_id in found:
            p = replace(p, facets=(*p.facets, near_duplicates.FACET))
        marked.append((ref, number, p))
    return marked


def _store_revisions(
    conn: Connection,
    known: dict[str, _Known],
    revs: list[tuple[str, int, Prepared]],
    run_id: int | None,
) -> None:
    rows: list[posts.NewRevision] = []
    latest: dict[int, tuple[int, str, str]] = {}
    for ref, number, p in revs:
        post_id = known[ref].post_id
        assert post_id is not None  # noqa: S101 - every new post was inserted above
        rows.append(
            posts.NewRevision(
                post_id,
                number,
                p.content_hash,
                p.document,
                p.warnings,
                p.source,
                p.facets,
                p.queue,
                p.listing,
            )
        )
        if number > 1:
            latest[post_id] = (number, p.title, p.content_hash)
    posts.insert_revisions(conn, rows, run_id)
    posts.set_current(conn, [(pid, n, t, h) for pid, (n, t, h) in latest.items()])


def _new_posts(conn: Connection, new: list[Prepared]) -> list[posts.NewPost]:
    """Give each new post a unique slug: its own, else the title's, else one made unique.

    Two queries per batch in the common case: the wanted slugs, then the alternatives
    (wanted slug + 6 hex of the reference's hash) for those already taken.
    """
    wanted = [_wanted_slug(p) for p in new]
    taken = posts.taken_slugs(conn, list(dict.fromkeys(wanted)))
    chosen: list[str | None] = []
    for slug in wanted:
        free = slug not in taken
        chosen.append(slug if free else None)
        taken.add(slug)
    alternatives = {
        i: f"{wanted[i][: MAX_SLUG - 7]}-{_suffix(new[i].ref)}"
        for i, slug in enumerate(chosen)
        if slug is None
    }
    if alternatives:
        taken |= posts.taken_slugs(conn, list(dict.fromkeys(alternatives.values())))
    for i, alt in alternatives.items():
        slug = alt if alt not in taken else _numbered(conn, wanted[i], taken)
        taken.add(slug)
        chosen[i] = slug
    return [
        posts.NewPost(p.ref, str(s), p.title, p.content_hash)
        for p, s in zip(new, chosen, strict=True)
    ]


def _wanted_slug(p: Prepared) -> str:
    return p.slug_hint if p.slug_hint and is_slug(p.slug_hint) else slugify(p.title)


def _suffix(ref: str) -> str:
    return hashlib.sha256(ref.encode("utf-8")).hexdigest()[:6]


def _numbered(conn: Connection, slug: str, taken: set[str]) -> str:
    used = taken | posts.slugs_like(conn, slug)
    n = 2
    while f"{slug}-{n}" in used:
        n += 1
    return f"{slug}-{n}"


def import_bytes(engine: Engine, settings: Settings, name: str, data: bytes) -> ImportReport:
    """Import one request body: a scraped page, a JSON document or array, or JSONL."""
    return import_sources(
        engine, settings, Sources((), True, len(data)), stdin=io.BytesIO(data), stdin_name=name
    )


RESUME_NOTE = (
    "imports are idempotent: if no import is running now, run the same `alphanode import` "
    "again to finish it (documents already stored are reported unchanged)"
)


def unfinished_runs(engine: Engine) -> list[rejects.UnfinishedRun]:
    """Import runs that never finished: still running, or killed (``alphanode check``)."""
    with reading(engine) as conn:
        return rejects.unfinished_runs(conn)


def list_rejects(
    engine: Engine, run_id: int | None = None, limit: int = 100
) -> list[rejects.RejectRow]:
    """Rejected documents, newest first (``alphanode rejects``)."""
    with reading(engine) as conn:
        return rejects.listing(conn, run_id, limit)
