"""The ``Site``: one site's runtime in one process (settings, engines, search, caches, workers).

``create_app`` builds one for the web worker and the CLI callback builds one per command;
nothing else holds process-wide state (tests/test_module_state.py checks that modules hold
constants only). Everything here is opened lazily, so a command that never touches the
database (``alphanode defaults``) opens nothing, and ``close`` releases what was opened.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

from argon2 import PasswordHasher
from sqlalchemy.engine import Engine

from alphanode.content.document import Document
from alphanode.formats import jsonl
from alphanode.services import follower, indexing, scheduling
from alphanode.services.live_counts import Kept, LiveCounts
from alphanode.services.queue import QueueCounts
from alphanode.settings import Settings
from alphanode.store import state
from alphanode.store.engine import connect, reading
from alphanode.store.migrate import open_database
from alphanode.store.replicas import Replicas, parse_urls
from alphanode.store.search import SearchBackend, open_backend


class Worker(Protocol):
    """A background job the site starts with the web worker and stops at shutdown."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class ParsedRevisions:
    """Parsed documents by revision: a revision never changes, so a page render need not
    parse and validate the same stored JSON again (a bounded LRU). The key holds the text's
    hash too, so a cache can never answer with another database's page."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self.items: OrderedDict[tuple[int, int, int, int], Document] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, post_id: int, number: int, text: str) -> Document:
        key = (post_id, number, len(text), hash(text))
        with self.lock:
            doc = self.items.get(key)
            if doc is not None:
                self.items.move_to_end(key)
                return doc
        doc = jsonl.from_object(json.loads(text)).document
        with self.lock:
            self.items[key] = doc
            if len(self.items) > self.size:
                self.items.popitem(last=False)
        return doc


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Site:
    """One site's runtime: built once per web worker (``create_app``) or CLI command.

    Owns the typed ``settings``, the database ``engine`` (migrated when ``auto_migrate``
    is on) and an unmigrated one for ``db``/``backup`` commands, the search backend, the
    parsed-revision cache, the review queue's and the listings' counts, the password
    ``hasher`` (tests pass a cheap one), the ``clock`` and the background workers (the search
    syncer, the web's view counter).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        hasher: PasswordHasher | None = None,
        engine: Engine | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.settings = settings
        # What "now" is for schedules and the desk's charts (tests pass a clock they move).
        self.clock: Callable[[], dt.datetime] = clock or _utc_now
        self.hasher = hasher or PasswordHasher()
        self.parsed = ParsedRevisions()
        self.queue_counts = QueueCounts()  # the review queue's counts, until it changes
        self.live_counts = LiveCounts()  # live posts per listing, until public content changes
        # most-read rankings (services.views), until counted views or public content change
        self.most_read: Kept[Any] = Kept(64)
        self._engine = engine
        self._owns_engine = engine is None
        self._raw_engine: Engine | None = None
        self._replicas: Replicas | None = None
        self._backend: SearchBackend | None = None
        self._lock = threading.Lock()
        self._workers: list[Worker] = []
        self._running: list[Worker] = []

    @property
    def engine(self) -> Engine:
        """The database, opened (and migrated when ``auto_migrate``) on first use."""
        with self._lock:
            if self._engine is None:
                self._engine = open_database(self.settings)
            return self._engine

    @property
    def read_engine(self) -> Engine:
        """The database for one public read: a replica caught up with the primary (in
        turn, see store/replicas.py) when ``database_replica_urls`` names any, else
        ``engine``. Writes and reviewers' reads always use ``engine``."""
        primary = self.engine
        urls = parse_urls(self.settings.database_replica_urls)
        if not urls:
            return primary
        with self._lock:
            if self._replicas is None:
                self._replicas = Replicas(
                    primary,
                    self.settings.database_url,
                    urls,
                    self.settings.replica_check_seconds,
                    prepare=self.settings.postgres_prepared_statements,
                )
            replicas = self._replicas
        return replicas.choose()

    def replica_status(self) -> list[dict[str, object]]:
        """Each replica's state as last checked (empty without replicas)."""
        if not parse_urls(self.settings.database_replica_urls):
            return []
        _ = self.read_engine  # opens and checks them when nothing read yet
        with self._lock:
            replicas = self._replicas
        return replicas.status() if replicas is not None else []

    def unmigrated_engine(self) -> Engine:
        """The database as it is, never migrated (``db upgrade``, ``backup restore``)."""
        with self._lock:
            if self._raw_engine is None:
                self._raw_engine = connect(self.settings)
            return self._raw_engine

    def backend(self) -> SearchBackend:
        """The site's search backend (a tantivy index is opened once per site)."""
        engine = self.engine
        with self._lock:
            if self._backend is None:
                self._backend = open_backend(engine, self.settings)
            return self._backend

    def index_pending(self) -> indexing.SyncReport | None:
        """Drain the search outbox now (after approvals, before a search): the one consumer
        that the background syncer also calls. None when it failed; the outbox keeps it.
        The database is opened first: a database that cannot be opened is an error, not a
        quietly skipped sync."""
        _ = self.engine
        return indexing.sync_quietly(self)

    def search_replica(self) -> follower.ReplicaStatus | None:
        """How far this host's own index is behind the search change log; None when the
        host keeps no index of its own (``follower.follows``)."""
        if not follower.follows(self.settings):
            return None
        return follower.status(self)

    def public_version(self) -> int:
        """What cached pages and searches are checked against: the content version, and on
        a host with its own index also that index's position in the change log (its
        searches change when the index catches up, after the approval's version bump)."""
        with reading(self.engine) as conn:
            version = state.content_version(conn)
        if not follower.follows(self.settings):
            return version
        position = follower.load(follower.position_path(self.settings))
        return version << 32 | ((position.upto if position else 0) & 0xFFFF_FFFF)

    def add_worker(self, worker: Worker) -> None:
        """Run ``worker`` with the site: started by ``start``, stopped by ``close``."""
        self._workers.append(worker)

    def start(self) -> None:
        """Start the background workers: the outbox syncer, the change log's follower (a
        host with its own index) and pruner, the scheduled-publication worker and whatever
        was added."""
        if self._running:
            return
        own: list[Worker] = [follower.Follower(self)] if follower.follows(self.settings) else []
        self._running = [
            indexing.Syncer(self),
            *own,
            follower.Pruner(self),
            scheduling.Scheduler(self),
            *self._workers,
        ]
        for worker in self._running:
            worker.start()

    def close(self) -> None:
        """Stop the workers (the syncer first) and release the engines and the index."""
        running, self._running = self._running, []
        for worker in running:
            worker.stop()
        with self._lock:
            backend, self._backend = self._backend, None
            engines = [self._raw_engine] + ([self._engine] if self._owns_engine else [])
            self._raw_engine = None
            replicas, self._replicas = self._replicas, None
        if replicas is not None:
            replicas.dispose()
        if backend is not None:
            backend.close()
        for engine in engines:
            if engine is not None:
                engine.dispose()
