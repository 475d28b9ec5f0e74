"""The typed meta schema: which keys the model knows, their shapes and kinds, and coercion."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

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

SAFE_URL_SCHEMES = ("http://", "https://")


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


_INT_RE = re.compile(r"\d{1,3}(?:[,_]\d{3})+|\d+")


def _whole(lo: int, hi: int | None, expected: str) -> Callable[[Any], int]:
    def coerce(value: Any) -> int:
        if isinstance(value, bool):
            raise CoercionError(expected)
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
            number = int(value.strip().replace(",", "").replace("_", ""))
        else:
            raise CoercionError(expected)
        if number < lo or (hi is not None and number > hi):
            raise CoercionError(expected)
        return number

    return coerce


_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no"}


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


def _date(value: Any) -> str:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise CoercionError("an ISO date such as 2026-03-16")


TEXT = Kind("text", "text", _text)
MINUTES = Kind(
    "minutes",
    "a whole number of minutes",
    _whole(0, None, "a whole number of minutes"),
)
COUNT = Kind("count", "a whole number", _whole(0, None, "a whole number"))
SCORE = Kind("score", "a whole number from 0 to 100", _whole(0, 100, "a whole number from 0 to 100"))
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
    "ai_outline": _record(dict.fromkeys(("context", "problem", "stack", "recommended_action"), TEXT)),
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


def snake(text: str) -> str:
    return _SNAKE_RE.sub("_", text.strip().lower()).strip("_")


def is_safe_url(url: str) -> bool:
    return url.strip().lower().startswith(SAFE_URL_SCHEMES)


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

    def line(self, path: str) -> int | None:
        return self.lines.get(path)

    def problem(self, path: str, value: Any, expected: str, code: str = CODE_WRONG_VALUE) -> None:
        shown = value if isinstance(value, str) else _short_json(value)
        self.problems.append(Problem(code, path, shown, expected, False, "", self.line(path)))

    def warn(self, code: str, path: str, value: str, detail: str) -> None:
        self.warnings.append(DocumentWarning(code, path, value, detail, self.line(path)))

    def leaf(self, path: str, kind: Kind, value: Any) -> Any:
        try:
            return kind.coerce(value)
        except CoercionError as exc:
            self.problem(path, value, exc.expected)
            return None

    def value(self, path: str, shape: Shape, value: Any) -> Any:
        if shape.form == "scalar":
            return self.leaf(path, shape.kind, value)
        if shape.form == "list":
            if not isinstance(value, list):
                self.problem(path, value, "a list of text", CODE_WRONG_SHAPE)
                return None
            return [self.leaf(f"{path}[{i}]", TEXT, v) for i, v in enumerate(value)]
        if shape.form == "record":
            return self.record(path, shape, value)
        if not isinstance(value, list):
            self.problem(path, value, "a list of records", CODE_WRONG_SHAPE)
            return None
        return [self.record(f"{path}[{i}]", shape, v) for i, v in enumerate(value)]

    def record(self, path: str, shape: Shape, value: Any) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(path, value, "a record of 'name: value' entries", CODE_WRONG_SHAPE)
            return None
        out: dict[str, Any] = {}
        for key, item in value.items():
            sub = f"{path}.{key}"
            kind = shape.field_kind(key)
            if kind is None:
                self.warn(WARN_UNKNOWN_KEY, sub, _short_json(item), "unknown field, kept as text")
                kind = TEXT
            out[key] = self.leaf(sub, kind, item)
        return out


def validate_meta(raw: Mapping[str, Any], lines: Mapping[str, int] | None = None) -> MetaResult:
    """Type every known key of ``raw``; move unknown keys to ``extra`` with a warning.

    ``raw`` comes from JSON (values may already be typed) or from the scraped-page reader
    (every leaf is text). ``lines`` maps a field path such as ``meta.reading_time`` to the
    line it came from, so that problems can name it.
    """
    v = _Validator(lines or {})
    meta: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in raw.items():
        path = f"meta.{key}"
        shape = SCHEMA.get(key)
        if shape is not None:
            meta[key] = v.value(path, shape, value)
        elif key == EXTRA:
            if not isinstance(value, dict):
                v.problem(path, value, "a record of extra meta", CODE_WRONG_SHAPE)
            else:
                extra.update(value)
        else:
            if key not in (EXTRA_BREADCRUMB, EXTRA_SIMILAR, EXTRA_UNPARSED):
                v.warn(WARN_UNKNOWN_KEY, path, _short_json(value), "unknown meta key, kept in extra")
            extra[key] = value
    if extra:
        meta[EXTRA] = extra
    _check_urls(v, meta)
    return MetaResult(meta, v.warnings, v.problems)


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


def _short_json(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def render_leaf(shape: Shape, key: str, value: Any) -> str:
    """The text form of one typed leaf (``True`` → ``1``)."""
    kind = shape.kind if shape.form in ("scalar", "list") else (shape.field_kind(key) or TEXT)
    return kind.render(value)
