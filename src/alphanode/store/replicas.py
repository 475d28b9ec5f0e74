"""PostgreSQL streaming replicas for public reads: taken in turn, skipped when behind or gone.

A replica serves a read only while it is reachable and has replayed the primary's current
content version (``site_state``), checked at most every ``replica_check_seconds``; so a
public page is never older than that check (plus the page cache's own rules), and a replica
that stops replaying is skipped within one check. Between checks, a replica that goes away
costs no error either: its engine's connections are made by a creator that falls back to
the primary (with a log line), and ``pool_pre_ping`` drops connections to a server that left.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from alphanode.store.engine import normalise_url
from alphanode.store.state import content_version

log = logging.getLogger("alphanode.replicas")
CONNECT_TIMEOUT_SECONDS = 2
# Connections to a replica are renewed this often, so a pool that fell back to the
# primary while the replica was away returns to the replica once it is back.
RECYCLE_SECONDS = 30


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as libpq reads it (``postgresql://…``)."""
    return make_url(normalise_url(url)).set(drivername="postgresql").render_as_string(False)


def shown(url: str) -> str:
    """A URL fit for a log line: host, port and database, never the password."""
    parsed = make_url(normalise_url(url))
    host = parsed.host or str(parsed.query.get("host", ""))
    return f"{host}:{parsed.port or 5432}/{parsed.database}"


def parse_urls(value: str) -> list[str]:
    return [u.strip() for u in value.split(",") if u.strip()]


@dataclass
class Replica:
    """One replica: its engine and what the last check found."""

    name: str
    engine: Engine
    ok: bool = False
    reachable: bool = False
    version: int | None = None
    lag_seconds: float | None = None


def _falling_back(replica: str, primary: str, prepare: bool) -> Callable[[], Any]:
    import psycopg  # replicas are PostgreSQL's: a SQLite site's workers never load it

    options: dict[str, Any] = {} if prepare else {"prepare_threshold": None}

    def creator() -> Any:
        try:
            return psycopg.connect(
                libpq_url(replica), connect_timeout=CONNECT_TIMEOUT_SECONDS, **options
            )
        except psycopg.OperationalError as exc:
            log.warning(
                "replica %s unreachable (%s): this read goes to the primary",
                shown(replica),
                str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
            )
            return psycopg.connect(libpq_url(primary), **options)

    return creator


class Replicas:
    """The replicas of one process, chosen in turn among those caught up."""

    def __init__(
        self,
        primary: Engine,
        primary_url: str,
        urls: list[str],
        interval: float,
        *,
        prepare: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.interval = interval
        self.clock = clock
        self.items = [
            Replica(
                shown(url),
                sa.create_engine(
                    normalise_url(url),
                    creator=_falling_back(url, primary_url, prepare),
                    pool_pre_ping=True,
                    pool_recycle=RECYCLE_SECONDS,
                ),
            )
            for url in urls
        ]
        self.checked_at: float | None = None
        self.primary_version: int | None = None
        self._turn = 0
        self._lock = threading.Lock()
        self._checking = threading.Lock()

    def choose(self) -> Engine:
        """The engine for one public read: the next replica caught up, else the primary."""
        self.refresh()
        with self._lock:
            ready = [r for r in self.items if r.ok]
            if not ready:
                return self.primary
            self._turn = (self._turn + 1) % len(ready)
            return ready[self._turn].engine

    def refresh(self, force: bool = False) -> None:
        """Check every replica when the last check is older than ``interval`` (one caller
        checks; the others go on with what the last check found)."""
        now = self.clock()
        if not force and self.checked_at is not None and now - self.checked_at < self.interval:
            return
        if not self._checking.acquire(blocking=force):
            return
        try:
            self.checked_at = now
            with self.primary.connect() as conn:
                wanted = content_version(conn)
            self.primary_version = wanted
            for replica in self.items:
                self._check(replica, wanted)
        finally:
            self._checking.release()

    def _check(self, replica: Replica, wanted: int) -> None:
        was = replica.ok
        try:
            with replica.engine.connect() as conn:
                standby = bool(conn.scalar(sa.text("SELECT pg_is_in_recovery()")))
                version = content_version(conn)
                lag = conn.scalar(
                    sa.text("SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())")
                )
        except sa.exc.SQLAlchemyError as exc:
            replica.ok, replica.reachable, replica.version = False, False, None
            if was:
                log.warning("replica %s skipped: %s", replica.name, type(exc).__name__)
            return
        # A connection that fell back lands on the primary (not in recovery): not a replica.
        replica.reachable = standby
        replica.version = version
        replica.lag_seconds = float(lag) if lag is not None and standby else None
        replica.ok = standby and version >= wanted
        if was and not replica.ok:
            why = "behind the primary" if standby else "unreachable"
            log.warning(
                "replica %s skipped: %s (content version %s < %s)",
                replica.name,
                why,
                version,
                wanted,
            )
        elif replica.ok and not was:
            log.info("replica %s serves public reads", replica.name)

    def status(self) -> list[dict[str, Any]]:
        """What the last check found, per replica (for /readyz and /metrics)."""
        with self._lock:
            return [
                {
                    "name": r.name,
                    "serving": r.ok,
                    "reachable": r.reachable,
                    "content_version": r.version,
                    "primary_content_version": self.primary_version,
                    "lag_seconds": r.lag_seconds,
                }
                for r in self.items
            ]

    def dispose(self) -> None:
        for replica in self.items:
            replica.engine.dispose()
