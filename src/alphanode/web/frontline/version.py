"""The site's content version, read in a worker thread, and when this worker saw it change."""

from __future__ import annotations

import time
from collections.abc import Callable

from anyio import to_thread


class ContentVersion:
    """Checks the content version at most every ``interval`` seconds, never on the event
    loop (it is a database query), and calls ``on_change`` when it moved.

    ``changed_at`` is the wall-clock time this worker first saw the current version: the
    Last-Modified of site-wide pages (listings, feeds, the sitemap). It is never earlier than
    the change itself, so an ``If-Modified-Since`` never gets a 304 for content that changed
    after it; a restart only costs one full answer per client.
    """

    def __init__(
        self, read: Callable[[], int], interval: float, on_change: Callable[[], None]
    ) -> None:
        self.read = read
        self.interval = interval
        self.on_change = on_change
        self.seen: int | None = None
        self.changed_at = 0.0
        self.checked_at = 0.0
        self.checking = False

    async def refresh(self) -> None:
        now = time.monotonic()
        if self.seen is not None and (self.checking or now - self.checked_at < self.interval):
            return  # fresh enough, or another request is reading it right now
        self.checking = True
        self.checked_at = now
        try:
            current = await to_thread.run_sync(self.read)
        finally:
            self.checking = False
        if current != self.seen:
            self.seen = current
            self.changed_at = time.time()
            self.on_change()
