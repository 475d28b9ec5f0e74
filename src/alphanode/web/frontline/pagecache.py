"""The in-process page cache: an LRU of answers by scheme, host, path and query."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from alphanode.web.frontline.representation import Representation


@dataclass(slots=True)
class Entry:
    answer: Representation  # its encoded variants are made once, on first demand
    expires: float  # time.monotonic() after which it is rebuilt
    route: str


class PageCache:
    def __init__(self, entries: int) -> None:
        self.max_entries = entries
        self.entries: OrderedDict[str, Entry] = OrderedDict()

    @property
    def on(self) -> bool:
        return self.max_entries > 0

    def get(self, key: str, now: float) -> Entry | None:
        entry = self.entries.get(key)
        if entry is None or entry.expires < now:
            return None
        self.entries.move_to_end(key)
        return entry

    def put(self, key: str, entry: Entry) -> None:
        self.entries[key] = entry
        self.entries.move_to_end(key)
        if len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)

    def clear(self) -> None:
        self.entries.clear()
