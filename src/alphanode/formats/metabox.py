"""Reading the ``alphanode post meta`` box: glued labels, grouped items and lists of records."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from alphanode.content.meta import (
    EXTRA,
    EXTRA_UNPARSED,
    SCHEMA,
    SPECIAL_EXTRA,
    WARN_ODD_LINE,
    Shape,
    label,
    snake,
)
from alphanode.errors import DocumentWarning

BULLET = "•"
META_MARKER = "alphanode post meta"
SIMILAR_MARKER = "Similar Posts"
MARKER_MAX = 32  # no line longer than this can be a marker
_MARKERS = {META_MARKER: META_MARKER, SIMILAR_MARKER.lower(): SIMILAR_MARKER}
UNPARSED = "meta.extra." + EXTRA_UNPARSED


def _by_prefix() -> dict[str, list[tuple[str, str]]]:
    """Known labels by their first four characters, longest first (a longer label wins)."""
    table: dict[str, list[tuple[str, str]]] = {}
    for key in sorted(SCHEMA, key=len, reverse=True):
        assert len(label(key)) >= 4, key  # noqa: S101 - the table needs four characters
        table.setdefault(label(key)[:4], []).append((label(key), key))
    return table


_KNOWN = _by_prefix()
# A label: short, a letter first, no colon. Possessive (``{0,39}+``): nothing to backtrack for.
_LABEL = r"[A-Za-z][A-Za-z0-9 _-]{0,39}+"
_LABEL_RE = re.compile(_LABEL)
# "name: value", where the colon ends a word ("10:30" and "https://" are no labels).
_PAIR_RE = re.compile(rf"(?P<label>{_LABEL}):(?:\s++|$)(?P<value>.*)", re.S)
# A label alone, as it heads grouped items: "hashtags" or "hashtags:".
_HEADER_RE = re.compile(rf"(?P<label>{_LABEL}):?")
# A record item indented this far (a tab counts as two columns) starts a list of records.
_DEEP = 4


@dataclass
class MetaBox:
    """What the box held: raw values (text leaves) in page order, and where each came from.

    ``positions`` maps ``meta.<key>`` to its label's line; with ``track`` it also maps every
    item and field (``meta.revision.last_reviewed``), which only a flawed page needs.
    """

    track: bool = False
    end: int = -1  # the line index of the ``Similar Posts`` that ended the box
    raw: dict[str, Any] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)  # field path → 1-based line
    unparsed: list[str] = field(default_factory=list)
    warnings: list[DocumentWarning] = field(default_factory=list)

    def odd(self, text: str, at: int, detail: str) -> None:
        """Keep a line the reader cannot place, and say so."""
        self.warnings.append(DocumentWarning(WARN_ODD_LINE, UNPARSED, text, detail, at + 1))
        self.unparsed.append(text)


def marker(text: str) -> str | None:
    """``META_MARKER`` or ``SIMILAR_MARKER`` when the line is one (any case, a colon allowed)."""
    if len(text) > MARKER_MAX or text[:1] not in ("a", "A", "s", "S"):
        return None
    return _MARKERS.get(" ".join(text.lower().rstrip(":").split()))


def read_meta(lines: list[str], stripped: list[str], start: int, track: bool = False) -> MetaBox:
    """Read from ``stripped[start]`` to ``Similar Posts``: labels with values or ``•`` items."""
    box = MetaBox(track)
    header = -1
    items: list[int] = []
    for at, text in enumerate(stripped[start:], start):
        if not text:
            continue  # blank lines inside the box separate nothing
        if text[0] == BULLET:
            if header >= 0:
                items.append(at)
            else:
                box.odd(text, at, "list item before any meta label")
            continue
        if len(text) <= MARKER_MAX and text[0] in "sS" and marker(text) == SIMILAR_MARKER:
            box.end = at
            break
        if header >= 0:
            _entry(box, lines, stripped, header, items)
        header, items = at, []
    if header >= 0:
        _entry(box, lines, stripped, header, items)
    return box


@functools.lru_cache(maxsize=4096)
def _label_key(name: str) -> str | None:
    return snake(name) if _LABEL_RE.fullmatch(name) else None


def pair(text: str) -> tuple[str, str] | None:
    """``"last reviewed: 2026-03-16"`` → ``("last_reviewed", "2026-03-16")``, else None."""
    name, sep, value = text.partition(": ")
    if sep:
        # A label holds no colon, so the first ": " is where it would end.
        key = _label_key(name)
        return (key, value.lstrip()) if key is not None else None
    if ":" not in text:
        return None
    m = _PAIR_RE.match(text)  # "name:" at the end, or a tab after the colon
    return (snake(m["label"]), m["value"]) if m is not None else None


def known(header: str) -> tuple[str, str] | None:
    """The known key a label line starts with and the text after it: ``"reading time9"`` →
    ``("reading_time", "9")``. Any case; ``_`` for a space; a colon after the label is dropped.

    A dict of four-character prefixes rather than one regex of all labels: this runs for
    every label line, and the dict is several times faster.
    """
    candidates = _KNOWN.get(header[:4]) or _KNOWN.get(header[:4].lower().replace("_", " "))
    if candidates is None:
        return None
    for text, key in candidates:
        head = header[: len(text)]
        if head == text or head.lower().replace("_", " ") == text:
            rest = header[len(text) :].lstrip()
            return key, rest[1:].lstrip() if rest.startswith(":") else rest
    return None


def classify(header: str, has_items: bool) -> tuple[str | None, str | None]:
    """The key a label line names (known or not) and the value on the same line, if any."""
    if ":" in header:
        labelled = pair(header)
        if labelled is not None:
            return labelled[0], labelled[1] or None
    found = known(header)
    if found is not None and (not has_items or not found[1]):
        return found[0], found[1] or None
    if has_items:
        alone = _HEADER_RE.fullmatch(header)
        return (snake(alone["label"]), None) if alone is not None else (None, None)
    return None, None


# A label line with items below is a bare label ("score"), the same page after page.
_classify_label = functools.lru_cache(maxsize=1024)(functools.partial(classify, has_items=True))


def _item(stripped: list[str], at: int) -> str:
    return stripped[at][1:].lstrip()


def _entry(box: MetaBox, lines: list[str], stripped: list[str], at: int, items: list[int]) -> None:
    header = stripped[at]
    key, value = _classify_label(header) if items else classify(header, False)
    if key is None or key in box.raw or key in SPECIAL_EXTRA or key == EXTRA:
        _set_aside(box, stripped, key, value, at, items)
        return
    shape = SCHEMA.get(key)
    if shape is not None:
        box.positions[f"meta.{key}"] = at + 1
        if shape.form == "scalar" and not items:
            box.raw[key] = value or ""  # the common case first
        else:
            box.raw[key] = _known_value(box, stripped, key, shape, value, at, items)
    else:
        box.positions[f"meta.{key}"] = at + 1
        if value is not None and items:
            box.odd(
                stripped[at], at, f"'{label(key)}' has its items below; this line was set aside"
            )
        box.raw[key] = _unknown(box, lines, stripped, key, value, items)


def _set_aside(
    box: MetaBox, stripped: list[str], key: str | None, value: str | None, at: int, items: list[int]
) -> None:
    if key == EXTRA_UNPARSED:  # the writer's own section: lines an earlier read set aside
        if value:
            box.odd(value, at, "kept from an earlier read")
        for n in items:
            box.odd(_item(stripped, n), n, "kept from an earlier read")
        return
    detail = (
        "a repeated meta label" if key in box.raw else "a line the meta box reader cannot place"
    )
    box.odd(stripped[at], at, detail)
    for n in items:
        box.odd(stripped[n], n, "an item of a label that was set aside")


def _known_value(
    box: MetaBox,
    stripped: list[str],
    key: str,
    shape: Shape,
    value: str | None,
    at: int,
    items: list[int],
) -> Any:
    if shape.form == "scalar":
        for n in items:
            box.odd(stripped[n], n, f"'{label(key)}' holds one value, not a list")
        return value or ""
    if value is not None and not items:
        if shape.form == "list":
            detail = "a list written on one line; read as one item"
            box.warnings.append(
                DocumentWarning(WARN_ODD_LINE, f"meta.{key}", value, detail, at + 1)
            )
            return [value]
        return value  # validation rejects it, naming this line: not a record
    if value is not None:
        box.odd(stripped[at], at, f"'{label(key)}' has its items below; this line was set aside")
    return _structured(box, stripped, f"meta.{key}", shape, items)


def _structured(
    box: MetaBox, stripped: list[str], path: str, shape: Shape, items: list[int]
) -> Any:
    if shape.form == "list":
        if box.track:
            for n, at in enumerate(items):
                box.positions[f"{path}[{n}]"] = at + 1
        return [stripped[at][1:].lstrip() for at in items]
    if shape.form == "records":
        return _records(box, stripped, path, items)
    record: dict[str, str] = {}
    for at in items:
        found = pair(stripped[at][1:].lstrip())
        if found is None:
            box.odd(stripped[at], at, "expected a 'name: value' item")
            continue
        key, value = found
        if key in record:
            box.odd(stripped[at], at, "a field repeated in a record")
            continue
        record[key] = value
        if box.track:
            box.positions[f"{path}.{key}"] = at + 1
    return record


def _records(
    box: MetaBox, stripped: list[str], path: str, items: list[int]
) -> list[dict[str, str]]:
    """Read ``name: value`` items as records: a record ends where a key repeats."""
    records: list[dict[str, str]] = []
    record: dict[str, str] = {}
    for at in items:
        found = pair(stripped[at][1:].lstrip())
        if found is None:
            box.odd(stripped[at], at, "expected a 'name: value' item")
            continue
        key, value = found
        if not records or key in record:
            record = {}
            records.append(record)
        record[key] = value
        if box.track:
            box.positions[f"{path}[{len(records) - 1}].{key}"] = at + 1
    return records


def _unknown(
    box: MetaBox,
    lines: list[str],
    stripped: list[str],
    key: str,
    value: str | None,
    items: list[int],
) -> Any:
    """An unknown label's value, its shape read from the page: text, list, record or records."""
    if not items:
        return value or ""
    texts = [_item(stripped, at) for at in items]
    pairs = [pair(text) for text in texts]
    if not all(pairs):
        return texts
    keys = {p[0] for p in pairs if p is not None}
    if len(keys) < len(pairs) or all(_indent(lines[at]) >= _DEEP for at in items):
        return _records(box, stripped, f"meta.{key}", items)
    return dict(p for p in pairs if p is not None)


def _indent(line: str) -> int:
    return len(line[: len(line) - len(line.lstrip())].expandtabs(2))
