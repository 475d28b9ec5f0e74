"""Counting real article views in memory and writing them in batches, off the request path."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter

from sqlalchemy.engine import Engine

from alphanode.services import views as view_service
from alphanode.services.periodic import Periodic

log = logging.getLogger("alphanode.views")


class ViewCounter:
    """Per-worker tally; a background thread flushes it every ``interval`` seconds."""

    def __init__(self, engine: Engine, interval: float) -> None:
        self.engine = engine
        self.interval = interval
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._periodic = Periodic("alphanode-views", interval, self.flush, final=True)
        self.flushes = 0

    def add(self, slug: str) -> None:
        with self._lock:
            self._counts[slug] += 1

    def pending(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def flush(self) -> int:
        with self._lock:
            counts, self._counts = self._counts, Counter()
        if not counts:
            return 0
        try:
            view_service.record(self.engine, dict(counts), dt.datetime.now(dt.UTC).date())
        except Exception:
            log.exception(
                "could not write %d views; they are kept for the next flush", sum(counts.values())
            )
            with self._lock:
                self._counts.update(counts)
            return 0
        self.flushes += 1
        return sum(counts.values())

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()
