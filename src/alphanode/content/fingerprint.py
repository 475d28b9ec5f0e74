"""Near-duplicate fingerprints of a post's body: MinHash signatures and LSH band keys.

A body is read as overlapping runs of ``SHINGLE`` words (lower case, punctuation dropped).
Its signature is a one-permutation MinHash (Li, Owen & Zhang 2012): each shingle is hashed
once to 64 bits, the low bits choose one of ``SLOTS`` slots and the slot keeps the smallest
remaining value. The share of slots two signatures agree on estimates the Jaccard
similarity of their shingle sets; bodies at or above a threshold are near-duplicates.

To find candidates without comparing every pair, the slots are cut into ``BANDS`` bands of
``ROWS``; two bodies whose signatures agree on one whole band share that band's key. With
16 bands of 4, a pair at similarity 0.8 shares a key with probability 0.9998, at 0.7 with
0.99 and at 0.3 with 0.12 (candidates are then checked on the whole signature).

Everything here is deterministic across processes and machines (crc32 and fixed mixing
constants; never ``hash()``), because signatures are stored and compared across imports.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from alphanode.content.document import Document, ListBlock, block_text, item_text

if TYPE_CHECKING:
    import numpy as np

SHINGLE = 4
SLOTS = 64
BANDS = 16
ROWS = SLOTS // BANDS
MIN_SHINGLES = 16  # shorter bodies get no fingerprint: too little text to call a duplicate
UNCERTAIN = 0.15  # estimates this close to the threshold are checked on the exact shingles
EMPTY = 0xFFFFFFFF
_M64 = 0xFFFFFFFFFFFFFFFF
_M63 = 0x7FFFFFFFFFFFFFFF
_WORD = re.compile(r"\w+")
_PACK = struct.Struct(f"<{SLOTS}I")


def _mix(x: int) -> int:
    """splitmix64's finaliser: every input bit moves every output bit."""
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 & _M64
    x = (x ^ (x >> 27)) * 0x94D049BB133111EB & _M64
    return x ^ (x >> 31)


def body_text(doc: Document) -> str:
    """The words a reader reads: paragraphs, headings, list items and figure captions."""
    parts: list[str] = []
    for b in doc.body:
        if isinstance(b, ListBlock):
            parts.extend(item_text(i) for i in b.items)
        else:
            parts.append(block_text(b))
    return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A body's MinHash signature (``SLOTS`` 32-bit values; ``EMPTY`` where no shingle fell)."""

    slots: tuple[int, ...]
    keys: tuple[int, ...] = field(default=(), compare=False)  # bands(), when made up front

    def to_bytes(self) -> bytes:
        return _PACK.pack(*self.slots)

    @classmethod
    def from_bytes(cls, data: bytes) -> Fingerprint:
        if len(data) != _PACK.size:
            raise ValueError(f"a fingerprint is {_PACK.size} bytes, got {len(data)}")
        return cls(_PACK.unpack(data))

    def bands(self) -> list[int]:
        """One key per band that holds a value (63-bit, so it fits a signed BIGINT)."""
        if self.keys:
            return list(self.keys)
        keys = []
        for band in range(BANDS):
            rows = self.slots[band * ROWS : (band + 1) * ROWS]
            if all(v == EMPTY for v in rows):
                continue
            x = band + 1
            for v in rows:
                x = _mix(x * 0x9E3779B97F4A7C15 + v & _M64)
            keys.append(x & _M63)
        return keys

    def similarity(self, other: Fingerprint) -> float:
        """Estimated Jaccard similarity: agreeing slots among those either body filled."""
        filled = same = 0
        for a, b in zip(self.slots, other.slots, strict=True):
            if a == EMPTY and b == EMPTY:
                continue
            filled += 1
            same += a == b
        return same / filled if filled else 0.0


# splitmix64's constants (as numpy.uint64 where used). NumPy is imported by the functions that
# compute: a process that only reads stored signatures (a serving worker) never loads it.
_C = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB


def _codes(words: Sequence[str]) -> Iterator[int]:
    """Each word's crc32 + 1; a word is encoded once per call (bodies repeat their words)."""
    seen: dict[str, int] = {}
    for word in words:
        code = seen.get(word)
        if code is None:
            code = seen[word] = zlib.crc32(word.encode("utf-8")) + 1
        yield code


def shingle_hashes(words: Sequence[str]) -> np.ndarray:
    """One 64-bit hash per run of ``SHINGLE`` words, in order (empty when too few words).

    hash = mix64(((w0 << 32 | w1) · φ) xor (w2 << 32 | w3)), with w the words' crc32 + 1 and
    mix64 splitmix64's finaliser, all modulo 2^64 (numpy's uint64 arithmetic wraps).
    """
    import numpy as np

    if len(words) < SHINGLE:
        return np.empty(0, dtype=np.uint64)
    w = np.fromiter(_codes(words), dtype=np.uint64, count=len(words))
    n = len(words) - SHINGLE + 1
    h = ((w[:n] << np.uint64(32)) | w[1 : n + 1]) * np.uint64(_C)
    h ^= (w[2 : n + 2] << np.uint64(32)) | w[3 : n + 3]
    h ^= h >> np.uint64(30)
    h *= np.uint64(_MIX1)
    h ^= h >> np.uint64(27)
    h *= np.uint64(_MIX2)
    h ^= h >> np.uint64(31)
    return h


def fingerprint_words(words: Sequence[str]) -> Fingerprint | None:
    """The signature of a run of words, or None when it has fewer than ``MIN_SHINGLES``."""
    import numpy as np

    hashes = shingle_hashes(words)
    if len(hashes) < MIN_SHINGLES:
        return None
    slots = np.full(SLOTS, EMPTY, dtype=np.uint64)
    # The low bits choose the slot; the high 32 bits are the value (capped below EMPTY).
    values = np.minimum(hashes >> np.uint64(32), np.uint64(EMPTY - 1))
    np.minimum.at(slots, (hashes & np.uint64(SLOTS - 1)).astype(np.intp), values)
    made = Fingerprint(tuple(int(v) for v in slots))
    # Band keys are computed here, where documents are prepared (in parallel at import),
    # not in the single writer that looks them up.
    return Fingerprint(made.slots, tuple(made.bands()))


def jaccard(a: Sequence[str], b: Sequence[str]) -> float:
    """The exact Jaccard similarity of two word runs' shingle sets (what signatures estimate)."""
    import numpy as np

    sa, sb = np.unique(shingle_hashes(a)), np.unique(shingle_hashes(b))
    union = len(np.union1d(sa, sb))
    return len(np.intersect1d(sa, sb, assume_unique=True)) / union if union else 0.0


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def fingerprint(doc: Document) -> Fingerprint | None:
    """The document body's fingerprint, or None when the body is too short to judge."""
    return fingerprint_words(words_of(body_text(doc)))


def best_match(
    mine: Fingerprint,
    others: Iterable[tuple[int, Fingerprint]],
    threshold: float,
    exact: Callable[[int], float | None] | None = None,
) -> tuple[int, float] | None:
    """The most similar of ``others`` at or above ``threshold`` (lowest id on a tie).

    A signature estimate within ``UNCERTAIN`` of the threshold is replaced by ``exact(id)``,
    the exact Jaccard similarity, when that is given and known: with ``SLOTS`` slots the
    estimate's standard deviation is about 0.06 near 0.7, enough to miss a real copy of a
    short page or to pair two pages made of the same template text.
    """
    import numpy as np

    pool = list(others)
    if not pool:
        return None
    sims = similarities(mine, [f for _, f in pool])
    best: tuple[int, float] | None = None
    near = threshold - UNCERTAIN if exact is not None else threshold
    for i in np.flatnonzero(sims >= near):  # the few worth a closer look
        other_id, s = pool[i][0], float(sims[i])
        if exact is not None and abs(s - threshold) < UNCERTAIN:
            checked = exact(other_id)
            s = s if checked is None else checked
        if s >= threshold and (
            best is None or s > best[1] or (s == best[1] and other_id < best[0])
        ):
            best = (other_id, s)
    return best


def similarities(mine: Fingerprint, others: Sequence[Fingerprint]) -> np.ndarray:
    """``mine.similarity(o)`` for every ``o`` at once (one array operation, not a loop)."""
    import numpy as np

    if not others:
        return np.empty(0)
    me = np.frombuffer(mine.to_bytes(), dtype="<u4")
    them = np.frombuffer(b"".join(o.to_bytes() for o in others), dtype="<u4").reshape(-1, SLOTS)
    filled = ~((them == EMPTY) & (me == EMPTY))
    same = ((them == me) & filled).sum(axis=1)
    count = filled.sum(axis=1)
    return np.where(count > 0, same / np.maximum(count, 1), 0.0)
