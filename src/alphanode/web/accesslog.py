"""One structured line per request, buffered and written in batches off the hot path.

``logging`` costs tens of microseconds per record (record objects, caller lookup, a flush
per line); at thousands of requests a second that is most of a core, so request lines go
to this small buffered sink instead. Actions (imports, review decisions) use ``logging``.
"""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from alphanode.services.periodic import Periodic


class AccessLog:
    def __init__(self, stream: TextIO | None = None, interval: float = 0.5, limit: int = 1024):
        self.stream: TextIO = stream if stream is not None else sys.stderr
        self.interval = interval
        self.limit = limit
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._periodic = Periodic("alphanode-log", interval, self.flush, final=True)

    def write(self, line: str) -> None:
        self._lines.append(line)  # list.append is atomic under the GIL
        if len(self._lines) >= self.limit:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            lines, self._lines = self._lines, []
            if lines:
                try:
                    self.stream.write("\n".join(lines) + "\n")
                    self.stream.flush()
                except (OSError, ValueError):
                    pass  # a closed or broken log stream must never break serving

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()
