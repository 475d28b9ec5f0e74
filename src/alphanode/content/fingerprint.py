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
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from alphanode.content.document import Document, Heading, ListBlock, Paragraph

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


def _mix(x: int) -> int:
    """splitmix64's finaliser: every input bit moves every output bit."""
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 & _M64
    x = (x ^ (x >> 27)) * 0x94D049BB133111EB & _M64
    return x ^ (x >> 31)


def body_text(doc: Document) -> str:
    """The words a reader reads: paragraphs, headings, list items and figure captions."""
    parts: list[str] = []
    for b in doc.body:
        if isinstance(b, Paragraph | Heading):
            parts.append(b.text)
        elif isinstance(b, ListBlock):
            parts.extend(b.items)
        else:
            parts.append(b.caption)
    return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A body's MinHash signature (``SLOTS`` 32-bit values; ``EMPTY`` where no shingle fell)."""

    slots: tuple[int, ...]

    def to_bytes(self) -> bytes:
        return b"".join(v.to_bytes(4, "little") for v in self.slots)

    @classmethod
    def from_bytes(cls, data: bytes) -> Fingerprint:
        if len(data) != SLOTS * 4:
            raise ValueError(f"a fingerprint is {SLOTS * 4} bytes, got {len(data)}")
        return cls(tuple(int.from_bytes(data[i : i + 4], "little") for i in range(0, len(data), 4)))

    def bands(self) -> list[int]:
        """One key per band that holds a value (63-bit, so it fits a signed BIGINT)."""
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


def shingle_hashes(words: Sequence[str]) -> list[int]:
    """One 64-bit hash per run of ``SHINGLE`` words, in order (empty when too few words)."""
    codes: dict[str, int] = {}
    ids = []
    for w in words:
        code = codes.get(w)
        if code is None:
            code = codes[w] = zlib.crc32(w.encode("utf-8")) + 1
        ids.append(code)
    return [
        _mix(
            (((ids[i] << 32 | ids[i + 1]) * 0x9E3779B97F4A7C15) ^ (ids[i + 2] << 32 | ids[i + 3]))
            & _M64
        )
        for i in range(len(ids) - SHINGLE + 1)
    ]


def fingerprint_words(words: Sequence[str]) -> Fingerprint | None:
    """The signature of a run of words, or None when it has fewer than ``MIN_SHINGLES``."""
    hashes = shingle_hashes(words)
    if len(hashes) < MIN_SHINGLES:
        return None
    slots = [_M64] * SLOTS
    for h in hashes:
        slot = h & (SLOTS - 1)
        value = h >> 32
        if value < slots[slot]:
            slots[slot] = value
    return Fingerprint(tuple(EMPTY if v == _M64 else min(v, EMPTY - 1) for v in slots))


def jaccard(a: Sequence[str], b: Sequence[str]) -> float:
    """The exact Jaccard similarity of two word runs' shingle sets (what signatures estimate)."""
    sa, sb = set(shingle_hashes(a)), set(shingle_hashes(b))
    union = len(sa | sb)
    return len(sa & sb) / union if union else 0.0


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
    best: tuple[int, float] | None = None
    for other_id, other in others:
        s = mine.similarity(other)
        if exact is not None and abs(s - threshold) < UNCERTAIN:
            checked = exact(other_id)
            s = s if checked is None else checked
        if s >= threshold and (
            best is None or s > best[1] or (s == best[1] and other_id < best[0])
        ):
            best = (other_id, s)
    return best
