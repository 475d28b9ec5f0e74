"""A daemon thread that runs one piece of work every few seconds (flushes, index sync)."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Periodic:
    """Calls ``work`` every ``interval`` seconds until stopped; ``stop`` runs it once more when
    ``final`` (so buffered counts or log lines are not lost at shutdown)."""

    def __init__(self, name: str, interval: float, work: Callable[[], object], final: bool) -> None:
        self.name = name
        self.interval = interval
        self.work = work
        self.final = final
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.interval <= 0 or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.work()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
            self._thread = None
        if self.final:
            self.work()
