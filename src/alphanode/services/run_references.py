"""Which references one import run has already stored, in about 16 bytes per item.

An import run keeps one item per reference (see ``importer._claim``): it must remember
every reference it has seen and what content it had, for a run over a 1 GB export too. So
a reference and its content hash are kept as 64-bit digests in sorted numpy arrays, with
recent claims in a small dict merged in every ``MERGE_AT`` items; two different
references share a digest with odds of about n²/2⁶⁵ (nil for any real export).
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt

MERGE_AT = 65_536
_FILE_BITS = 16  # the low bits of a value: which file claimed it (for the warning)
_FILE_MASK = (1 << _FILE_BITS) - 1


def _digest(text: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    )


class RunReferences:
    """The references claimed so far in one run, with their content and first file."""

    def __init__(self) -> None:
        self._keys: npt.NDArray[np.uint64] = np.empty(0, dtype=np.uint64)
        self._values: npt.NDArray[np.uint64] = np.empty(0, dtype=np.uint64)
        self._recent: dict[int, int] = {}
        self._files: list[str] = []
        self._file_index: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._keys) + len(self._recent)

    def claim(self, ref: str, content_hash: str, where: str) -> str | None:
        """Claim ``ref`` for this content. None when it is free or already holds the very
        same content; else the file that claimed it first with other content (then
        nothing changes)."""
        key = _digest(ref)
        content = int(content_hash[:12], 16) if content_hash else 0
        found = self._find(key)
        if found is None:
            self._recent[key] = (content << _FILE_BITS) | self._file(where)
            if len(self._recent) >= MERGE_AT:
                self._merge()
            return None
        if found >> _FILE_BITS == content:
            return None
        index = found & _FILE_MASK
        return self._files[index] if index < len(self._files) else "an earlier file"

    def _find(self, key: int) -> int | None:
        if key in self._recent:
            return self._recent[key]
        keys = self._keys
        if not len(keys):
            return None
        at = int(keys.searchsorted(np.uint64(key)))
        if at < len(keys) and int(keys[at]) == key:
            return int(self._values[at])
        return None

    def _file(self, where: str) -> int:
        index = self._file_index.get(where)
        if index is None:
            index = min(len(self._files), _FILE_MASK)
            if index < _FILE_MASK:
                self._files.append(where)
                self._file_index[where] = index
        return index

    def _merge(self) -> None:
        keys = np.fromiter(self._recent.keys(), dtype=np.uint64, count=len(self._recent))
        values = np.fromiter(self._recent.values(), dtype=np.uint64, count=len(self._recent))
        all_keys = np.concatenate([self._keys, keys])
        order = np.argsort(all_keys, kind="stable")
        self._keys = all_keys[order]
        self._values = np.concatenate([self._values, values])[order]
        self._recent = {}
