"""Feeding the search index and Similar Posts from the durable outbox; rebuilding both.

The database is the source of truth. Approvals and retractions write an outbox row in their
own transaction; ``sync`` takes the index writer (one process at a time), reads what each
named post is *now* (live or not), applies that to the index, commits it, updates the
similar-posts lists and only then deletes the drained rows. A crash anywhere leaves rows
that the next ``sync`` applies again, and applying them twice gives the same result.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

from alphanode.content import card as cards
from alphanode.content.document import Document
from alphanode.content.terms import analyzer
from alphanode.errors import ConfigError
from alphanode.formats import jsonl
from alphanode.services import follower, similar
from alphanode.services.periodic import Periodic
from alphanode.store import changes, outbox, state
from alphanode.store import similar as similar_store
from alphanode.store.engine import reading, unchecked, writing
from alphanode.store.search import IndexBusy, IndexDoc, IndexWriter

if TYPE_CHECKING:
    from alphanode.services import similar_build
    from alphanode.services.runtime import Site

BATCH = 200
log = logging.getLogger("alphanode.indexing")


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(" ".join(v.split()).lower() for v in value if isinstance(v, str) and v.strip())


def entities(doc: Document) -> list[str]:
    raw = doc.meta.get("entities")
    names = [e.get("name") for e in raw if isinstance(e, dict)] if isinstance(raw, list) else []
    return [" ".join(n.split()).lower() for n in names if isinstance(n, str) and n.strip()]


def index_doc(post_id: int, document_json: str) -> tuple[IndexDoc, list[str]]:
    """What the index and Similar Posts read of one live revision."""
    doc = jsonl.from_object(json.loads(document_json)).document
    meta = doc.meta
    problem = " ".join(cards.topic(doc).split()).lower()
    topic = meta.get("topic") if isinstance(meta.get("topic"), str) else ""
    stack, tools, ents = _strings(meta.get("stack")), _strings(meta.get("tools")), entities(doc)
    difficulty, language = meta.get("difficulty"), meta.get("code_language")
    return (
        IndexDoc(
            post_id,
            doc.title,
            " ".join([problem, str(topic), cards.summary(doc)]),
            " ".join([*stack, *tools, *ents]),
            doc.prose_text(),  # code blocks go to their own, lower-weighted field
            problem,
            stack,
            tools,
            difficulty.strip().lower() if isinstance(difficulty, str) else "",
            language.strip().lower() if isinstance(language, str) else "",
            doc.code_text(),
        ),
        ents,
    )


@dataclass
class SyncReport:
    indexed: int = 0
    deleted: int = 0
    lists: int = 0
    busy: bool = False


def sync(site: Site, *, max_batches: int = 1_000) -> SyncReport:
    """Drain the outbox into the index and the similar lists; ``busy`` when another process
    holds the index writer (it drains instead: nothing is lost). Reached through
    ``Site.index_pending`` (the CLI after decisions, the web after decisions, the syncer).

    Where each host keeps its own index (``follower.follows``), one host at a time drains
    (``changes.drain_lock``): it brings its own index up to the change log, which holds
    every outbox row, then updates the similar lists; the other hosts' indexes follow the
    log on their own."""
    engine, settings, backend = site.engine, site.settings, site.backend()
    report = SyncReport()
    with reading(engine) as conn:
        if not outbox.pending(conn):
            return report  # the common case: no writer (a costly object) is opened at all
    try:
        with ExitStack() as held:
            writer: IndexWriter | None = None
            if follower.follows(settings):
                held.enter_context(changes.drain_lock(engine))
                if follower.follow(site).busy:
                    raise IndexBusy("this host's follower is applying the change log", "")
            else:
                writer = held.enter_context(backend.writing())
            for _ in range(max_batches):
                with reading(engine) as conn:
                    entries = outbox.batch(conn, BATCH)
                if not entries:
                    break
                ids = list(dict.fromkeys(e.post_id for e in entries))
                with reading(engine) as conn:
                    docs = outbox.live_documents(conn, ids)
                changed = {pid: index_doc(pid, text) for pid, text in docs.items()}
                gone = set(ids) - set(changed)
                if writer is not None:
                    writer.delete(sorted(gone))
                    writer.upsert([d for d, _ in changed.values()])
                    writer.commit()
                with writing(engine) as conn:
                    lists = similar.refresh(conn, backend, settings, changed, gone)
                    outbox.remove_upto(conn, entries[-1].id)
                    if lists:
                        state.bump_content_version(conn)
                report.indexed += len(changed)
                report.deleted += len(gone)
                report.lists += lists
    except IndexBusy:
        report.busy = True
    return report


def sync_quietly(site: Site) -> SyncReport | None:
    """After an approval commits: index now if we can; the outbox keeps it otherwise."""
    try:
        return sync(site)
    except ConfigError as exc:
        log.warning("search index not updated: %s", exc.message())
    except Exception:  # the decision is committed; a later sync retries from the outbox
        log.exception("search sync failed; the outbox keeps the changes for the next sync")
    return None


def reindex(
    site: Site, progress: Callable[[int, int], None] | None = None, *, resume: bool = False
) -> SyncReport:
    """Rebuild the index and every similar-posts list from the database, from scratch.

    ``resume``: a reindex stopped while it wrote the lists (the index, the features and their
    weights were complete) goes on from the first list it had not written; without one
    under way, it starts from scratch.
    """
    # The full build's array code (NumPy, SciPy) is loaded by the processes that run it,
    # not by every serving worker that imports this module.
    from alphanode.services import similar_build

    engine, settings = site.engine, site.settings
    start = follower.start_position(site)  # read before the posts (gaps: rows not yet in)
    with reading(engine) as conn:
        upto = outbox.last_id(conn)
        ids = outbox.live_ids(conn)
        under_way = similar_store.build_mark(conn) is not None
    total = 4 * len(ids)
    report = SyncReport()
    prepared: similar_build.Matrices | None = None
    if not (resume and under_way):
        prepared = _index_and_features(site, ids, report, progress, total, start)
    else:
        report.indexed = len(ids)

    def lists_step(done: int, n: int) -> None:
        if progress:
            progress(3 * len(ids) + done * len(ids) // max(n, 1), total)

    report.lists = similar_build.build(
        engine, settings, lists_step, resume=resume, prepared=prepared
    )
    with writing(engine) as conn:
        outbox.remove_upto(conn, upto)
        state.bump_content_version(conn)
    return report


def _index_and_features(
    site: Site,
    ids: list[int],
    report: SyncReport,
    progress: Callable[[int, int], None] | None,
    total: int,
    start: follower.Position,
) -> similar_build.Matrices:
    """The search index from scratch and, from the same reading of each post, its term
    counts; then every post's Similar Posts features weighed against the final document
    frequencies and stored once (``similar_features.prepare``); the matrices of the lists.
    A host whose index follows the change log follows it from ``start`` after this."""
    from alphanode.services import similar_features  # the full build's only (see reindex)

    engine, backend = site.engine, site.backend()
    using = analyzer()
    done = 0
    with similar_features.Counts() as counts:  # spilled to a temporary file, removed on exit
        with backend.writing() as writer:
            writer.clear()
            with unchecked(engine) as conn:  # no foreign key refers to Similar Posts' rows
                similar_store.clear(conn)
            for i in range(0, len(ids), BATCH):
                chunk = ids[i : i + BATCH]
                with reading(engine) as conn:
                    docs = outbox.live_documents(conn, chunk)
                made = {pid: index_doc(pid, docs[pid]) for pid in chunk if pid in docs}
                writer.upsert([d for d, _ in made.values()])
                counts.add(made, using)
                done += 2 * len(chunk)
                report.indexed += len(docs)
                if progress:
                    progress(done, total)
            writer.commit()
            if follower.follows(site.settings):  # this host's index follows the log from here
                follower.save(follower.position_path(site.settings), start)
        m = similar_features.prepare(engine, counts, site.settings.similar_latent_dims)
    if progress:
        progress(3 * len(ids), total)
    with writing(engine) as conn:
        similar_store.set_build_mark(conn, 0)  # from here on a stopped reindex can resume
    return m


class Syncer:
    """A web worker's background thread: drains the outbox every ``interval`` seconds."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.interval = site.settings.search_sync_seconds
        self._periodic = Periodic(
            "alphanode-search", self.interval, site.index_pending, final=False
        )

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()
