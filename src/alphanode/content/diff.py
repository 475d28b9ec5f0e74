"""Differences between two revisions: word-level per block, moved blocks, meta fields, and
the passages two bodies share (pure; the desk's compare view renders these)."""

from __future__ import annotations

import difflib
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

SHARED_MIN_WORDS = 8  # a shared passage is at least this many words in a row


@dataclass(frozen=True)
class Part:
    """A run of words: ``eq`` (in both), ``ins`` (only in the new), ``del`` (only in the old)."""

    op: str
    text: str


@dataclass(frozen=True)
class BlockChange:
    """One block of the comparison: ``same``, ``changed`` (with word parts), ``added``,
    ``removed``, ``moved_from`` (a block that moved away from here) or ``moved_to``."""

    kind: str
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class MetaChange:
    key: str
    old: str  # JSON text; "" when the field is absent
    new: str


def words(old: str, new: str) -> tuple[Part, ...]:
    """Word-level insertions and deletions between two texts (white space folded)."""
    a, b = old.split(), new.split()
    out: list[Part] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(Part("eq", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(Part("del", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(Part("ins", " ".join(b[j1:j2])))
    return tuple(out)


def _whole(kind: str, text: str) -> BlockChange:
    op = {"added": "ins", "removed": "del", "moved_to": "ins", "moved_from": "del"}.get(kind, "eq")
    return BlockChange(kind, (Part(op, text),))


def blocks(old: list[str], new: list[str]) -> list[BlockChange]:
    """The blocks of the new body with what changed against the old one: blocks that only
    moved are marked as moves, not as a deletion and an insertion."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    codes = matcher.get_opcodes()
    gone = Counter(t for tag, i1, i2, _, _ in codes if tag != "equal" for t in old[i1:i2])
    came = Counter(t for tag, _, _, j1, j2 in codes if tag != "equal" for t in new[j1:j2])
    away, here = gone & came, gone & came
    out: list[BlockChange] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal":
            out.extend(_whole("same", t) for t in new[j1:j2])
            continue
        olds: list[str] = []
        for t in old[i1:i2]:
            if away[t] > 0:
                away[t] -= 1
                out.append(_whole("moved_from", t))
            else:
                olds.append(t)
        news: list[str] = []
        for t in new[j1:j2]:
            if here[t] > 0:
                here[t] -= 1
                out.append(_whole("moved_to", t))
            else:
                news.append(t)
        paired = min(len(olds), len(news))
        out.extend(BlockChange("changed", words(a, b)) for a, b in zip(olds, news, strict=False))
        out.extend(_whole("removed", t) for t in olds[paired:])
        out.extend(_whole("added", t) for t in news[paired:])
    return out


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def meta(old: dict[str, Any], new: dict[str, Any]) -> list[MetaChange]:
    """Meta fields added, removed or changed (old → new, as JSON), in key order."""
    out: list[MetaChange] = []
    for key in sorted(set(old) | set(new)):
        a = _json(old[key]) if key in old else ""
        b = _json(new[key]) if key in new else ""
        if a != b:
            out.append(MetaChange(key, a, b))
    return out


def shared(first: str, second: str, min_words: int = SHARED_MIN_WORDS) -> tuple[Part, ...]:
    """``second`` as parts: ``eq`` for passages of at least ``min_words`` words also in
    ``first``, ``ins`` for the rest (a near-duplicate beside its original)."""
    a, b = first.split(), second.split()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out: list[Part] = []
    at = 0
    for m in matcher.get_matching_blocks():
        if m.size < min_words:
            continue
        if m.b > at:
            out.append(Part("ins", " ".join(b[at : m.b])))
        out.append(Part("eq", " ".join(b[m.b : m.b + m.size])))
        at = m.b + m.size
    if at < len(b):
        out.append(Part("ins", " ".join(b[at:])))
    return tuple(out)
