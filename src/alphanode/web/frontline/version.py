"""The site's content version, read in a worker thread, and when public content last changed."""

from __future__ import annotations

import time
from collections.abc import Callable

from anyio import to_thread


class ContentVersion:
    """Checks the content version at most every ``interval`` seconds, never on the event
    loop (it is a database query), and calls ``on_change(first)`` when it moved (``first``:
    the worker's first reading, at start-up, not a change it saw happen).

    ``changed_at`` is the Last-Modified of site-wide pages (listings, feeds, the sitemap): at
    start-up, when any post last changed (``last_change``, read once, the same for every
    worker and across restarts); after that, the wall-clock time this worker first saw a
    new version. Either is never earlier than the change itself, so an
    ``If-Modified-Since`` never gets a 304 for content that changed after it.
    """

    def __init__(
        self,
        read: Callable[[], int],
        interval: float,
        on_change: Callable[[bool], None],
        last_change: Callable[[], float | None] | None = None,
    ) -> None:
        self.read = read
        self.interval = interval
        self.on_change = on_change
        self.last_change = last_change
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
            first = self.seen is None
            current = await to_thread.run_sync(self.read)
            if current == self.seen:
                return
            changed = time.time()
            if first and self.last_change is not None:
                known = await to_thread.run_sync(self.last_change)
                changed = min(changed, known) if known is not None else changed
        finally:
            self.checking = False
        self.seen = current
        self.changed_at = changed
        self.on_change(first)
