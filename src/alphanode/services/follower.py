"""Each host's own search index, following the search change log (store/changes.py).

With ``search_backend = "tantivy"`` on a PostgreSQL database every host keeps a local index
(``search_index_path``) and its own position in the log, in ``alphanode-position.json``
beside the index, replaced atomically after each index commit. Every
``search_follow_seconds`` a web worker reads the rows after its position, applies what each
named post is *now* (live: upserted; not: deleted; so applying a row twice changes nothing),
commits the index, then writes the new position. A crash between the two applies those rows
again. A host with no position (a new or emptied index), or whose position is older than
what pruning deleted, rebuilds from the live posts and then follows.

Ids come from a sequence, and a transaction that took its id earlier can commit after one
that took a later id: a missing id below the newest seen is a *gap*, looked up again on each
poll until it appears or ``GAP_SECONDS`` pass (an id a rolled-back transaction took never
appears). The outbox is still drained once, by the host holding the drain lock
(``indexing.sync``), for the Similar Posts lists.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection, make_url

from alphanode.services.periodic import Periodic
from alphanode.settings import Settings
from alphanode.store import changes, outbox
from alphanode.store.engine import reading, writing
from alphanode.store.search import IndexBusy, IndexWriter, backend_name, index_path

if TYPE_CHECKING:
    from alphanode.services.runtime import Site

POSITION_FILE = "alphanode-position.json"
LOG_BATCH = 1_000  # rows applied per index commit
SNAPSHOT_BATCH = 500  # live posts read per query while rebuilding
GAP_SECONDS = 120.0  # how long a missing id is waited for
MAX_GAPS = 1_000  # a larger jump in ids (a sequence's cache after a crash) keeps its last ones
PRUNE_SECONDS = 60.0  # how often a web worker prunes the log
log = logging.getLogger("alphanode.follower")


def follows(settings: Settings) -> bool:
    """Whether this host keeps its own index that follows the log: tantivy beside PostgreSQL."""
    postgres = make_url(settings.database_url).get_backend_name() == "postgresql"
    return postgres and backend_name(settings) == "tantivy"


@dataclass(frozen=True)
class Position:
    """Every row up to ``upto`` is applied but the ``gaps`` (id: when first missed, epoch s)."""

    upto: int
    gaps: dict[int, float] = field(default_factory=dict)


def position_path(settings: Settings) -> Path:
    return index_path(settings) / POSITION_FILE


def load(path: Path) -> Position | None:
    """The stored position; None when there is none (or it cannot be read: rebuild)."""
    try:
        raw = json.loads(path.read_text("utf-8"))
        gaps = {int(k): float(v) for k, v in dict(raw.get("gaps", {})).items()}
        return Position(int(raw["upto"]), gaps)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def save(path: Path, position: Position) -> None:
    """Write the position atomically (a temporary file, flushed, renamed over the old one)."""
    gaps = {str(k): v for k, v in position.gaps.items()}
    text = json.dumps({"upto": position.upto, "gaps": gaps})
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)


@dataclass
class FollowReport:
    applied: int = 0  # log rows
    indexed: int = 0
    deleted: int = 0
    rebuilt: bool = False
    busy: bool = False


def _stale(position: Position | None, end: int, pruned: int) -> bool:
    """A rebuild is needed: no position, rows after it pruned, or ahead of this log (another
    database's index)."""
    return position is None or position.upto < pruned or position.upto > max(end, pruned)


def follow(site: Site, *, max_batches: int = 1_000) -> FollowReport:
    """Bring this host's index up to the log (rebuilding first when it must); ``busy`` when
    another thread or process of this host holds the index writer (it follows instead)."""
    settings, engine = site.settings, site.engine
    path = position_path(settings)
    report = FollowReport()
    position = load(path)
    with reading(engine) as conn:
        end, pruned = changes.end(conn), changes.pruned_upto(conn)
        idle = position is not None and not _stale(position, end, pruned) and end == position.upto
        if idle and position is not None and position.gaps:
            idle = not changes.named(conn, list(position.gaps))
    if idle:
        return report  # the common case: no writer (a costly object) is opened at all
    backend = site.backend()
    try:
        with backend.writing() as writer:
            # Read again under the writer: another process of this host may have moved it
            # past the end read above (which would look like another database's index).
            position = load(path)
            with reading(engine) as conn:
                end, pruned = changes.end(conn), changes.pruned_upto(conn)
            if position is None or _stale(position, end, pruned):
                position = _rebuild(site, writer, path, report)
            for _ in range(max_batches):
                moved = _apply(site, writer, path, position, report)
                if moved is None:
                    break
                position = moved
    except IndexBusy:
        report.busy = True
    return report


def _rebuild(site: Site, writer: IndexWriter, path: Path, report: FollowReport) -> Position:
    """The index from the live posts; the position it then follows from is
    ``snapshot_position``, read before them."""
    from alphanode.services.indexing import index_doc

    engine = site.engine
    with reading(engine) as conn:
        position = snapshot_position(conn)  # before the posts are read
        ids = outbox.live_ids(conn)
    log.info("rebuilding the search index from %d live posts", len(ids))
    writer.clear()
    for i in range(0, len(ids), SNAPSHOT_BATCH):
        with reading(engine) as conn:
            docs = outbox.live_documents(conn, ids[i : i + SNAPSHOT_BATCH])
        writer.upsert([index_doc(pid, text)[0] for pid, text in docs.items()])
        report.indexed += len(docs)
    writer.commit()
    save(path, position)
    report.rebuilt = True
    return position


def _apply(
    site: Site, writer: IndexWriter, path: Path, position: Position, report: FollowReport
) -> Position | None:
    """One batch of rows after ``position`` (and the gaps that have appeared) applied and
    committed; the new position, or None when there was nothing to apply."""
    from alphanode.services.indexing import index_doc

    engine = site.engine
    with reading(engine) as conn:
        rows = changes.after(conn, position.upto, LOG_BATCH)
        filled = changes.named(conn, list(position.gaps))
    if not rows and not filled:
        return None
    now = time.time()
    found = {c.id for c in filled}
    gaps = {g: t for g, t in position.gaps.items() if g not in found and now - t < GAP_SECONDS}
    expected = position.upto + 1
    for row in rows:
        for missing in range(max(expected, row.id - MAX_GAPS), row.id):
            gaps[missing] = now
        expected = row.id + 1
    if len(gaps) > MAX_GAPS:
        gaps = dict(sorted(gaps.items())[-MAX_GAPS:])
    ids = list(dict.fromkeys(c.post_id for c in [*rows, *filled]))
    with reading(engine) as conn:
        docs = outbox.live_documents(conn, ids)
    gone = sorted(set(ids) - set(docs))
    writer.delete(gone)
    writer.upsert([index_doc(pid, text)[0] for pid, text in docs.items()])
    writer.commit()
    moved = Position(rows[-1].id if rows else position.upto, gaps)
    save(path, moved)
    report.applied += len(rows) + len(filled)
    report.indexed += len(docs)
    report.deleted += len(gone)
    return moved


def start_position(site: Site) -> Position:
    """Where an index built from the live posts read after this (``reindex``) follows from."""
    with reading(site.engine) as conn:
        return snapshot_position(conn)


def snapshot_position(conn: Connection) -> Position:
    """Where an index built from the live posts, read *after* this, follows the log from: its
    end now, the ids below it that are not in the log yet, of its last ``GAP_SECONDS``,
    waited for as gaps. A row in the log now is in what the posts read next show, so it is
    not applied again; one that commits later, below the end, is applied from its gap.
    (Following from the last row older than ``GAP_SECONDS`` instead applied every row of the
    last two minutes again: after a bulk approval of 20,000 posts each new host re-indexed
    all of them while it served, its searches 3-7× slower.)"""
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=GAP_SECONDS)
    settled = max(changes.pruned_upto(conn), changes.settled_before(conn, cutoff))
    end = changes.end(conn)
    now = time.time()
    missing: list[int] = []
    expected = settled + 1
    for i in changes.ids_after(conn, settled, end):
        missing.extend(range(max(expected, i - MAX_GAPS), i))
        expected = i + 1
    missing.extend(range(max(expected, end + 1 - MAX_GAPS), end + 1))
    return Position(max(end, settled), dict.fromkeys(missing[-MAX_GAPS:], now))


@dataclass(frozen=True)
class ReplicaStatus:
    """How far this host's index is behind the log (``upto`` None: never built)."""

    upto: int | None
    end: int
    behind: int
    lag_seconds: float
    gaps: int

    @property
    def caught_up(self) -> bool:
        return self.upto is not None and self.behind == 0

    def to_dict(self) -> dict[str, object]:
        return {
            "caught_up": self.caught_up,
            "position": self.upto,
            "log_end": self.end,
            "behind": self.behind,
            "lag_seconds": round(self.lag_seconds, 3),
            "gaps": self.gaps,
        }


def status(site: Site) -> ReplicaStatus:
    position = load(position_path(site.settings))
    with reading(site.engine) as conn:
        end = changes.end(conn)
        behind, first = changes.behind(conn, position.upto if position else 0)
    lag = 0.0
    if behind and first is not None:
        lag = max(0.0, (dt.datetime.now(dt.UTC) - first).total_seconds())
    if position is None:
        return ReplicaStatus(None, end, behind, lag, 0)
    return ReplicaStatus(position.upto, end, behind, lag, len(position.gaps))


def prune(site: Site) -> int:
    """Delete log rows older than ``search_changes_retention_hours``; how many."""
    hours = site.settings.search_changes_retention_hours
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)
    with writing(site.engine) as conn:
        return changes.prune(conn, cutoff)


def follow_quietly(site: Site) -> FollowReport | None:
    """The follower's tick: a failure is logged, the next tick tries again from the position."""
    try:
        return follow(site)
    except Exception:
        log.exception("search follower failed; the next poll starts again from its position")
    return None


class Follower:
    """A web worker's background thread: applies the log every ``search_follow_seconds``."""

    def __init__(self, site: Site) -> None:
        self._periodic = Periodic(
            "alphanode-follow",
            site.settings.search_follow_seconds,
            lambda: follow_quietly(site),
            final=False,
        )

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()


class Pruner:
    """A web worker's background thread: prunes the log every ``PRUNE_SECONDS``."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self._periodic = Periodic("alphanode-prune", PRUNE_SECONDS, self.work, final=False)

    def work(self) -> None:
        try:
            prune(self.site)
        except Exception:
            log.exception("pruning the search change log failed; it is tried again later")

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()
