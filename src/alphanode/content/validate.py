"""Turning raw input (JSON values or text read from a page) into a validated Document."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from alphanode.content.body import BodyReader
from alphanode.content.document import Block, Document, ParsedDocument
from alphanode.content.meta import (
    CODE_WRONG_SHAPE,
    CODE_WRONG_VALUE,
    MAX_COUNT,
    WARN_UNKNOWN_KEY,
    shown,
    validate_meta,
)
from alphanode.content.slug import is_slug
from alphanode.errors import DocumentRejected, DocumentWarning, Problem

CODE_EMPTY = "AN-IMPORT-001"
CODE_NOT_TEXT = "AN-IMPORT-002"
CODE_BAD_JSON = "AN-IMPORT-003"
CODE_TOO_LARGE = "AN-IMPORT-006"

_TOP_KEYS = ("title", "body", "meta", "slug")

# Characters no article text holds: C0 controls other than tab and line ends, DEL, and lone
# surrogates (which cannot even be written out as UTF-8).
BAD_CHAR_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f\ud800-\udfff]")
NOT_TEXT = "UTF-8 text, not binary data"
# Deeper nesting than any page produces; also keeps every later walk far from Python's
# recursion limit.
MAX_DEPTH = 32

_ProblemAt = Callable[[str, Any, str], None]


def bad_char(text: str, pos: int) -> str:
    """``U+0000 at column 5``: the character at ``pos`` and its 1-based column in its line."""
    start = max(text.rfind("\n", 0, pos), text.rfind("\r", 0, pos))
    return f"U+{ord(text[pos]):04X} at column {pos - start}"


def document_from_dict(
    data: Any,
    *,
    lines: Mapping[str, int] | None = None,
    line: int | None = None,
    plain_text: bool = False,
) -> ParsedDocument:
    """Validate a document in the canonical JSON shape; raise ``DocumentRejected`` if wrong.

    ``plain_text``: the caller already knows no string holds a control character or a lone
    surrogate (it checked the raw JSON text), so strings are not searched again.
    """
    problems: list[Problem] = []
    warnings: list[DocumentWarning] = []

    def problem(path: str, value: Any, expected: str, code: str = CODE_WRONG_SHAPE) -> None:
        problems.append(Problem(code, path, shown(value), expected, False, "", line))

    if not isinstance(data, dict):
        problem("document", data, "a JSON object with title, body and meta")
        raise DocumentRejected(problems)
    insane = json_problem(data, plain_text)
    if insane is not None:
        raise DocumentRejected([Problem(insane[0], insane[1], insane[2], insane[3], line=line)])
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problem("title", title, "a non-empty title")
    slug = data.get("slug")
    if slug is not None and not (isinstance(slug, str) and is_slug(slug)):
        problem("slug", slug, "a slug: lower-case a-z, 0-9 and single hyphens", CODE_WRONG_VALUE)
    body = _blocks(data.get("body", []), problem, warnings, line)
    meta: dict[str, Any] = {}
    meta_raw = data.get("meta", {})
    if not isinstance(meta_raw, dict):
        problem("meta", meta_raw, "a JSON object of meta keys")
    else:
        result = validate_meta(meta_raw, lines)
        problems.extend(p if p.line is not None else _at(p, line) for p in result.problems)
        warnings.extend(w if w.line is not None else replace(w, line=line) for w in result.warnings)
        meta = result.meta
    for key in data:
        if key not in _TOP_KEYS:
            detail = "unknown top-level key, ignored"
            warnings.append(DocumentWarning(WARN_UNKNOWN_KEY, key, shown(data[key]), detail, line))
    if problems:
        raise DocumentRejected(problems)
    assert isinstance(title, str)  # noqa: S101 - checked above; narrows for mypy
    return ParsedDocument(Document(title, tuple(body), meta), tuple(warnings), line, slug)


def _plain(data: Any, strings: bool = True) -> bool:
    """True when every value is plain JSON (the common case), checked without building paths.

    Runs on every imported JSON document, so it does the least work that answers the
    question; ``json_problem`` walks again, with paths, only when this says no. With
    ``strings=False`` (the raw text was already checked) strings are not even visited.
    """
    stack: list[tuple[Any, int]] = [(data, 0)]
    search = BAD_CHAR_RE.search
    while stack:
        value, depth = stack.pop()
        kind = type(value)
        if kind is str:
            if search(value):
                return False
            continue
        if kind is dict or kind is list:
            if depth >= MAX_DEPTH:
                return False
            items = value.values() if kind is dict else value
            if kind is dict and not all(
                type(k) is str and not (strings and search(k)) for k in value
            ):
                return False
            depth += 1
            stack.extend((item, depth) for item in items if strings or type(item) is not str)
        elif not _plain_scalar(kind, value):
            return False
    return True


def _plain_scalar(kind: type, value: Any) -> bool:
    if kind is int:
        return bool(-MAX_COUNT <= value <= MAX_COUNT)
    if kind is float:
        return math.isfinite(value)
    return kind is bool or value is None


def json_problem(data: Any, plain_text: bool = False) -> tuple[str, str, str, str] | None:
    """The first value that is not plain JSON text, number or structure: code, path, seen, expected.

    Catches what ``json.loads`` lets through and later layers choke on: lone surrogates and
    control characters, NaN and infinities, integers beyond 64 bits, and deep nesting.
    """
    if _plain(data, strings=not plain_text):
        return None
    stack: list[tuple[Any, str, int]] = [(data, "document", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                return CODE_WRONG_SHAPE, path, "…", f"values nested at most {MAX_DEPTH} deep"
            if isinstance(value, list):
                stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
                continue
            for key, item in value.items():
                if not isinstance(key, str):
                    return CODE_WRONG_SHAPE, path, repr(key), "text keys"
                child = (
                    key if path == "document" else f"{path}.{key}"
                )  # paths as problems name them
                stack.append((key, f"{child} (the key)", depth))
                stack.append((item, child, depth + 1))
        else:
            found = _scalar_problem(value, path)
            if found is not None:
                return found
    return None


def _scalar_problem(value: Any, path: str) -> tuple[str, str, str, str] | None:
    if isinstance(value, str):
        m = BAD_CHAR_RE.search(value)
        if m is not None:
            return CODE_NOT_TEXT, path, bad_char(value, m.start()), NOT_TEXT
    elif isinstance(value, bool) or value is None:
        pass
    elif isinstance(value, int):
        if abs(value) > MAX_COUNT:
            return CODE_WRONG_VALUE, path, shown(value, 40), "a whole number within 64 bits"
    elif isinstance(value, float):
        if not math.isfinite(value):
            return CODE_WRONG_VALUE, path, repr(value), "a finite number"
    else:
        return CODE_WRONG_SHAPE, path, repr(type(value)), "a JSON value"
    return None


def _at(p: Problem, line: int | None) -> Problem:
    return Problem(p.code, p.field, p.value, p.expected, p.retry_safe, p.source, line)


def _blocks(
    raw: Any, problem: _ProblemAt, warnings: list[DocumentWarning], line: int | None
) -> list[Block]:
    return BodyReader(problem, warnings, line).blocks(raw, "body")
