"""The typed meta schema: which keys the model knows, their shapes and kinds, and coercion."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from alphanode.content.source import SOURCE, check_source
from alphanode.errors import DocumentWarning, Problem

CODE_WRONG_VALUE = "AN-IMPORT-004"
CODE_WRONG_SHAPE = "AN-IMPORT-005"
WARN_UNKNOWN_KEY = "AN-WARN-001"
WARN_ODD_LINE = "AN-WARN-002"
WARN_UNSAFE_URL = "AN-WARN-003"
WARN_IMAGE_NO_SOURCE = "AN-WARN-004"

# Keys in ``meta.extra`` that the scraped-page format places outside the meta box.
EXTRA_BREADCRUMB = "breadcrumb"
EXTRA_SIMILAR = "similar_posts"
EXTRA_UNPARSED = "unparsed_lines"
SPECIAL_EXTRA = (EXTRA_BREADCRUMB, EXTRA_SIMILAR, EXTRA_UNPARSED)

SAFE_URL_SCHEMES = ("http://", "https://")
# A link target: http(s), a host, no white space or control characters anywhere.
_SAFE_URL_RE = re.compile(r"https?://[^\x00-\x20\x7f/?#\\]+(?:[/?#][^\x00-\x20\x7f]*)?", re.I)
# A reference names a post in URLs (/api/v1/posts/{ref}, /review/posts/{ref}): letters,
# digits and . _ : ~ @ + -, in segments joined by single "/" (wp:site/123), each segment
# starting with a letter or digit (so no "..", "//" or leading "/"); never ? # % or spaces.
# The first part starts with a letter or digit; later parts may also start with _ (a Jekyll
# post is md:_posts/… or md:linux/_posts/…), never with . (no "..", no hidden names).
REFERENCE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:~@+-]*(?:/[A-Za-z0-9_][A-Za-z0-9._:~@+-]*)*")
REFERENCE_MAX = 200
REFERENCE_EXPECTED = (
    f"a reference of at most {REFERENCE_MAX} characters: A-Za-z0-9 and . _ : ~ @ + -, "
    "in parts joined by single /, the first starting with a letter or digit and the others "
    "with a letter, digit or _ "
    "(e.g. anp-ref-026145-7938, wp:site/123)"
)
# Keeps every count inside a signed 64-bit column (SQLite INTEGER, PostgreSQL BIGINT).
MAX_COUNT = 2**63 - 1


class CoercionError(ValueError):
    """A value could not be read as its kind; ``expected`` says what would have been."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


@dataclass(frozen=True)
class Kind:
    """A leaf type: how to read it from text or JSON and how to write it back as text."""

    name: str
    expected: str
    coerce: Callable[[Any], Any]
    render: Callable[[Any], str] = str


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise CoercionError("text")


# ASCII digits only (``\d`` would take Arabic-Indic digits too); 19 digits hold 2**63 - 1, and
# the bound keeps int() far from its 4300-digit limit (a ValueError, not a CoercionError).
_INT_RE = re.compile(r"[0-9]{1,3}(?:[,_][0-9]{3}){1,6}|[0-9]{1,19}")


def _whole(lo: int, hi: int, expected: str) -> Callable[[Any], int]:
    def coerce(value: Any) -> int:
        if isinstance(value, bool):
            raise CoercionError(expected)
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
            number = int(value)  # the common case, without the regex
        elif isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
            number = int(value.strip().replace(",", "").replace("_", ""))
        else:
            raise CoercionError(expected)
        if not lo <= number <= hi:
            raise CoercionError(expected)
        return number

    return coerce


_TRUE = frozenset({"1", "true", "yes"})
_FALSE = frozenset({"0", "false", "no"})


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    raise CoercionError("1 or 0 (true or false)")


# Only the calendar form: Python 3.11 also reads "20260316" and week dates, which would
# silently change the value shown on the page.
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(value: Any) -> str:
    if isinstance(value, str) and _DATE_RE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise CoercionError("an ISO date such as 2026-03-16")


TEXT = Kind("text", "text", _text)
MINUTES = Kind(
    "minutes", "a whole number of minutes", _whole(0, MAX_COUNT, "a whole number of minutes")
)
COUNT = Kind("count", "a whole number", _whole(0, MAX_COUNT, "a whole number"))
SCORE = Kind(
    "score", "a whole number from 0 to 100", _whole(0, 100, "a whole number from 0 to 100")
)
BOOL = Kind("bool", "1 or 0 (true or false)", _bool, lambda v: "1" if v else "0")
DATE = Kind("date", "an ISO date such as 2026-03-16", _date)


@dataclass(frozen=True)
class Shape:
    """How a meta value is laid out: one scalar, a list, a record, or a list of records."""

    form: Literal["scalar", "list", "record", "records"]
    kind: Kind = TEXT
    fields: Mapping[str, Kind] = field(default_factory=dict)
    open: bool = False  # an open record accepts any key, typed by ``kind``

    def field_kind(self, key: str) -> Kind | None:
        if key in self.fields:
            return self.fields[key]
        return self.kind if self.open else None


def _record(fields: Mapping[str, Kind], kind: Kind = TEXT, open_: bool = False) -> Shape:
    return Shape("record", kind, fields, open_)


# The meta box as the alphanode page shows it, in its order. A key's label is its name with
# spaces for underscores ("reading_time" is shown as "reading time").
SCHEMA: dict[str, Shape] = {
    "topic": Shape("scalar"),
    "summary": Shape("scalar"),
    "ai_outline": _record(
        dict.fromkeys(("context", "problem", "stack", "recommended_action"), TEXT)
    ),
    "ai_brief": Shape("scalar"),
    "stack": Shape("list"),
    "tools": Shape("list"),
    "code_language": Shape("scalar"),
    "difficulty": Shape("scalar"),
    "reading_time": Shape("scalar", MINUTES),
    "view_count": Shape("scalar", COUNT),
    "score": _record({}, SCORE, open_=True),
    "revision": _record({"status": TEXT, "version": TEXT, "last_reviewed": DATE}),
    "reference": Shape("scalar"),
    "hash": Shape("scalar"),
    "flags": _record({}, BOOL, open_=True),
    "checklist": Shape("list"),
    "entities": Shape("records", TEXT, {"name": TEXT, "type": TEXT}),
    "image_sources": Shape("records", TEXT, {"source": TEXT, "url": TEXT, "caption": TEXT}),
    "payload": _record(
        {"source_id": TEXT, "generator": TEXT, "paragraphs": COUNT, "scenario": TEXT, "seed": COUNT}
    ),
    "notes": Shape("list"),
}

EXTRA = "extra"


def label(key: str) -> str:
    return key.replace("_", " ")


_SNAKE_RE = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=4096)  # labels repeat page after page; the regex is the cost
def snake(text: str) -> str:
    """``"Last Reviewed"`` → ``"last_reviewed"``: the key a label stands for."""
    return _SNAKE_RE.sub("_", text.strip().lower()).strip("_")


def is_safe_url(url: str) -> bool:
    """True only for an http(s) URL with a host: the only kind that may ever become a link."""
    return _SAFE_URL_RE.fullmatch(url) is not None


def shown(value: Any, limit: int = 200) -> str:
    """A value as an error or warning shows it: text as is, anything else as JSON; cut short."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=repr)
        except (ValueError, RecursionError):
            text = repr(type(value))
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass
class MetaResult:
    meta: dict[str, Any]
    warnings: list[DocumentWarning]
    problems: list[Problem]


class _Validator:
    def __init__(self, lines: Mapping[str, int]) -> None:
        self.lines = lines
        self.warnings: list[DocumentWarning] = []
        self.problems: list[Problem] = []

    def problem(self, path: str, value: Any, expected: str, code: str = CODE_WRONG_VALUE) -> None:
        line = self.lines.get(path)
        self.problems.append(Problem(code, path, shown(value), expected, False, "", line))

    def warn(self, code: str, path: str, value: str, detail: str) -> None:
        self.warnings.append(DocumentWarning(code, path, value, detail, self.lines.get(path)))

    def leaf(self, path: str, kind: Kind, value: Any) -> Any:
        if kind is TEXT and type(value) is str:  # the common case, kept cheap
            return value
        try:
            return kind.coerce(value)
        except CoercionError as exc:
            self.problem(path, value, exc.expected)
            return None

    def value(self, path: str, shape: Shape, value: Any) -> Any:
        if shape.form == "scalar":
            return self.leaf(path, shape.kind, value)
        if shape.form == "record":
            return self.record(path, shape, value)
        if type(value) is not list:
            expected = "a list of text" if shape.form == "list" else "a list of records"
            self.problem(path, value, expected, CODE_WRONG_SHAPE)
            return None
        if shape.form == "list":
            if all(type(v) is str for v in value):
                return value
            return [self.leaf(f"{path}[{i}]", TEXT, v) for i, v in enumerate(value)]
        return [self.record(f"{path}[{i}]", shape, v) for i, v in enumerate(value)]

    def record(self, path: str, shape: Shape, value: Any) -> dict[str, Any] | None:
        if type(value) is not dict:
            self.problem(path, value, "a record of 'name: value' entries", CODE_WRONG_SHAPE)
            return None
        fields = shape.fields
        default = shape.kind if shape.open else None
        out: dict[str, Any] = {}
        for key, item in value.items():
            kind = fields.get(key, default)
            if kind is TEXT and type(item) is str:  # the common case, kept cheap
                out[key] = item
            elif kind is None:
                # Unknown fields are kept as they came (text from a page), with a warning.
                path_key = f"{path}.{key}"
                self.warn(WARN_UNKNOWN_KEY, path_key, shown(item), "unknown field, kept as it is")
                out[key] = item
            else:
                out[key] = self.leaf(f"{path}.{key}", kind, item)
        return out

    def merge_extra(self, extra: dict[str, Any], raw: Any) -> None:
        if not isinstance(raw, dict):
            self.problem("meta.extra", raw, "a record of extra meta", CODE_WRONG_SHAPE)
            return
        for key, value in raw.items():
            if key in extra:
                self.duplicate(key, value)
            elif self.special_ok(key, value):
                extra[key] = value

    def duplicate(self, key: str, value: Any) -> None:
        expected = "each extra key given once, in meta or in meta.extra"
        self.problem(f"meta.extra.{key}", value, expected, CODE_WRONG_SHAPE)

    def special_ok(self, key: str, value: Any) -> bool:
        if key == EXTRA_BREADCRUMB and not isinstance(value, str):
            self.problem(f"meta.extra.{key}", value, "text", CODE_WRONG_SHAPE)
            return False
        if key in (EXTRA_SIMILAR, EXTRA_UNPARSED) and not _texts(value):
            self.problem(f"meta.extra.{key}", value, "a list of text", CODE_WRONG_SHAPE)
            return False
        return True


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(type(v) is str for v in value)


def validate_meta(raw: Mapping[str, Any], lines: Mapping[str, int] | None = None) -> MetaResult:
    """Type every known key of ``raw``; move unknown keys to ``extra`` with a warning.

    ``raw`` comes from JSON (values may already be typed) or from the scraped-page reader
    (every leaf is text). ``lines`` maps a field path such as ``meta.reading_time`` to the
    line it came from, so that problems and warnings can name it.
    """
    v = _Validator(lines or {})
    meta: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in raw.items():
        shape = SCHEMA.get(key)
        if shape is not None:
            if shape.form == "scalar" and shape.kind is TEXT and type(value) is str:
                meta[key] = value  # the common case, without the calls below
            else:
                meta[key] = v.value(f"meta.{key}", shape, value)
        elif key == EXTRA:
            v.merge_extra(extra, value)
        elif key == SOURCE:
            checked = check_source(value, lambda p, x, e: v.problem(p, x, e, CODE_WRONG_SHAPE))
            if checked is not None:
                meta[key] = checked
        elif key in extra:
            v.duplicate(key, value)
        elif v.special_ok(key, value):
            if key not in SPECIAL_EXTRA:
                v.warn(
                    WARN_UNKNOWN_KEY, f"meta.{key}", shown(value), "unknown meta key, kept in extra"
                )
            extra[key] = value
    if extra:
        meta[EXTRA] = extra
    _check_urls(v, meta)
    ref = meta.get("reference")
    if isinstance(ref, str) and ref.strip() and not is_reference(ref):
        v.problem("meta.reference", ref, REFERENCE_EXPECTED)
    return MetaResult(meta, v.warnings, v.problems)


def is_reference(ref: str) -> bool:
    """True for a reference in the documented character set (``REFERENCE_RE``)."""
    return len(ref) <= REFERENCE_MAX and REFERENCE_RE.fullmatch(ref) is not None


def _check_urls(v: _Validator, meta: Mapping[str, Any]) -> None:
    sources = meta.get("image_sources")
    if not isinstance(sources, list):
        return
    for i, rec in enumerate(sources):
        if isinstance(rec, dict):
            url = rec.get("url")
            if isinstance(url, str) and url and not is_safe_url(url):
                v.warn(
                    WARN_UNSAFE_URL,
                    f"meta.image_sources[{i}].url",
                    url,
                    "not an http(s) URL: kept as inert text, never a link",
                )


def render_leaf(shape: Shape, key: str, value: Any) -> str:
    """The text form of one typed leaf (``True`` → ``1``)."""
    kind = shape.kind if shape.form in ("scalar", "list") else (shape.field_kind(key) or TEXT)
    return kind.render(value)
